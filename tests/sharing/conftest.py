"""Shared setup of the base-library and licence-reuse tests: the demo district with a
catalogue cut down to 生育登记 (WJW-GG-0001, 卫健委: needs 居民身份证 L-SFZ and 居民户口簿
L-HKB from the e-licence library) and every licence type, and 张三's licences issued in the
test through licenses.services.issue."""

import datetime
import functools

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.dbcache import rows_of
from yiwang.catalog import exchange
from yiwang.catalog.models import ItemVersion, LicenseType
from yiwang.demo.forms import fill_in
from yiwang.demo.loader import catalog_file
from yiwang.journey.cases import services as cases
from yiwang.licenses import services as licenses

ITEM = "WJW-GG-0001"  # 生育登记, street centres, decided by 卫健委
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@functools.cache
def _demo_sheets():
    return exchange.read_workbook(catalog_file())


@pytest.fixture
def catalog(demo):
    rows_of("sharing.catalog", _import_catalog)


def _import_catalog():
    sheets = {name: [dict(r) for r in rows] for name, rows in _demo_sheets().items()}
    for name in [exchange.ITEMS, exchange.MATERIALS, exchange.STEPS, exchange.FORMS]:
        sheets[name] = [r for r in sheets[name] if r["事项编码"] == ITEM]
    sheets[exchange.BUNDLES] = []
    exchange.import_sheets(sheets)


@pytest.fixture
def people(catalog, user_named):
    names = ["citizen", "citizen2", "clerk", "street-clerk", "approver", "approver2", "head-wjw"]
    return {name: user_named(name) for name in names}


def version() -> ItemVersion:
    return ItemVersion.objects.get(item__code=ITEM, status="published")


def id_card(person, *, valid_until=datetime.date(2035, 4, 1), issued_on=None):
    number = person.reveal_id_number()
    return licenses.issue(
        LicenseType.objects.get(code="L-SFZ"),
        holder_person=person,
        data={
            "姓名": person.real_name,
            "性别": "男",
            "民族": "汉",
            "出生日期": "1985年3月15日",
            "住址": "示例市示范区人民路12号3单元201室",
            "公民身份号码": number,
            "签发机关": "示例市公安局示范分局",
            "有效期限": "2015.04.02-2035.04.01",
        },
        by="test",
        issued_on=issued_on or datetime.date(2015, 4, 2),
        valid_until=valid_until,
        notify_holder=False,
    )


def household_register(person):
    return licenses.issue(
        LicenseType.objects.get(code="L-HKB"),
        holder_person=person,
        data={
            "户主姓名": person.real_name,
            "户号": "990101012345",
            "姓名": person.real_name,
            "与户主关系": "户主",
            "住址": "示例市示范区人民路12号3单元201室",
            "公民身份号码": person.reveal_id_number(),
            "登记日期": "2010年6月1日",
        },
        by="test",
        issued_on=datetime.date(2010, 6, 1),
        valid_until=None,
        notify_holder=False,
    )


@pytest.fixture
def licensed(people):
    """张三 holds a valid identity card and household register."""
    return {"id_card": id_card(people["citizen"]), "hkb": household_register(people["citizen"])}


def upload_the_rest(case, by):
    """Fill in the form, and upload a scan for every material still owed (not those from
    the library)."""
    fill_in(case, by)
    for material in case.materials.filter(state="missing", required=True):
        upload = SimpleUploadedFile("scan.pdf", PDF, content_type="application/pdf")
        cases.attach_file(material.pk, by=by, uploaded=upload)


@pytest.fixture
def submitted_case(people, licensed):
    citizen = people["citizen"]
    case = cases.start_case(version().pk, by=citizen)
    upload_the_rest(case, citizen)
    cases.submit(case.pk, by=citizen)
    case.refresh_from_db()
    return case


@pytest.fixture
def accepted_case(submitted_case, people):
    cases.accept(submitted_case.pk, by=people["street-clerk"])
    submitted_case.refresh_from_db()
    return submitted_case
