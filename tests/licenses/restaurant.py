"""The 开办餐饮店一件事 (YJS-0001) as a natural person applies for it, with its four licence
types mapped to data elements of one small dictionary: what the licence, produced-material
and decision tests share. Builds on tests/journey/workflow/conftest.py's cut-down catalogue."""

from decimal import Decimal

from django.test import TestCase

from tests.journey.workflow.conftest import MAIN, PARALLEL
from yiwang.catalog.models import LicenseType
from yiwang.forms import definition
from yiwang.forms.models import CodeEntry, CodeList, DataElement, FormField
from yiwang.journey.cases.models import Case, CaseMaterial
from yiwang.journey.workflow import services as workflow
from yiwang.journey.workflow.models import ApprovalTask

# The licence types of the bundle's four items, each 照面字段 mapped: a data element of the
# form, a decision field, or "" (the older rules by name, then an earlier licence).
FIELD_ELEMENTS = {
    "L-GTYYZZ": {
        "名称": "shop_name",
        "统一社会信用代码": "@新信用代码",
        "经营者": "applicant_name",
        "组成形式": "business_form",
        "经营范围": "business_scope",
        "经营场所": "premises",
        "注册日期": "@发证日期",
    },
    "L-SPJYXKZ": {
        "经营者名称": "ent_name",  # a person applied: not in the form, the 营业执照 has it
        "统一社会信用代码": "uscc",
        "法定代表人": "applicant_name",
        "住所": "premises",
        "经营场所": "premises",
        "主体业态": "food_business_type",
        "经营项目": "food_items",
        "许可证编号": "@编号",
        "有效期至": "@有效期至",
    },
    "L-HWGGSZXK": {
        "申请单位": "ent_name",
        "设置地点": "sign_location",
        "招牌规格": "sign_size",
        "设置期限": "@有效期限",
        "决定书编号": "@编号",
    },
    "L-XFAQJC": {
        "单位名称": "ent_name",
        "场所地址": "premises",
        "使用性质": "venue_use",
        "建筑面积": "floor_area",
        "文书编号": "@编号",
    },
}

SHOP = "示范区张三小吃店"
PREMISES = "示例市示范区人民路100号"
FORM = {
    "applicant_name": "张三",
    "contact_phone": "13800000001",
    "shop_name": SHOP,
    "business_form": "individual",
    "business_scope": "小型餐饮服务",
    "premises": {"area": "", "detail": PREMISES},
    "food_business_type": "small_catering",
    "food_items": ["hot_food", "cold_food"],
    "sign_location": "人民路100号临街立面",
    "sign_size": "6米×1.2米",
    "venue_use": "catering",
    "floor_area": 85.5,
}
# What each item's own form asks (a child holds only its part; the parent the whole form).
ASKED = {
    MAIN: ["applicant_name", "shop_name", "business_form", "business_scope", "premises"],
    "SCJ-XK-0008": ["applicant_name", "premises", "food_business_type", "food_items"],
    "CGW-XK-0001": ["sign_location", "sign_size"],
    "XFJ-XK-0001": ["premises", "venue_use", "floor_area"],
}
# Materials of the later items that the main item's licence is (个体工商户营业执照 stands
# in for 营业执照).
PRODUCED = ["营业执照", "个体工商户营业执照"]
HANDLERS = {  # item → (reviewer, head)
    MAIN: ("approver", "chief"),
    "SCJ-XK-0008": ("approver", "chief"),
    "CGW-XK-0001": ("reviewer-cgw", "head-cgw"),
    "XFJ-XK-0001": ("reviewer-xfj", "head-xfj"),
}


def _code_list(code, name, entries):
    codes = CodeList.objects.create(code=code, name=name)
    CodeEntry.objects.bulk_create(
        CodeEntry(code_list=codes, value=value, label=label, position=n)
        for n, (value, label) in enumerate(entries)
    )
    return codes


def dictionary() -> None:
    """The data elements the four forms ask, and each licence type's field_elements. They
    replace the demo's dictionary and forms, so these tests fix every value they check."""
    FormField.objects.all().delete()
    DataElement.objects.all().delete()
    CodeList.objects.all().delete()
    forms = _code_list(
        "business_form", "组成形式", [("individual", "个人经营"), ("family", "家庭经营")]
    )
    kinds = _code_list("food_business_type", "主体业态", [("small_catering", "小型餐饮")])
    items = _code_list(
        "food_items",
        "经营项目",
        [("hot_food", "热食类食品制售"), ("cold_food", "冷食类食品制售")],
    )
    uses = _code_list("venue_use", "使用性质", [("catering", "餐饮场所")])
    DataElement.objects.bulk_create(
        [
            DataElement(code="shop_name", name="个体工商户名称", kind="text", max_length=100),
            DataElement(code="business_form", name="组成形式", kind="choice", code_list=forms),
            DataElement(code="business_scope", name="经营范围", kind="long_text"),
            DataElement(code="premises", name="经营场所", kind="address"),
            DataElement(code="food_business_type", name="主体业态", kind="choice", code_list=kinds),
            DataElement(code="food_items", name="经营项目", kind="multi_choice", code_list=items),
            DataElement(code="sign_location", name="设置地点", kind="text"),
            DataElement(code="sign_size", name="招牌规格", kind="text"),
            DataElement(code="venue_use", name="使用性质", kind="choice", code_list=uses),
            DataElement(
                code="floor_area",
                name="建筑面积",
                kind="decimal",
                decimal_places=1,
                unit="平方米",
                min_value=Decimal("0"),
            ),
        ]
    )
    for code, mapping in FIELD_ELEMENTS.items():
        kind = LicenseType.objects.get(code=code)
        assert list(mapping) == kind.fields, code
        kind.field_elements = list(mapping.values())
        kind.save(update_fields=["field_elements"])
    definition.clear_cache()


def child(parent, code) -> Case:
    return parent.children.get(item_version__item__code=code)


def fill_forms(parent) -> None:
    """The applicant's one form (一表申请): the parent holds it, each child its part."""
    Case.objects.filter(pk=parent.pk).update(form_data=FORM)
    for code, keys in ASKED.items():
        Case.objects.filter(pk=child(parent, code).pk).update(
            form_data={key: FORM[key] for key in keys}
        )


def mark_produced(parent) -> list[CaseMaterial]:
    """What cases.services does at bundle start: the later items' business licence is the
    main item's result (FROM_EARLIER_ITEM, produced_by the main child)."""
    materials = list(parent.materials.filter(name__in=PRODUCED))
    for material in materials:
        material.files.all().delete()
        material.state = CaseMaterial.State.FROM_EARLIER_ITEM
        material.produced_by = child(parent, MAIN)
        material.save(update_fields=["state", "produced_by"])
    return materials


def finish(case, people) -> None:
    """Approve every open stage of one item, each by the role it asks."""
    reviewer, head = HANDLERS[case.item_version.item.code]
    while True:
        task = ApprovalTask.objects.filter(case=case, status__in=["pending", "active"]).first()
        if task is None:
            return
        who = head if task.role == "chief" else reviewer
        # As a request does: the work that follows a commit (drafting the result) runs.
        with TestCase.captureOnCommitCallbacks(execute=True):
            workflow.complete(task.pk, by=people[who], decision="approve")


def restaurant(accepted_bundle) -> Case:
    """The bundle accepted at the window, its forms filled and its produced materials set."""
    dictionary()
    parent = accepted_bundle()
    fill_forms(parent)
    mark_produced(parent)
    return parent


def approve_everything(parent, people) -> None:
    finish(child(parent, MAIN), people)
    for code in PARALLEL:
        finish(child(parent, code), people)
    parent.refresh_from_db()
