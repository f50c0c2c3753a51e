"""Shared setup of the back-office tests: the demo district with a catalogue cut down to
the 开办餐饮店一件事 bundle (YJS-0001) and its four items (fast), helpers that take a case
from draft to acceptance, and a clock the tests can move."""

import datetime
import functools

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.dbcache import rows_of
from yiwang.catalog import exchange
from yiwang.catalog.models import ItemVersion
from yiwang.demo.forms import fill_in
from yiwang.demo.loader import catalog_file
from yiwang.journey.cases import services as cases
from yiwang.journey.workflow import clocks

BUNDLE = "YJS-0001"
MAIN = "SCJ-XK-0005"  # 个体工商户设立登记: 受理 / 决定 / 制证
PARALLEL = ["SCJ-XK-0008", "CGW-XK-0001", "XFJ-XK-0001"]
CODES = [MAIN, *PARALLEL]
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@functools.cache
def _demo_sheets():
    return exchange.read_workbook(catalog_file())


def bundle_sheets() -> dict:
    sheets = {name: [dict(r) for r in rows] for name, rows in _demo_sheets().items()}
    for name in [exchange.ITEMS, exchange.MATERIALS, exchange.STEPS, exchange.FORMS]:
        sheets[name] = [r for r in sheets[name] if r["事项编码"] in CODES]
    sheets[exchange.BUNDLES] = [r for r in sheets[exchange.BUNDLES] if r["一件事编码"] == BUNDLE]
    return sheets


@pytest.fixture
def catalog(demo):
    rows_of("workflow.catalog", lambda: exchange.import_sheets(bundle_sheets()))


@pytest.fixture
def people(catalog, user_named):
    names = [
        "citizen",
        "citizen2",
        "clerk",
        "approver",
        "chief",
        "approver2",
        "issuer",
        "supervisor",
        "reviewer-cgw",
        "head-cgw",
        "reviewer-xfj",
        "head-xfj",
        "reviewer-scj",
    ]
    return {name: user_named(name) for name in names}


@pytest.fixture
def on_day(monkeypatch):
    """Move the workflow's clock: on_day(date) makes clocks.today() return it."""

    def set_day(day: datetime.date):
        monkeypatch.setattr(clocks, "today", lambda: day)

    return set_day


def published(code) -> ItemVersion:
    return ItemVersion.objects.get(item__code=code, status="published")


def _provide_everything(case, by):
    """The form filled in (forms.samples over what prefill left), a scan of every material."""
    fill_in(case, by)
    for material in case.materials.exclude(state__in=cases.NOT_ASKED):
        upload = SimpleUploadedFile("scan.pdf", PDF, content_type="application/pdf")
        cases.attach_file(material.pk, by=by, uploaded=upload)


@pytest.fixture
def accepted_case(people):
    """accepted_case(code) → a single-item case accepted at the window (now in review)."""

    def make(code=MAIN, *, applicant="citizen"):
        citizen = people[applicant]
        case = cases.start_case(published(code).pk, by=citizen)
        _provide_everything(case, citizen)
        cases.submit(case.pk, by=citizen)
        cases.accept(case.pk, by=people["clerk"])
        case.refresh_from_db()
        return case

    return make


@pytest.fixture
def accepted_bundle(people):
    def make():
        citizen = people["citizen"]
        parent = cases.start_bundle_case(BUNDLE, by=citizen)
        _provide_everything(parent, citizen)
        cases.submit(parent.pk, by=citizen)
        cases.accept(parent.pk, by=people["clerk"])
        parent.refresh_from_db()
        return parent

    return make
