from yiwang.core import schedule

from . import clocks


@schedule.every(3600)
def refresh_deadline_warnings():
    """Yellow and red warnings move with the calendar (DESIGN.md §7)."""
    clocks.refresh_warnings()
