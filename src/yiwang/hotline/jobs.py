"""Scheduled jobs of the 12345 line (yiwang.core.schedule); each is safe to run twice."""

from yiwang.core import schedule

from . import services


@schedule.every(900)
def refresh_appeal_warnings():
    """黄牌/红牌: open appeals near or past their due day (working days)."""
    services.refresh_warnings()


@schedule.every(900)
def deem_unsigned_appeals_accepted():
    """超时未退单视为签收: dispatched appeals past their accept-by day."""
    services.deem_accepted()


@schedule.every(3600)
def close_unrated_appeals():
    """Answered appeals nobody rated within RATING_DAYS working days are closed."""
    services.close_unrated()
