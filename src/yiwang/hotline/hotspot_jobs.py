"""The hotspot job (yiwang.core.schedule; docs/hotline.md, "Supervision, hotspots and the
weekly report"): safe to run twice — a day judged again replaces its alerts."""

from yiwang.core import schedule

from . import hotspots


@schedule.every(3600)
def find_hotspots():
    """Count the keywords of yesterday and today and judge both days; a fresh install
    catches up its past appeals a month a run."""
    hotspots.catch_up()
