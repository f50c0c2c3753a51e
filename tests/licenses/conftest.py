"""Shared setup of the e-licence tests: the demo district (orgs and people) with the
catalogue's licence types created straight from its 证照类型 sheet (fast, no items)."""

import csv
import datetime
from importlib import resources

import pytest

from tests.dbcache import rows_of
from yiwang.catalog.models import LicenseType
from yiwang.identity.models import Enterprise, OrgUnit
from yiwang.licenses import services


def _types_file():
    return resources.files("yiwang.demo") / "data" / "catalog" / "license_types.csv"


@pytest.fixture
def types(demo):
    rows_of("licenses.types", _create_types)
    return {t.code: t for t in LicenseType.objects.all()}


def _create_types():
    orgs = {o.code: o for o in OrgUnit.objects.all()}
    with _types_file().open(encoding="utf-8") as stream:
        for row in csv.DictReader(stream):
            LicenseType.objects.create(
                code=row["证照类型编码"],
                name=row["证照名称"],
                issuer=orgs[row["发证机构"]],
                holder_kind=row["持证主体类型"],
                validity_years=int(row["有效期(年)"]),
                fields=row["照面字段"].split(";"),
            )


@pytest.fixture
def enterprise(demo):
    return Enterprise.objects.get(uscc="91990101MA0000001Y")


def id_card_data(user, **changes):
    number = user.reveal_id_number()
    return {
        "姓名": user.real_name,
        "性别": "男",
        "民族": "汉",
        "出生日期": "1985年3月15日",
        "住址": "示例市示范区人民路12号3单元201室",
        "公民身份号码": number,
        "签发机关": "示例市公安局示范分局",
        "有效期限": "2015.04.02-2035.04.01",
        **changes,
    }


@pytest.fixture
def id_card(types, user_named):
    """张三's identity card, issued by the import actor (final, signed)."""
    citizen = user_named("citizen")
    return services.issue(
        types["L-SFZ"],
        holder_person=citizen,
        data=id_card_data(citizen),
        by="test",
        issued_on=datetime.date(2015, 4, 2),
        valid_until=datetime.date(2035, 4, 1),
    )
