from yiwang.core import schedule

from . import services


@schedule.every(600)
def deem_overdue_cases_accepted():
    services.deem_overdue_accepted()
