"""Factories for form tests: a bare item version, data elements, code lists, form rows."""

from decimal import Decimal

from yiwang.catalog.models import ItemVersion, LicenseType, ServiceItem
from yiwang.forms.models import CodeEntry, CodeList, DataElement, FormField
from yiwang.identity.models import OrgUnit


def org() -> OrgUnit:
    unit, _ = OrgUnit.objects.get_or_create(
        code="T-ORG", defaults={"name": "测试局", "kind": "department", "level": "district"}
    )
    return unit


def make_version(
    *, code="T-0001", audience="person", status="published", license_type=None, name="测试事项"
) -> ItemVersion:
    item = ServiceItem.objects.create(code=code)
    version = ItemVersion.objects.create(
        item=item,
        number=1,
        status=status,
        name=name,
        item_type="行政许可",
        department=org(),
        level="district",
        audience=audience,
        statutory_days=20,
        promised_days=5,
        online_depth=4,
        max_visits=0,
        result_license_type=license_type,
    )
    if status == "published":
        item.published = version
        item.save(update_fields=["published"])
    return version


def license_type(*, fields, field_elements, code="L-TEST", name="测试许可证") -> LicenseType:
    return LicenseType.objects.create(
        code=code,
        name=name,
        issuer=org(),
        holder_kind="法人",
        fields=fields,
        field_elements=field_elements,
    )


def code_list(code="business_items", name="经营项目", entries=()) -> CodeList:
    entries = entries or [
        ("hot", "热食类食品制售"),
        ("cold", "冷食类食品制售"),
        ("drink", "饮品制售"),
    ]
    cl = CodeList.objects.create(code=code, name=name)
    CodeEntry.objects.bulk_create(
        CodeEntry(code_list=cl, value=v, label=label, position=n)
        for n, (v, label) in enumerate(entries)
    )
    return cl


def element(code, name, kind="text", **kwargs) -> DataElement:
    for bound in ("min_value", "max_value"):
        if kwargs.get(bound) is not None:
            kwargs[bound] = Decimal(kwargs[bound])
    return DataElement.objects.create(code=code, name=name, kind=kind, **kwargs)


def row(version, seq, *, element=None, key=None, section="基本信息", **kwargs) -> FormField:
    return FormField.objects.create(
        version=version,
        seq=seq,
        section=section,
        element=element,
        key=key or element.code,
        **kwargs,
    )


def food_form(version):
    """A small 食品经营许可 form: one of each common kind, a condition and a group."""
    items = code_list()
    shop = element("shop_name", "经营场所名称", max_length=50)
    staff_count = element("staff_count", "从业人员数", "integer", min_value=1, unit="人")
    code = element("uscc", "统一社会信用代码", "uscc", sources=["enterprise:uscc"])
    business = element("business_items", "经营项目", "multi_choice", code_list=items)
    hot_area = element("hot_area", "热食加工区面积", "decimal", decimal_places=1, unit="平方米")
    person = element("staff_name", "姓名", max_length=20, mask="name")
    job = element("staff_job", "岗位", max_length=20)
    staff = element(
        "staff", "从业人员", "group", children=["staff_name", "staff_job"], max_length=5
    )
    row(version, 1, element=shop, label="经营场所")
    row(version, 2, element=code, editable=False)
    row(version, 3, element=staff_count)
    row(version, 4, element=business, section="经营信息")
    row(version, 5, element=hot_area, section="经营信息", show_if="business_items=hot")
    row(version, 6, element=staff, section="经营信息", required=False)
    row(version, 7, key="remark", kind="long_text", label="备注", required=False, section="其他")
    return {"shop": shop, "staff": staff, "person": person, "job": job, "items": items}
