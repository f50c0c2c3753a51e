"""Scheduled jobs (yiwang.core.schedule); each must be safe to run twice."""

from yiwang.core import schedule

from . import services


@schedule.every(300)
def close_halls_for_the_day():
    """下班: tickets still waiting after a hall's last session are closed with a reason."""
    services.close_days()
