"""When a year's holiday schedule is imported, rectification deadlines counted by weekends
only (provisional) are derived again."""

from django.dispatch import receiver

from yiwang.workdays.signals import schedule_changed

from . import services


@receiver(schedule_changed)
def _recompute_provisional_deadlines(sender, years=(), **kwargs):
    services.recompute_provisional_deadlines()
