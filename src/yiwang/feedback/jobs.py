"""Scheduled jobs (yiwang.core.schedule); each must be safe to run twice."""

from yiwang.core import schedule

from . import services


@schedule.every(300)
def raise_overdue_rectifications():
    """差评整改 past the end of its due working day turns red (docs/architecture.md, "Time")."""
    services.mark_overdue()
