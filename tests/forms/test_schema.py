from decimal import Decimal

from hypothesis import given, settings
from jsonschema import Draft202012Validator

from yiwang.forms.definition import Field, FormDefinition, Section
from yiwang.forms.schema import json_schema

from .strategies import definitions

FORM = FormDefinition(
    (
        Section(
            "基本信息",
            (
                Field("shop_name", "经营场所", "text", required=True, max_length=50,
                      help_text="与营业执照一致"),
                Field("staff_count", "从业人员数", "integer", required=True,
                      min_value=Decimal(1), unit="人"),
                Field("fee", "注册资本", "money", unit="万元"),
            ),
        ),
        Section(
            "经营信息",
            (
                Field("items", "经营项目", "multi_choice", required=True, max_length=2,
                      choices=(("hot", "热食类食品制售"), ("cold", "冷食类"))),
                Field("hot_area", "热食区面积", "decimal", required=True,
                      show_if=("items", ("hot",))),
                Field("staff", "从业人员", "group", max_length=3, children=(
                    Field("name", "姓名", "text", required=True),
                    Field("id", "身份证号码", "id_number", required=True),
                )),
                Field("period", "经营期限", "date_range"),
            ),
        ),
    ),
    title="食品经营许可",
)  # fmt: skip


def test_the_schema_is_valid_draft_2020_12():
    schema = json_schema(FORM, schema_id="https://example.cn/forms/SCJ-XK-0002.json")
    Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["$id"].endswith("SCJ-XK-0002.json")
    assert schema["title"] == "食品经营许可"
    assert schema["additionalProperties"] is False


def test_fields_carry_their_label_help_unit_and_limits():
    props = json_schema(FORM)["properties"]
    assert props["shop_name"] == {
        "title": "经营场所",
        "description": "与营业执照一致",
        "type": "string",
        "maxLength": 50,
    }
    assert props["staff_count"]["minimum"] == 1 and props["staff_count"]["x-unit"] == "人"
    assert props["fee"]["minimum"] == 0 and props["fee"]["x-unit"] == "万元"


def test_choices_are_one_of_consts_with_titles():
    items = json_schema(FORM)["properties"]["items"]
    assert items["items"]["oneOf"][0] == {"const": "hot", "title": "热食类食品制售"}
    assert items["uniqueItems"] is True and items["maxItems"] == 2


def test_a_group_is_an_array_of_closed_objects_with_a_row_limit():
    staff = json_schema(FORM)["properties"]["staff"]
    assert staff["type"] == "array" and staff["maxItems"] == 3
    assert staff["items"]["additionalProperties"] is False
    assert staff["items"]["required"] == ["name", "id"]
    assert staff["items"]["properties"]["id"]["format"] == "cn-ric"
    assert staff["items"]["properties"]["id"]["pattern"]


def test_a_conditional_field_is_required_only_under_its_condition():
    schema = json_schema(FORM)
    assert schema["required"] == ["shop_name", "staff_count", "items"]
    assert schema["allOf"] == [
        {
            "if": {
                "properties": {"items": {"contains": {"enum": ["hot"]}}},
                "required": ["items"],
            },
            "then": {"required": ["hot_area"]},
        }
    ]


def test_sections_are_annotated_for_renderers():
    assert json_schema(FORM)["x-sections"] == [
        {"title": "基本信息", "fields": ["shop_name", "staff_count", "fee"]},
        {"title": "经营信息", "fields": ["items", "hot_area", "staff", "period"]},
    ]


def test_codes_and_phones_have_a_pattern_and_our_format():
    form = FormDefinition((Section("", (
        Field("uscc", "统一社会信用代码", "uscc"),
        Field("phone", "电话", "phone"),
        Field("day", "日期", "date"),
    )),))  # fmt: skip
    props = json_schema(form)["properties"]
    assert props["uscc"]["format"] == "cn-uscc" and props["uscc"]["pattern"]
    assert props["phone"]["format"] == "cn-phone" and props["phone"]["pattern"]
    assert props["day"]["format"] == "date"


def test_a_bundle_keeps_both_patterns():
    form = FormDefinition((Section("", (
        Field("code", "编号", "text", pattern="^A", extra_patterns=("9$",)),
    )),))  # fmt: skip
    assert json_schema(form)["properties"]["code"]["allOf"] == [
        {"pattern": "^A"},
        {"pattern": "9$"},
    ]


@settings(max_examples=60, deadline=None)
@given(definitions())
def test_every_definition_gives_a_valid_schema(form):
    Draft202012Validator.check_schema(json_schema(form))
