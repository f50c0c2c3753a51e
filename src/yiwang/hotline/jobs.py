"""Scheduled jobs of the 12345 line (yiwang.core.schedule); each is safe to run twice."""

from yiwang.core import schedule

from . import services


@schedule.every(900)
def refresh_appeal_warnings():
    """黄牌/红牌: open appeals near or past their due day (working days)."""
    services.refresh_warnings()


@schedule.every(3600)
def close_unrated_appeals():
    """Answered appeals nobody rated within RATING_DAYS working days are closed."""
    services.close_unrated()
