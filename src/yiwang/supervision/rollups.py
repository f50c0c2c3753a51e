"""Daily rollups and live figures (see models.py). Other apps call `mark_dirty` when
something dated on a past day changes, so the rollup job counts that day again."""

import datetime

from .models import DirtyDay


def mark_dirty(day: datetime.date) -> None:
    """Ask the rollup job to count `day` again on its next cycle (idempotent)."""
    DirtyDay.objects.update_or_create(day=day)
