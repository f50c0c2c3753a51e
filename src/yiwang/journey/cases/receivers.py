"""Deadlines that reached a year without a published holiday schedule were computed
provisionally (weekends only); when the year's schedule is imported they are recomputed."""

from django.dispatch import receiver

from yiwang.workdays.signals import schedule_changed

from . import services


@receiver(schedule_changed)
def _recompute_provisional_deadlines(sender, years=(), **kwargs):
    services.recompute_provisional_deadlines()
