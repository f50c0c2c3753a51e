"""Signals of the working-day calendar.

`schedule_changed` is sent after the transaction that changed the calendar commits: an
import (`yiwang import-holidays`), an override edited in the admin, a year marked covered or
uncovered. Keyword argument `years`: the sorted list of years whose working days may have
changed.

Receivers recompute what depends on those years. The cases app is expected to listen and
recompute every open case and task deadline whose clock runs through one of the years —
at least those still marked provisional (computed with weekends only because the year's
schedule was not yet known), which become final once the year is covered::

    @receiver(schedule_changed)
    def recompute_deadlines(sender, years, **kwargs):
        tasks.recompute_deadlines.enqueue(years)
"""

from django.dispatch import Signal

schedule_changed = Signal()
