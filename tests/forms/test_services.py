"""Form rows and the data-element dictionary: every rule refused with a message naming the
row, nothing half-written, rows copied and read back in the shape they were given."""

from decimal import Decimal

import pytest

from yiwang.forms import services
from yiwang.forms.models import CodeEntry, CodeList, DataElement, FormField

pytestmark = pytest.mark.django_db


@pytest.fixture
def dictionary():
    forms_of_business = CodeList.objects.create(code="business_form", name="经营形式")
    for position, (value, label) in enumerate([("shop", "门店"), ("online", "网店")]):
        CodeEntry.objects.create(
            code_list=forms_of_business, value=value, label=label, position=position
        )
    DataElement.objects.create(code="shop_name", name="店铺名称", kind="text", max_length=50)
    DataElement.objects.create(
        code="business_form", name="经营形式", kind="choice", code_list=forms_of_business
    )
    DataElement.objects.create(
        code="area", name="经营面积", kind="decimal", min_value=0, max_value=10000, unit="平方米"
    )
    DataElement.objects.create(code="staff_name", name="从业人员姓名", kind="text")
    DataElement.objects.create(
        code="staff", name="从业人员", kind="group", children=["staff_name"], max_length=20
    )
    return forms_of_business


def make_version(status="draft", number=1):
    from yiwang.catalog.models import ItemVersion, ServiceItem
    from yiwang.identity.models import OrgUnit

    department, _ = OrgUnit.objects.get_or_create(
        code="990101-SCJ",
        defaults={"name": "市场监管局", "kind": "department", "level": "district"},
    )
    item, _ = ServiceItem.objects.get_or_create(code="SCJ-XK-0009")
    return ItemVersion.objects.create(
        item=item,
        number=number,
        status=status,
        name="食品经营许可",
        item_type="行政许可",
        department=department,
        level="district",
        audience="enterprise",
        statutory_days=20,
        promised_days=10,
        online_depth=4,
        max_visits=0,
    )


def row(seq, **values):
    return {"seq": seq, "section": "经营信息", **values}


GOOD = [
    row(1, element="shop_name", label="门店名称"),
    row(2, element="business_form"),
    row(3, key="web_address", label="网店网址", kind="text", show_if="business_form=online"),
    row(4, element="area", min_value=Decimal("5"), required=False, help_text="按租赁合同填写"),
    row(5, element="staff", max_length=10),
]


def test_rows_read_back_in_the_shape_they_were_given(dictionary):
    version = make_version()
    services.replace_fields(version.pk, rows=GOOD)
    rows = services.field_rows(version)
    assert [r["key"] for r in rows] == [
        "shop_name",
        "business_form",
        "web_address",
        "area",
        "staff",
    ]
    assert set(rows[0]) == set(services.ROW_KEYS)
    local = rows[2]
    assert (local["element"], local["kind"], local["label"]) == ("", "text", "网店网址")
    assert (local["show_if"], local["required"], local["prefill"]) == (
        "business_form=online",
        True,
        [],
    )
    assert rows[3]["min_value"] == Decimal("5") and rows[3]["required"] is False
    # What field_rows gives, replace_fields takes back unchanged.
    services.replace_fields(version.pk, rows=rows)
    assert services.field_rows(version) == rows


@pytest.mark.parametrize(
    ("bad_row", "message"),
    [
        (row(9, element="shop_size"), "序号9（shop_size）：数据元“shop_size”不存在。"),
        (
            row(9, key="kind_of_food", label="食品类别", kind="choice", code_list="foods"),
            "序号9（食品类别）：代码表“foods”不存在。",
        ),
        (row(9, key="remark", label="备注"), "序号9（备注）：本地字段需要选择字段类型。"),
        (
            row(9, key="shop", element="shop_name"),
            "序号9（shop）：引用数据元的字段，字段编码应为数据元编码“shop_name”。",
        ),
        (
            row(9, key="web_address", label="网址", kind="text"),
            "序号9（网址）：字段编码“web_address”在本表中重复。",
        ),
        (
            row(9, key="licence_no", label="许可证号", kind="text", show_if="has_licence=true"),
            "序号9（许可证号）：显示条件中的“has_licence”不是本表的字段。",
        ),
        (
            row(9, key="stall", label="摊位号", kind="text", show_if="business_form=market"),
            "序号9（摊位号）：“market”不是字段“business_form”的可选值（可选：shop、online）。",
        ),
        (
            row(9, key="note", label="说明", kind="text", show_if="shop_name=x"),
            "序号9（说明）：显示条件只能依据单选、多选或是否字段。",
        ),
        (
            row(9, key="staff_list", label="人员", kind="group"),
            "序号9（人员）：重复组只能引用数据元，不能作为本地字段。",
        ),
        (
            row(9, key="staff_name", label="姓名", kind="text"),
            "序号9（姓名）：“staff_name”是数据元编码：请引用该数据元，或为本地字段另取编码。",
        ),
    ],
)
def test_a_broken_row_is_named_and_nothing_changes(dictionary, bad_row, message):
    version = make_version()
    services.replace_fields(version.pk, rows=GOOD)
    with pytest.raises(services.FormRowsInvalid) as caught:
        services.replace_fields(version.pk, rows=[*GOOD, bad_row])
    assert message in caught.value.messages
    assert [f.key for f in FormField.objects.filter(version=version)] == [
        r.get("key") or r["element"] for r in GOOD
    ]


def test_narrowing_rules_may_not_widen_the_elements(dictionary):
    version = make_version()
    rows = [
        row(1, element="shop_name", max_length=80),
        row(2, element="area", min_value=Decimal("-1"), max_value=Decimal("20000")),
        row(3, element="business_form", max_length=1, min_value=Decimal("1")),
    ]
    with pytest.raises(services.FormRowsInvalid) as caught:
        services.replace_fields(version.pk, rows=rows)
    assert caught.value.messages == [
        "序号1（shop_name）：不能超过数据元的最大长度 50。",
        "序号2（area）：不能小于数据元的最小值 0。",
        "序号2（area）：不能大于数据元的最大值 10000。",
        "序号3（business_form）：这种类型的字段没有最大长度。",
        "序号3（business_form）：只有数字类字段有最小值和最大值。",
    ]
    assert [p.field for p in caught.value.problems] == [
        "max_length",
        "min_value",
        "max_value",
        "max_length",
        "min_value",
    ]


def test_show_if_may_not_go_round_in_a_circle(dictionary):
    yes_no = [
        row(1, key="a", label="甲", kind="boolean", show_if="b=true"),
        row(2, key="b", label="乙", kind="boolean", show_if="a=true"),
    ]
    with pytest.raises(services.FormRowsInvalid) as caught:
        services.replace_fields(make_version().pk, rows=yes_no)
    assert caught.value.messages == [
        "序号1（甲）：显示条件互相依赖，字段永远不会显示。",
        "序号2（乙）：显示条件互相依赖，字段永远不会显示。",
    ]


def test_a_published_versions_rows_are_never_edited(dictionary):
    version = make_version(status="published")
    with pytest.raises(services.FormRowsInvalid, match="请先新建草稿"):
        services.replace_fields(version.pk, rows=GOOD)
    assert not FormField.objects.exists()


def test_copy_fields_copies_every_row_in_one_statement(dictionary, django_assert_num_queries):
    old, new = make_version(status="published"), make_version(number=2)
    FormField.objects.bulk_create(
        [
            FormField(
                version=old,
                seq=1,
                section="经营信息",
                key="shop_name",
                label="门店名称",
                element=DataElement.objects.get(code="shop_name"),
                prefill=["enterprise:name"],
            ),
            FormField(
                version=old,
                seq=2,
                section="经营信息",
                key="remark",
                label="备注",
                kind="long_text",
                required=False,
                show_if="",
            ),
        ]
    )
    with django_assert_num_queries(2):  # read the rows, insert the copies
        assert services.copy_fields(old, new) == 2
    assert services.field_rows(new) == services.field_rows(old)


def test_replacing_a_form_costs_a_fixed_number_of_statements(
    dictionary, django_assert_max_num_queries
):
    version = make_version()
    # savepoint, lock, dictionary (3), delete, insert, release
    with django_assert_max_num_queries(8):
        services.replace_fields(version.pk, rows=GOOD)


def test_the_dictionary_imports_exports_and_reimports_unchanged(db):
    lists = [
        {
            "list_code": "edu",
            "list_name": "学历",
            "list_name_en": "Education",
            "value": v,
            "label": label,
            "label_en": "",
            "position": n,
        }
        for n, (v, label) in enumerate([("1", "本科"), ("2", "硕士"), ("3", "博士")])
    ]
    elements = [
        {
            "code": "degree",
            "name": "学历",
            "name_en": "",
            "kind": "choice",
            "max_length": None,
            "pattern": "",
            "min_value": None,
            "max_value": None,
            "decimal_places": None,
            "unit": "",
            "code_list": "edu",
            "mask": "",
            "sources": [],
            "children": [],
            "help_text": "",
        },
        {
            "code": "capital",
            "name": "注册资本",
            "name_en": "Capital",
            "kind": "money",
            "max_length": None,
            "pattern": "",
            "min_value": Decimal("0"),
            "max_value": Decimal("100000.5"),
            "decimal_places": None,
            "unit": "万元",
            "code_list": "",
            "mask": "",
            "sources": ["license:L-YYZZ:注册资本"],
            "children": [],
            "help_text": "以营业执照为准",
        },
    ]
    assert services.import_dictionary(elements, lists) == {"code_lists": 1, "elements": 2}
    assert services.import_dictionary(elements, lists) == {"code_lists": 0, "elements": 0}
    assert services.code_list_rows() == lists
    assert services.element_rows() == sorted(elements, key=lambda e: e["code"])

    # A value dropped from the list is switched off, not deleted: old cases keep its name.
    assert services.import_dictionary(elements, lists[:2]) == {"code_lists": 1, "elements": 0}
    assert services.code_list_rows() == lists[:2]
    assert CodeEntry.objects.get(value="3").label == "博士"


def test_a_broken_dictionary_is_refused_whole(db):
    elements = [
        {
            "code": "Team",
            "name": "团队",
            "name_en": "",
            "kind": "group",
            "max_length": None,
            "pattern": "",
            "min_value": None,
            "max_value": None,
            "decimal_places": None,
            "unit": "",
            "code_list": "",
            "mask": "",
            "sources": ["wechat:openid"],
            "children": ["nobody"],
            "help_text": "",
        },
        {
            "code": "fee",
            "name": "费用",
            "name_en": "",
            "kind": "money",
            "max_length": None,
            "pattern": "[",
            "min_value": Decimal("9"),
            "max_value": Decimal("1"),
            "decimal_places": None,
            "unit": "美元",
            "code_list": "",
            "mask": "",
            "sources": [],
            "children": [],
            "help_text": "",
        },
    ]
    with pytest.raises(services.FormRowsInvalid) as caught:
        services.import_dictionary(elements, [])
    assert caught.value.messages == [
        "数据元“Team”：数据元编码只能用小写字母、数字和下划线，以字母开头，最多40个字符。",
        "数据元“Team”：数据元“nobody”不存在。",
        "数据元“Team”：预填来源“wechat:openid”无法识别：应为 identity:属性、enterprise:属性 或 "
        "license:证照类型编码:照面字段。",
        "数据元“fee”：只有文本、长文本和地址数据元可以设格式。",
        "数据元“fee”：最大值不能小于最小值。",
        "数据元“fee”：金额的单位应为元或万元。",
    ]
    assert not DataElement.objects.exists()
