"""Shared setup of the figures tests (rollups, dashboard, ranking, drill-down): the back
office's cut-down catalogue plus an item handled at the street centres, and a `Desk` that
takes cases through the real services on chosen days (time_machine moves the clock every
service reads, so each event is dated as it would have been). Import the fixtures:

    from tests.supervision.figures import catalog, desk, staff  # noqa: F401
"""

import contextlib
import datetime

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.journey.workflow.conftest import (
    BUNDLE,
    CODES,
    PDF,
    _demo_sheets,
    _provide_everything,
    published,
)
from yiwang.catalog import exchange
from yiwang.identity.models import OrgUnit
from yiwang.journey.cases import services as cases
from yiwang.journey.cases.models import Case, CaseMaterial
from yiwang.journey.workflow import clocks
from yiwang.journey.workflow import services as workflow
from yiwang.journey.workflow.models import OPEN_TASK, ApprovalTask
from yiwang.supervision import rollups
from yiwang.workdays import calendar

SHANGHAI = calendar.SHANGHAI
MAIN = "SCJ-XK-0005"  # 个体工商户设立登记: promised the same day (0 working days), 市场监管局
FOOD = "SCJ-XK-0008"  # 食品经营许可: 5 working days; 审查, 现场核查, 决定 — returns possible
SIGN = "CGW-XK-0001"  # 户外招牌设置许可: 城管委
STREET_ITEM = "SCJ-XK-0006"  # 个体工商户变更登记, at the street centres; 市场监管局
STREET_CENTRE = "990101001-BMZX"  # 和平街道便民服务中心
OTHER_STREET_CENTRE = "990101002-BMZX"
# A plain working week: Monday 9 – Friday 13 June 2025 (端午 was 31 May – 2 June).
MONDAY = datetime.date(2025, 6, 9)
TUESDAY, WEDNESDAY, THURSDAY, FRIDAY = (MONDAY + datetime.timedelta(days=n) for n in range(1, 5))


def moment(day: datetime.date, hour: int = 10, minute: int = 0) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=SHANGHAI)


@contextlib.contextmanager
def on(day: datetime.date, hour: int = 10, minute: int = 0):
    """Everything inside happens at that moment (Asia/Shanghai)."""
    with time_machine.travel(moment(day, hour, minute), tick=False):
        yield


@pytest.fixture
def catalog(demo):
    codes = [*CODES, STREET_ITEM]
    sheets = {name: [dict(r) for r in rows] for name, rows in _demo_sheets().items()}
    for name in [exchange.ITEMS, exchange.MATERIALS, exchange.STEPS, exchange.FORMS]:
        sheets[name] = [r for r in sheets[name] if r["事项编码"] in codes]
    sheets[exchange.BUNDLES] = [r for r in sheets[exchange.BUNDLES] if r["一件事编码"] == BUNDLE]
    exchange.import_sheets(sheets)


STAFF = [
    "citizen",
    "citizen2",
    "clerk",
    "street-clerk",
    "approver",
    "chief",
    "head-cgw",
    "reviewer-cgw",
    "head-xfj",
    "reviewer-xfj",
    "supervisor",
    "street-supervisor",
]


@pytest.fixture
def staff(catalog, user_named):
    return {name: user_named(name) for name in STAFF}


class Desk:
    """The district's people acting on given days through the real services."""

    def __init__(self, staff):
        self.staff = staff

    def file(self, code=MAIN, day=MONDAY, *, applicant="citizen", street=False) -> Case:
        """Submitted online (or at 和平街道's centre by its clerk) at 10:00 on `day`."""
        citizen = self.staff[applicant]
        with on(day, 9):
            if street:
                clerk = self.staff["street-clerk"]
                place = OrgUnit.objects.get(code=STREET_CENTRE)
                case = cases.start_case(
                    published(code).pk, by=clerk, applicant=citizen, place=place
                )
                _provide_everything(case, clerk)
            else:
                case = cases.start_case(published(code).pk, by=citizen)
                _provide_everything(case, citizen)
        with on(day, 10):
            cases.submit(case.pk, by=self.staff["street-clerk"] if street else citizen)
        case.refresh_from_db()
        return case

    def clerk_for(self, case):
        return self.staff["street-clerk" if case.place.code == STREET_CENTRE else "clerk"]

    def accept(self, case, day=MONDAY, hour=11) -> Case:
        with on(day, hour):
            cases.accept(case.pk, by=self.clerk_for(case))
        case.refresh_from_db()
        return case

    def notice(self, case, day=MONDAY, hour=11, *, again=False) -> None:
        with on(day, hour):
            material = case.materials.order_by("position").first()
            cases.request_supplement(
                case.pk,
                by=self.clerk_for(case),
                items=[{"material": material.pk, "reason": "复印件不清晰，请重新上传。"}],
                repeat_reason="第一次告知遗漏了签字要求。" if again else "",
            )

    def resubmit(self, case, day=MONDAY, hour=14) -> None:
        """The applicant uploads what the notice asked for and submits again."""
        by = case.filed_by or case.applicant
        with on(day, hour):
            for material in case.materials.filter(state=CaseMaterial.State.DEFECTIVE):
                # a new scan: the same file again on one material is refused
                scan = PDF.replace(b"\n", f"\n% scan {material.files.count() + 1}\n".encode(), 1)
                upload = SimpleUploadedFile("scan.pdf", scan, content_type="application/pdf")
                cases.attach_file(material.pk, by=by, uploaded=upload)
            cases.submit(case.pk, by=by)

    def task(self, case) -> ApprovalTask:
        return (
            ApprovalTask.objects.filter(case=case, status__in=OPEN_TASK)
            .order_by("stage", "pk")
            .first()
        )

    def complete(self, case, day, hour=15, decision="approve", opinion="") -> None:
        task = self.task(case)
        handler = workflow.holders(task.role, task.org_path)[0]
        with on(day, hour):
            workflow.complete(task.pk, by=handler, decision=decision, opinion=opinion)

    def finish(self, case, day, hour=15) -> Case:
        """Approve every open task (a bundle's children too) on `day` until it concludes."""
        minute = 0
        while True:
            task = (
                ApprovalTask.objects.filter(
                    case__in=[case, *case.children.all()], status__in=OPEN_TASK
                )
                .order_by("pk")
                .first()
            )
            if task is None:
                case.refresh_from_db()
                return case
            handler = workflow.holders(task.role, task.org_path)[0]
            with on(day, hour, minute):
                workflow.complete(task.pk, by=handler, decision="approve")
            minute += 1

    def rate(self, case, day, level: int, comment: str = ""):
        from yiwang.feedback import services as feedback

        scores = {key: level for key, _label in feedback.indicators_for(case.channel)}
        if level <= 2 and not comment:
            comment = "等了很久，窗口没有一次说清楚。"
        with on(day, 16):
            return feedback.rate(
                case.pk, by=case.applicant, level=level, scores=scores, comment=comment
            )


@pytest.fixture
def desk(staff):
    return Desk(staff)


# A week of the district's work that several test modules read figures from: a case done on
# time, one overdue (red), a sign permit rated 非常不满意, one waiting at a street centre.
WEEK = {"period": "custom", "from": MONDAY.isoformat(), "to": FRIDAY.isoformat()}


@pytest.fixture
def district(desk):
    made = {
        "on_time": desk.finish(desk.accept(desk.file(MAIN, MONDAY), MONDAY), MONDAY),
        "red": desk.accept(desk.file(MAIN, TUESDAY, applicant="citizen2"), TUESDAY),
        "sign": desk.finish(desk.accept(desk.file(SIGN, MONDAY), MONDAY), TUESDAY),
        "street": desk.file(STREET_ITEM, MONDAY, street=True),
    }
    desk.rate(made["sign"], THURSDAY, 1)
    with on(FRIDAY, 8):
        clocks.refresh_warnings()
        rollups.run_cycle()
        for n in range(4):
            rollups.refresh(MONDAY + MONDAY.resolution * n)
    return made
