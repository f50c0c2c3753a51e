"""Scheduled jobs (yiwang.core.schedule); each must be safe to run twice."""

from yiwang.core import schedule

from . import appointments, services


@schedule.every(300)
def close_halls_for_the_day():
    """下班: tickets still waiting after a hall's last session are closed with a reason."""
    services.close_days()


@schedule.every(300)
def mark_appointment_no_shows():
    """爽约: booked appointments whose slot ended without a check-in."""
    appointments.mark_no_shows()


@schedule.every(600)
def send_appointment_reminders():
    """The day before: a reminder of tomorrow's appointments (in-site and SMS)."""
    appointments.send_reminders()
