"""When a year's holiday schedule is imported, cases.receivers recomputes provisional
deadlines from acceptance; cases whose clock was paused or extended then need their
pauses and extensions added again, and open tasks due provisionally are derived again."""

from django.dispatch import receiver

from yiwang.workdays.signals import schedule_changed

from . import clocks


@receiver(schedule_changed)
def _reapply_pauses_and_extensions(sender, years=(), **kwargs):
    clocks.reapply_adjustments()
    clocks.recompute_provisional_tasks()
