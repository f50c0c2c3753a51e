"""Scheduled jobs (yiwang.core.schedule); each must be safe to run twice."""

from django.conf import settings
from django.dispatch import receiver

from yiwang.core import schedule
from yiwang.workdays.signals import schedule_changed

from . import rollups


@schedule.every(settings.YIWANG_ROLLUP_SECONDS)
def refresh_rollups():
    """Dashboard figures follow the cases: today, yesterday, dirty days, open work now."""
    rollups.run_cycle()


@receiver(schedule_changed)
def _count_again_where_deadlines_moved(sender, years=(), **kwargs):
    rollups.mark_deadline_years_dirty(years)
