"""Demo supervision orders (督办单), made through the real services on the demo cases that
carry warnings (demo/history.py), on past working days so their deadlines and the red
warning follow from the calendar as they would have:

- an order about 李四's overdue 失业保险金 case to 人社局, unanswered past its deadline (red);
- an order about 张三's 企业设立登记 to 市场监管局, answered by `chief`, waiting for
  `supervisor` to close it or send it back;
- an order about 张三's 户外招牌设置许可 to 城管委, answered and closed.

张三's overdue 食品经营许可 (市场监管局, red) is left without an order, for a newcomer to
issue one from the warned cases. Safe to run again: once a demo order exists, nothing is
added. Call after demo.history.load_history()."""

import contextlib
import datetime

import time_machine
from django.utils import timezone

from yiwang.identity.models import User
from yiwang.journey.cases.models import Case, Warning
from yiwang.workdays import calendar

from . import orders
from .models import SupervisionOrder

DEMO_APPLICANTS = ["citizen", "citizen2", "company"]


class _Days:
    def __init__(self):
        self.now = timezone.now()
        self.today = timezone.localdate(self.now, calendar.SHANGHAI)

    @contextlib.contextmanager
    def at(self, ago: int, hour: int):
        day = calendar.add_workdays_checked(self.today, -ago).date if ago else self.today
        moment = datetime.datetime.combine(day, datetime.time(hour), tzinfo=calendar.SHANGHAI)
        moment = min(moment, self.now - datetime.timedelta(minutes=30))  # never in the future
        with time_machine.travel(moment, tick=True):
            yield


def _warned_case(department_code: str, warning: str) -> Case | None:
    return (
        Case.objects.filter(
            applicant__username__in=DEMO_APPLICANTS,
            department__code=department_code,
            warning=warning,
            item_version__isnull=False,
        )
        .select_related("department", "place")
        .order_by("pk")
        .first()
    )


def load_orders() -> list[SupervisionOrder]:
    """Give the demo its supervision orders; [] when it already has some (or the warned
    cases are missing)."""
    if SupervisionOrder.objects.exists():
        return []
    people = {
        u.username: u for u in User.objects.filter(username__in=["supervisor", "chief", "head-cgw"])
    }
    if len(people) < 3:
        return []
    supervisor = people["supervisor"]
    days = _Days()
    made = []

    overdue_case = _warned_case("990101-RSJ", Warning.RED)
    if overdue_case is not None:
        with days.at(2, 9):
            order = orders.issue(
                supervisor,
                None,
                f"办件 {overdue_case.number} {overdue_case.title} 超期",
                "该办件已超过承诺办结期限，请于1个工作日内办结，并书面说明超期原因。",
                case=overdue_case,
                workdays=1,
            )
        orders.refresh_overdue()  # due yesterday, not answered: red today
        made.append(order)

    answered_case = _warned_case("990101-SCJ", Warning.YELLOW)
    if answered_case is not None:
        with days.at(1, 10):
            order = orders.issue(
                supervisor,
                None,
                f"办件 {answered_case.number} {answered_case.title} 临近期限",
                "该办件即将到期，请加快审查，按期办结。",
                case=answered_case,
                workdays=3,
            )
        with days.at(0, 9):
            orders.respond(
                order.pk,
                people["chief"],
                "已安排专人审查，材料齐全，预计明日作出决定。",
            )
        made.append(order)

    closed_case = _warned_case("990101-CGW", Warning.YELLOW)
    if closed_case is not None:
        with days.at(3, 9):
            order = orders.issue(
                supervisor,
                None,
                f"办件 {closed_case.number} {closed_case.title} 临近期限",
                "请核实现场核查进度，确保按期办结。",
                case=closed_case,
                workdays=2,
            )
        with days.at(2, 15):
            orders.respond(
                order.pk,
                people["head-cgw"],
                "现场核查已完成，正在出具审查意见，可以按期办结。",
            )
        with days.at(1, 9):
            orders.close(order.pk, supervisor, "反馈属实，继续跟踪。")
        made.append(order)
    return made
