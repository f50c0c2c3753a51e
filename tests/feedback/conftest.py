"""Shared setup of the 好差评 tests: the back office's cut-down catalogue (开办餐饮店一件事 and
its four items) and helpers that take a case to its conclusion through the real services."""

import datetime

import pytest
import time_machine

from tests.dbcache import rows_of
from tests.journey.workflow.conftest import (
    BUNDLE,
    CODES,
    MAIN,
    _demo_sheets,
    _provide_everything,
    published,
)
from yiwang.catalog import exchange
from yiwang.identity.models import OrgUnit, User
from yiwang.journey.cases import services as cases
from yiwang.journey.cases.models import Case
from yiwang.journey.workflow import services as workflow
from yiwang.journey.workflow.models import OPEN_TASK, ApprovalTask

SHANGHAI = datetime.timezone(datetime.timedelta(hours=8))
GOOD_SCORES = {
    "overall": 5,
    "efficiency": 5,
    "guide_accuracy": 4,
    "convenience": 5,
    "usability": 4,
}
WINDOW_SCORES = {"overall": 5, "service_efficiency": 4, "service_level": 5, "attitude": 5}
BAD_SCORES = {key: 2 for key in GOOD_SCORES}


STREET_ITEM = "SCJ-XK-0006"  # 个体工商户变更登记: at the street centres, 主管部门 市场监管局


@pytest.fixture
def catalog(demo):
    """The 开办餐饮店一件事 bundle and its four items, and one item handled at the streets."""
    rows_of("feedback.catalog", _import_catalog)


def _import_catalog():
    codes = [*CODES, STREET_ITEM]
    sheets = {name: [dict(r) for r in rows] for name, rows in _demo_sheets().items()}
    for name in [exchange.ITEMS, exchange.MATERIALS, exchange.STEPS, exchange.FORMS]:
        sheets[name] = [r for r in sheets[name] if r["事项编码"] in codes]
    sheets[exchange.BUNDLES] = [r for r in sheets[exchange.BUNDLES] if r["一件事编码"] == BUNDLE]
    exchange.import_sheets(sheets)


@pytest.fixture
def people(catalog, user_named):
    names = [
        "citizen",
        "citizen2",
        "company",
        "clerk",
        "street-clerk",
        "approver",
        "chief",
        "approver2",
        "head-wjw",
        "head-cgw",
        "reviewer-cgw",
        "head-xfj",
        "reviewer-xfj",
        "supervisor",
        "street-supervisor",
    ]
    return {name: user_named(name) for name in names}


def finish(case) -> Case:
    """Approve every task of the case (and of a bundle's children), each by a holder of
    its role where it is, until the journey concludes."""
    while True:
        task = (
            ApprovalTask.objects.filter(case__in=[case, *case.children.all()], status__in=OPEN_TASK)
            .order_by("pk")
            .first()
        )
        if task is None:
            case.refresh_from_db()
            return case
        handler = workflow.holders(task.role, task.org_path)[0]
        workflow.complete(task.pk, by=handler, decision="approve")


@pytest.fixture
def filed(people):
    """filed(code, applicant=…, at_window=False, place=None) → a submitted case."""

    def make(code=MAIN, *, applicant="citizen", at_window=False, place=None):
        citizen = people[applicant]
        if at_window:
            clerk = people["street-clerk" if place is not None else "clerk"]
            case = cases.start_case(published(code).pk, by=clerk, applicant=citizen, place=place)
            _provide_everything(case, clerk)
            cases.submit(case.pk, by=clerk)
        else:
            case = cases.start_case(published(code).pk, by=citizen, place=place)
            _provide_everything(case, citizen)
            cases.submit(case.pk, by=citizen)
        return case

    return make


@pytest.fixture
def concluded_case(people, filed):
    """concluded_case(code, …) → a case approved by its departments (status approved)."""

    def make(code=MAIN, *, applicant="citizen", at_window=False, place=None):
        case = filed(code, applicant=applicant, at_window=at_window, place=place)
        clerk = people["street-clerk" if place is not None else "clerk"]
        cases.accept(case.pk, by=clerk)
        return finish(Case.objects.get(pk=case.pk))

    return make


@pytest.fixture
def concluded_bundle(people):
    def make():
        citizen = people["citizen"]
        parent = cases.start_bundle_case(BUNDLE, by=citizen)
        _provide_everything(parent, citizen)
        cases.submit(parent.pk, by=citizen)
        cases.accept(parent.pk, by=people["clerk"])
        return finish(Case.objects.get(pk=parent.pk))

    return make


@pytest.fixture
def street_centre(catalog):
    return OrgUnit.objects.get(code="990101001-BMZX")


def at(year, month, day, hour=10, minute=0):
    """time_machine travel to a moment in Beijing time."""
    moment = datetime.datetime(year, month, day, hour, minute, tzinfo=SHANGHAI)
    return time_machine.travel(moment, tick=False)


def rate_bad(case, by: User, comment="窗口工作人员态度冷淡，让我跑了两趟。", level=2):
    from yiwang.feedback import services

    scores = {key: 2 for key, _label in services.indicators_for(case.channel)}
    return services.rate(case.pk, by=by, level=level, scores=scores, comment=comment)
