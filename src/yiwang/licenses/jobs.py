from yiwang.core import schedule

from . import services


@schedule.every(6 * 3600)
def remind_expiring_licences():
    """30 days before expiry, each holder is told once (the date is kept on the licence)."""
    services.notify_expiring()
