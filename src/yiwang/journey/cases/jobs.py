from yiwang.core import schedule

from . import services


@schedule.every(600)
def deem_overdue_cases_accepted():
    services.deem_overdue_accepted()


@schedule.every(600)
def tell_applicants_of_overdue_cases():
    """Once per case, when the promised deadline has passed (the notice claims the case
    itself, so two workers or a second run tell no one twice)."""
    services.tell_overdue()
