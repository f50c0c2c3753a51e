"""Scheduled jobs of the kernel (yiwang.core.schedule); each must be safe to run twice."""

from . import events, schedule


@schedule.every(60)
def retry_event_handlers():
    """Domain events whose subscriber failed, or was never run, are handled again
    (docs/events.md)."""
    events.retry_pending()
