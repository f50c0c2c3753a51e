"""Scheduled jobs (yiwang.core.schedule); each must be safe to run twice."""

from django.conf import settings

from yiwang.core import schedule

from . import rollups


@schedule.every(settings.YIWANG_ROLLUP_SECONDS)
def refresh_rollups():
    """Dashboard figures follow the cases: today, yesterday, dirty days, open work now."""
    rollups.run_cycle()
