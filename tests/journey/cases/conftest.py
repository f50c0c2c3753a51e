"""A small catalogue for the tests of application forms (docs/forms.md): the demo district
with only 开办餐饮店一件事 (YJS-0001) and its four items, and a form of its own for 食品经营许可
（新办） (SCJ-XK-0008) that uses every feature a case relies on — prefill from identity and from
an e-licence, a value the applicant may not change, a choice, a repeating group, a hidden
field. 个体工商户营业执照 stands in for 营业执照, and the food licence's 申请书 is the online
form itself."""

import datetime
import functools

import pytest

from tests.dbcache import rows_of
from yiwang.catalog import exchange
from yiwang.catalog.models import ItemVersion, LicenseType, MaterialRequirement, MaterialSource
from yiwang.demo.loader import catalog_file
from yiwang.forms import definition as forms_definition
from yiwang.forms.models import CodeEntry, CodeList, DataElement, FormField
from yiwang.licenses import services as licenses

BUNDLE = "YJS-0001"
MAIN = "SCJ-XK-0005"  # 个体工商户设立登记 → 个体工商户营业执照
FOOD = "SCJ-XK-0008"  # 食品经营许可（新办）
ITEMS = {MAIN, FOOD, "CGW-XK-0001", "XFJ-XK-0001"}


@functools.cache
def _demo_sheets():
    return exchange.read_workbook(catalog_file())


def published(code) -> ItemVersion:
    return ItemVersion.objects.select_related("item").get(item__code=code, status="published")


def element(code, name, kind, **extra) -> DataElement:
    found, _ = DataElement.objects.update_or_create(
        code=code, defaults={"name": name, "kind": kind, **extra}
    )
    return found


def _food_form(version) -> None:
    """The food licence's own form (rows of FormField), replacing any the catalogue has."""
    FormField.objects.filter(version=version).delete()
    kinds, _ = CodeList.objects.update_or_create(
        code="test_food_kind", defaults={"name": "主体业态"}
    )
    CodeEntry.objects.filter(code_list=kinds).delete()
    CodeEntry.objects.bulk_create(
        [
            CodeEntry(code_list=kinds, value="sale", label="食品销售经营者", position=1),
            CodeEntry(code_list=kinds, value="catering", label="餐饮服务经营者", position=2),
        ]
    )
    name = element("applicant_name", "姓名", "text", max_length=50, mask="name")
    id_number = element("applicant_id_number", "身份证号码", "id_number", mask="id_number")
    phone = element("contact_phone", "联系电话", "phone", mask="phone")
    shop = element("shop_name", "经营者名称", "text", max_length=100)
    uscc = element("uscc", "统一社会信用代码", "uscc")
    place = element("business_address", "经营场所", "address", max_length=200)
    kind = element("business_kind", "主体业态", "choice", code_list=kinds)
    seats = element("seats", "座位数", "integer", min_value=0, max_value=2000)
    staff_name = element("staff_name", "姓名", "text", max_length=20)
    staff_phone = element("staff_phone", "联系电话", "phone")
    staff = element(
        "food_staff",
        "食品安全管理人员",
        "group",
        max_length=5,
        children=["staff_name", "staff_phone"],
    )
    rows = [
        ("申请人", name, {"prefill": ["identity:real_name"], "editable": False}),
        ("申请人", id_number, {"prefill": ["identity:id_number"], "editable": False}),
        ("申请人", phone, {"prefill": ["identity:phone"]}),
        ("经营者", shop, {"prefill": ["license:L-GTYYZZ:名称"]}),
        ("经营者", uscc, {"prefill": ["license:L-GTYYZZ:统一社会信用代码"], "editable": False}),
        (
            "经营者",
            place,
            {"prefill": ["license:L-GTYYZZ:经营场所", "license:L-SFZ:住址"]},
        ),
        ("经营项目", kind, {}),
        ("经营项目", seats, {"show_if": "business_kind=catering"}),
        ("经营项目", staff, {"required": False}),
    ]
    FormField.objects.bulk_create(
        [
            FormField(version=version, seq=n, section=section, element=el, key=el.code, **options)
            for n, (section, el, options) in enumerate(rows, start=1)
        ]
        + [
            FormField(
                version=version,
                seq=len(rows) + 1,
                section="经营项目",
                key="remarks",
                label="其他说明",
                kind="long_text",
                required=False,
                max_length=500,
            )
        ]
    )
    del staff_name, staff_phone  # children of the group, found by code


@pytest.fixture
def shop(demo):
    """开办餐饮店一件事 and its items, published; the food licence's form as above."""
    rows_of("cases.shop", _build_shop)
    forms_definition.clear_cache()
    yield
    forms_definition.clear_cache()


def _build_shop():
    sheets = {name: [dict(r) for r in rows] for name, rows in _demo_sheets().items()}
    for name in [exchange.ITEMS, exchange.MATERIALS, exchange.STEPS]:
        sheets[name] = [r for r in sheets[name] if r["事项编码"] in ITEMS]
    sheets[exchange.BUNDLES] = [r for r in sheets[exchange.BUNDLES] if r["一件事编码"] == BUNDLE]
    exchange.import_sheets({k: v for k, v in sheets.items() if k in _KNOWN})
    LicenseType.objects.filter(code="L-GTYYZZ").update(satisfies=["L-YYZZ"])
    MaterialRequirement.objects.filter(version__item__code=FOOD, name="食品经营许可申请书").update(
        source=MaterialSource.ONLINE_FORM
    )
    _food_form(published(FOOD))


_KNOWN = {exchange.ORGS, exchange.ITEMS, exchange.MATERIALS, exchange.STEPS, exchange.LICENSES}
_KNOWN.add(exchange.BUNDLES)
# The demo's dictionary comes along (licence types map to it), not its forms: the items other
# than the food licence keep the forms generated from the dictionary.
_KNOWN |= {exchange.CODE_LISTS, exchange.ELEMENTS}


@pytest.fixture
def people(shop, user_named):
    names = ["citizen", "citizen2", "company", "clerk", "approver", "chief"]
    return {name: user_named(name) for name in names}


def shop_licence(person, **data):
    """张三's 个体工商户营业执照, final and valid."""
    values = {
        "名称": "张记面馆",
        "统一社会信用代码": "92990101MA0000010R",
        "经营者": person.real_name,
        "组成形式": "个人经营",
        "经营范围": "餐饮服务",
        "经营场所": "示例市示范区人民路8号",
        "注册日期": "2024年5月6日",
        **data,
    }
    return licenses.issue(
        LicenseType.objects.get(code="L-GTYYZZ"),
        holder_person=person,
        data=values,
        by="test",
        issued_on=datetime.date(2024, 5, 6),
        valid_until=None,
        notify_holder=False,
    )
