from yiwang.core import schedule

from . import clocks


@schedule.every(3600)
def refresh_deadline_warnings():
    """Yellow and red warnings move with the calendar (docs/architecture.md, "Time")."""
    clocks.refresh_warnings()
