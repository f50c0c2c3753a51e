from decimal import Decimal

from yiwang.forms.definition import Field, FormDefinition, Section
from yiwang.forms.display import display_sections, source_label, text_value

FORM = FormDefinition(
    (
        Section(
            "申请人",
            (
                Field("name", "姓名", "text", mask="name"),
                Field("id_number", "身份证号码", "id_number"),
                Field("phone", "联系电话", "phone", mask="phone"),
                Field("home", "住址", "address", mask="address"),
            ),
        ),
        Section(
            "申请内容",
            (
                Field("kind", "类型", "choice", choices=(("a", "热食类"), ("b", "冷食类"))),
                Field("extra", "补充", "text", show_if=("kind", ("a",))),
                Field("fee", "注册资本", "money", unit="万元"),
                Field("staff_count", "从业人员数", "integer", unit="人"),
                Field("chain", "是否连锁", "boolean"),
                Field("opened", "开业日期", "date"),
                Field("period", "有效期", "date_range"),
                Field("items", "项目", "multi_choice",
                      choices=(("a", "热食类"), ("b", "冷食类"), ("c", "饮品"))),
                Field("staff", "从业人员", "group", children=(
                    Field("name", "姓名", "text", mask="name"),
                    Field("job", "岗位", "text"),
                )),
            ),
        ),
    )
)  # fmt: skip

DATA = {
    "name": "张三丰",
    "id_number": "11010519491231002X",
    "phone": "13800138000",
    "home": {"area": "110105000000", "detail": "朝阳区建国路88号3单元"},
    "kind": "b",
    "extra": "hidden answer",
    "fee": 12.5,
    "staff_count": 12,
    "chain": False,
    "opened": "2026-12-07",
    "period": {"start": "2026-01-01", "end": "2030-12-31"},
    "items": ["a", "c"],
    "staff": [{"name": "李四", "job": "厨师"}, {"name": "王五", "job": "服务员"}],
}


def test_values_read_as_people_write_them():
    f = FORM.field
    assert text_value(f("kind"), "b") == "冷食类"
    assert text_value(f("fee"), 12.5) == "12.50 万元"
    assert text_value(f("staff_count"), 12) == "12 人"
    assert text_value(f("chain"), False) == "否"
    assert text_value(f("opened"), "2026-12-07") == "2026年12月7日"
    assert text_value(f("period"), DATA["period"]) == "2026年1月1日至2030年12月31日"
    assert text_value(f("items"), ["a", "c"]) == "热食类、饮品"
    assert text_value(f("home"), DATA["home"]) == "朝阳区建国路88号3单元"
    assert (
        text_value(f("staff"), DATA["staff"]) == "姓名：李四，岗位：厨师；姓名：王五，岗位：服务员"
    )
    assert text_value(Field("m", "金额", "money"), Decimal("3")) == "3.00 元"
    assert text_value(f("fee"), None) == ""


def test_sections_list_the_asked_fields_with_their_sources():
    sections = display_sections(FORM, DATA, sources={"name": {"kind": "identity"}})
    assert [title for title, _rows in sections] == ["申请人", "申请内容"]
    first = sections[0][1]
    assert first[0] == ("姓名", "张三丰", "来自实名认证")
    labels = [label for label, _t, _s in sections[1][1]]
    assert "补充" not in labels  # hidden: 类型 is not 热食类
    staff = dict((label, text) for label, text, _s in sections[1][1])["从业人员"]
    assert staff == ["姓名：李四，岗位：厨师", "姓名：王五，岗位：服务员"]


def test_masked_for_people_who_may_not_read_the_values():
    rows = dict(
        (label, text) for label, text, _s in display_sections(FORM, DATA, reveal=False)[0][1]
    )
    assert rows == {
        "姓名": "张**",
        "身份证号码": "110105********002X",  # masked even without a mask on the element
        "联系电话": "138****8000",
        "住址": "朝阳区建国路****",
    }
    content = dict(
        (label, text) for label, text, _s in display_sections(FORM, DATA, reveal=False)[1][1]
    )
    assert content["从业人员"] == ["姓名：李*，岗位：厨师", "姓名：王*，岗位：服务员"]


def test_empty_fields_can_be_left_out():
    sections = display_sections(FORM, {"name": "张三"}, skip_empty=True)
    assert sections == [("申请人", [("姓名", "张三", "")])]


def test_a_licence_source_names_the_licence():
    assert source_label({"kind": "license", "label": "营业执照"}) == "来自电子证照：营业执照"
    assert source_label({"kind": "enterprise", "label": "示范公司"}) == "来自企业登记信息"
    assert source_label(None) == ""
