from decimal import Decimal

import pytest
from django.test import override_settings
from hypothesis import given, settings
from hypothesis import strategies as st

from yiwang.forms.definition import Field, FormDefinition, Section
from yiwang.forms.validation import clean, validate, validator_for

from .strategies import definitions

FORM = FormDefinition(
    (
        Section(
            "基本信息",
            (
                Field("shop_name", "经营场所", "text", required=True, max_length=50),
                Field("staff_count", "从业人员数", "integer", required=True,
                      min_value=Decimal(1), max_value=Decimal(500), unit="人"),
                Field("uscc", "统一社会信用代码", "uscc"),
                Field("phone", "联系电话", "phone"),
                Field("email", "电子邮箱", "email"),
                Field("fee", "注册资本", "money", unit="万元"),
                Field("opened", "开业日期", "date"),
            ),
        ),
        Section(
            "经营信息",
            (
                Field("items", "经营项目", "multi_choice", required=True,
                      choices=(("hot", "热食类食品制售"), ("cold", "冷食类"))),
                Field("hot_area", "热食区面积", "decimal", required=True, decimal_places=1,
                      show_if=("items", ("hot",))),
                Field("chain", "是否连锁", "boolean"),
                Field("staff", "从业人员", "group", max_length=3, children=(
                    Field("name", "姓名", "text", required=True, max_length=10),
                    Field("id", "身份证号码", "id_number", required=True),
                )),
                Field("period", "经营期限", "date_range"),
                Field("address", "经营地址", "address", max_length=100),
            ),
        ),
    )
)  # fmt: skip

GOOD = {
    "shop_name": "示范区人民路88号",
    "staff_count": 12,
    "uscc": "91110000600037341L",
    "phone": "13800138000",
    "email": "shop@example.cn",
    "fee": 12.5,
    "opened": "2026-12-07",
    "items": ["hot", "cold"],
    "hot_area": 35.5,
    "chain": False,
    "staff": [{"name": "张三", "id": "11010519491231002X"}],
    "period": {"start": "2026-01-01", "end": "2030-12-31"},
    "address": {"area": "", "detail": "示范区人民路88号"},
}


def errors(data, **kwargs):
    return {(e.pointer, e.message) for e in validate(FORM, data, **kwargs)}


def codes(data, **kwargs):
    return {e.pointer: e.code for e in validate(FORM, data, **kwargs)}


def test_a_good_form_has_no_errors():
    assert validate(FORM, GOOD) == []


def test_a_missing_required_field_is_named():
    data = {k: v for k, v in GOOD.items() if k != "shop_name"}
    assert errors(data) == {("/shop_name", "请填写经营场所。")}


def test_an_empty_string_counts_as_missing():
    assert errors({**GOOD, "shop_name": "  "} | {"shop_name": ""}) == {
        ("/shop_name", "请填写经营场所。")
    }


def test_a_word_in_a_number_field_says_it_should_be_a_whole_number():
    assert errors({**GOOD, "staff_count": "十二"}) == {("/staff_count", "从业人员数应为整数。")}


def test_a_wrong_credit_code_asks_to_check_the_18_characters():
    assert errors({**GOOD, "uscc": "91110000600037341A"}) == {
        ("/uscc", "统一社会信用代码不正确，请核对18位代码。")
    }


def test_too_long_text_names_the_limit():
    assert errors({**GOOD, "shop_name": "店" * 51}) == {("/shop_name", "不能超过50个字。")}


def test_a_value_not_in_the_list_asks_to_choose_from_it():
    assert errors({**GOOD, "items": ["hot", "fish"]}) == {("/items/1", "请从列出的选项中选择。")}


def test_an_end_date_before_the_start_is_refused():
    period = {"start": "2026-05-01", "end": "2026-04-30"}
    assert errors({**GOOD, "period": period}) == {("/period/end", "结束日期不能早于开始日期。")}


def test_an_error_in_a_group_row_points_at_the_row_and_field():
    staff = [{"name": "张三", "id": "11010519491231002X"}, {"name": "李四", "id": "1101"}]
    found = validate(FORM, {**GOOD, "staff": staff})
    assert [(e.pointer, e.key, e.code) for e in found] == [("/staff/1/id", "staff", "format")]
    assert "18位" in found[0].message


def test_an_id_number_with_a_wrong_check_digit_says_so():
    staff = [{"name": "张三", "id": "110105194912310021"}]
    assert errors({**GOOD, "staff": staff}) == {
        ("/staff/0/id", "身份证号码校验位不正确，请核对是否输错。")
    }


def test_a_missing_child_value_is_named_in_its_row():
    assert errors({**GOOD, "staff": [{"name": "张三"}]}) == {("/staff/0/id", "请填写身份证号码。")}


def test_too_many_rows():
    staff = [{"name": "张三", "id": "11010519491231002X"}] * 4
    assert codes({**GOOD, "staff": staff}) == {"/staff": "too_many"}


@pytest.mark.parametrize(
    ("key", "value", "code"),
    [
        ("phone", "12345", "format"),
        ("phone", "010-12345678", None),
        ("email", "not-an-address", "format"),
        ("opened", "2026-02-30", "format"),
        ("opened", "20261207", "format"),
        ("fee", 12.345, "decimal_places"),
        ("fee", -1, "too_small"),
        ("staff_count", 0, "too_small"),
        ("staff_count", 501, "too_large"),
        ("hot_area", 35.25, "decimal_places"),
        ("chain", "maybe", "not_boolean"),
        ("address", {"area": "12", "detail": "x"}, "pattern"),
        ("address", {"detail": "x", "zip": "1"}, "unknown_field"),
    ],
)
def test_each_kind_checks_its_own_rule(key, value, code):
    found = validate(FORM, {**GOOD, key: value})
    assert [e.code for e in found] == ([code] if code else [])
    assert all(e.key == key for e in found)


def test_a_hidden_field_is_neither_required_nor_checked():
    data = {**GOOD, "items": ["cold"], "hot_area": "not a number"}
    assert validate(FORM, data) == []
    data = {k: v for k, v in GOOD.items() if k != "hot_area"}
    assert errors(data) == {("/hot_area", "请填写热食区面积。")}


def test_unknown_keys_are_each_reported():
    found = validate(FORM, {**GOOD, "x": 1, "y/z": 2})
    assert {(e.pointer, e.code) for e in found} == {
        ("/x", "unknown_field"),
        ("/y~1z", "unknown_field"),
    }


def test_a_draft_leaves_out_only_what_is_missing():
    assert validate(FORM, {"staff_count": 5}, partial=True) == []
    assert codes({"staff_count": "五"}, partial=True) == {"/staff_count": "not_integer"}


def test_a_nul_character_is_refused_with_a_clear_message():
    found = validate(FORM, {**GOOD, "shop_name": "人民路\x00号"})
    assert [(e.pointer, e.code) for e in found] == [("/shop_name", "control_chars")]
    assert "控制字符" in found[0].message


def test_a_huge_string_is_refused_not_stored():
    found = validate(FORM, {**GOOD, "shop_name": "店" * 200_000})
    assert [e.code for e in found] == ["form_too_large"]


@override_settings(YIWANG_FORM_MAX_VALUE_CHARS=100)
def test_a_text_without_its_own_limit_has_the_sites():
    form = FormDefinition((Section("", (Field("note", "说明", "long_text"),)),))
    assert [e.message for e in validate(form, {"note": "字" * 101})] == ["不能超过100个字。"]


def test_not_an_object():
    assert [e.code for e in validate(FORM, ["a"])] == ["form_not_object"]


def test_the_validator_is_compiled_once_per_form():
    assert validator_for(FORM) is validator_for(FORM)


# --- clean -----------------------------------------------------------------------------------


def test_clean_folds_full_width_digits_and_types_numbers():
    data = clean(FORM, {"staff_count": "１２", "fee": "1,200.50", "hot_area": "３５.５",
                        "items": ["hot"], "uscc": " 9111-0000-6000-37341l ",
                        "phone": "138 0013 8000", "opened": "2026年12月7日"})  # fmt: skip
    assert data == {
        "staff_count": 12,
        "fee": 1200.5,
        "hot_area": 35.5,
        "items": ["hot"],
        "uscc": "91110000600037341L",
        "phone": "13800138000",
        "opened": "2026-12-07",
    }


def test_clean_strips_text_and_drops_empty_values_rows_and_hidden_answers():
    data = clean(
        FORM,
        {
            "shop_name": "  人民路88号 ",
            "email": "",
            "items": ["cold", ""],
            "hot_area": 3,
            "staff": [{"name": " ", "id": ""}, {"name": " 李四 "}],
            "chain": "是",
            "x": "kept",
        },
    )
    assert data == {
        "shop_name": "人民路88号",
        "items": ["cold"],
        "staff": [{"name": "李四"}],
        "chain": True,
        "x": "kept",
    }


def test_clean_leaves_what_it_cannot_read_for_validation_to_name():
    data = clean(FORM, {"staff_count": "十二", "fee": "12元"})
    assert data == {"staff_count": "十二", "fee": "12元"}
    assert codes(data, partial=True) == {"/staff_count": "not_integer", "/fee": "not_number"}


# --- properties ------------------------------------------------------------------------------

NUMBERS = FormDefinition((Section("", (
    Field("count", "人数", "integer", min_value=Decimal(0)),
    Field("area", "面积", "decimal", decimal_places=2),
    Field("fee", "金额", "money"),
)),))  # fmt: skip


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(["count", "area", "fee"]), st.text(min_size=1))
def test_any_string_in_a_number_field_is_an_error_with_a_pointer_or_a_number(key, text):
    cleaned = clean(NUMBERS, {key: text})
    found = validate(NUMBERS, cleaned)
    value = cleaned.get(key)
    if isinstance(value, str):
        assert found and all(e.pointer == f"/{key}" and e.message for e in found)
    else:
        assert value is None or isinstance(value, int | float)


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=12,
)


@settings(max_examples=150, deadline=None)
@given(definitions(), st.dictionaries(st.text(max_size=10), JSON, max_size=6))
def test_any_data_gives_errors_never_an_exception(form, data):
    for partial in (False, True):
        for error in validate(form, clean(form, data), partial=partial):
            assert error.pointer.startswith("/") or error.pointer == ""
            assert error.message


@settings(max_examples=100, deadline=None)
@given(definitions(), st.data())
def test_data_of_the_forms_own_keys_never_raises(form, data):
    values = data.draw(st.fixed_dictionaries({}, optional={k: JSON for k in form.keys}))
    validate(form, values)
    validate(form, clean(form, values), partial=True)


def test_a_code_with_trailing_junk_is_not_cut_down_to_a_valid_one():
    typed = "91110000600037341L" + " " * 50 + "junk"
    data = clean(FORM, {**GOOD, "uscc": typed})
    assert data["uscc"] == typed
    assert codes(data) == {"/uscc": "format"}
