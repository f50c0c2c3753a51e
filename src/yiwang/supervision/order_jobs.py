"""Scheduled jobs of supervision orders; each must be safe to run twice."""

from django.dispatch import receiver

from yiwang.core import schedule
from yiwang.workdays.signals import schedule_changed

from . import orders


@schedule.every(3600)
def mark_overdue_supervision_orders():
    """Orders not answered by the end of their due working day turn red (told once)."""
    orders.refresh_overdue()


@receiver(schedule_changed)
def _recompute_provisional_order_deadlines(sender, years=(), **kwargs):
    orders.recompute_provisional_deadlines()
