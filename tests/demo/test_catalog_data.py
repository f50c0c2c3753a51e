"""The demo catalogue's dictionary, code lists, forms and licence mappings hang together
(docs/forms.md), and catalog.xlsx says what the CSVs say. Reads files only: no database."""

import csv
import re
from decimal import Decimal
from functools import cache

import openpyxl
import pytest

from yiwang.demo.build_catalog import CATALOG_DIR, SHEETS

KEY = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
KINDS = {
    "文本",
    "长文本",
    "整数",
    "小数",
    "日期",
    "日期区间",
    "单选",
    "多选",
    "是否",
    "身份证号码",
    "统一社会信用代码",
    "电话",
    "电子邮箱",
    "地址",
    "金额",
    "重复组",
}
CHOICE_KINDS = {"单选", "多选"}
MASKS = {"", "姓名", "证件号码", "电话", "地址"}
IDENTITY_ATTRS = {"real_name", "id_number", "phone", "email", "gender", "birth_date"}
ENTERPRISE_ATTRS = {"name", "uscc", "legal_representative", "address"}
DECISION_TOKENS = {"@编号", "@发证日期", "@有效期至", "@有效期限", "@发证机关", "@新信用代码"}
YES_NO = {"是", "否"}

# 照面字段 a case cannot fill although its item asks for everything else: a newborn's
# citizen ID number is allocated by the police at birth registration (户口登记条例 第七条).
ISSUER_COMPLETES = {("GAJ-QR-0001", "subject_id_number")}


@cache
def rows(name: str) -> list[dict]:
    with open(CATALOG_DIR / f"{name}.csv", encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def split(cell: str) -> list[str]:
    return [part.strip() for part in cell.split(";") if part.strip()]


@cache
def elements() -> dict[str, dict]:
    return {r["数据元编码"]: r for r in rows("data_elements")}


@cache
def code_lists() -> dict[str, dict[str, str]]:
    lists: dict[str, dict[str, str]] = {}
    for r in rows("code_lists"):
        lists.setdefault(r["代码表编码"], {})[r["代码"]] = r["名称"]
    return lists


@cache
def licence_types() -> dict[str, dict]:
    return {r["证照类型编码"]: r for r in rows("license_types")}


@cache
def forms() -> dict[str, list[dict]]:
    result: dict[str, list[dict]] = {}
    for r in rows("forms"):
        result.setdefault(r["事项编码"], []).append(r)
    return result


def bundle_items() -> set[str]:
    return {c for b in rows("bundles") for c in split(b["主办事项"]) + split(b["并联事项"])}


def hot_items() -> set[str]:
    return {r["事项编码"] for r in rows("items") if r["是否热门"] == "是"}


def code_list_of(row: dict) -> str:
    """The code list a form row's values come from (its element's, or its own)."""
    if row["数据元编码"]:
        return elements()[row["数据元编码"]]["代码表编码"]
    return row["代码表编码"]


def kind_of(row: dict) -> str:
    return elements()[row["数据元编码"]]["类型"] if row["数据元编码"] else row["字段类型"]


def source_problem(source: str) -> str | None:
    scheme, _, rest = source.partition(":")
    if scheme == "identity":
        return None if rest in IDENTITY_ATTRS else f"unknown identity attribute {rest!r}"
    if scheme == "enterprise":
        return None if rest in ENTERPRISE_ATTRS else f"unknown enterprise attribute {rest!r}"
    if scheme == "license":
        code, _, field = rest.partition(":")
        licence = licence_types().get(code)
        if licence is None:
            return f"unknown licence type {code!r}"
        return None if field in split(licence["照面字段"]) else f"{code} has no field {field!r}"
    return f"unknown source {source!r}"


# --- the workbook ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def workbook():
    book = openpyxl.load_workbook(CATALOG_DIR / "catalog.xlsx", read_only=True, data_only=True)
    yield book
    book.close()


@pytest.mark.parametrize("name", list(SHEETS))
def test_workbook_sheet_says_what_its_csv_says(workbook, name):
    with open(CATALOG_DIR / f"{name}.csv", encoding="utf-8", newline="") as f:
        expected = list(csv.reader(f))
    actual = [
        ["" if v is None else str(v) for v in row]
        for row in workbook[SHEETS[name]].iter_rows(values_only=True)
    ]
    assert actual == expected, "run `python -m yiwang.demo.build_catalog`"


def test_workbook_has_exactly_the_sheets_of_the_csvs(workbook):
    assert workbook.sheetnames == list(SHEETS.values())


# --- the dictionary ---------------------------------------------------------------------


def test_element_codes_are_form_keys_and_unique():
    codes = [r["数据元编码"] for r in rows("data_elements")]
    assert [c for c in codes if not KEY.match(c)] == []
    assert len(codes) == len(set(codes))
    assert 100 <= len(codes) <= 200


def test_elements_the_generated_forms_rely_on_exist():
    assert {
        "applicant_name",
        "applicant_id_number",
        "contact_phone",
        "contact_address",
        "ent_name",
        "uscc",
        "legal_rep",
        "ent_address",
        "contact_person",
        "statement",
    } <= elements().keys()


@pytest.mark.parametrize("row", rows("data_elements"), ids=lambda r: r["数据元编码"])
def test_element_is_well_formed(row):
    kind = row["类型"]
    assert row["名称"] and row["英文名称"]
    assert kind in KINDS
    assert row["遮盖方式"] in MASKS
    if kind in CHOICE_KINDS:
        assert row["代码表编码"] in code_lists()
    else:
        assert row["代码表编码"] == ""
    if kind == "重复组":
        children = split(row["组成数据元"])
        assert children and all(c in elements() for c in children)
        assert all(elements()[c]["类型"] != "重复组" for c in children)
    else:
        assert row["组成数据元"] == ""
    if kind == "金额":
        assert row["单位"] in {"元", "万元"}
    if row["小数位数"]:
        assert kind == "小数"
    if row["格式"]:
        re.compile(row["格式"])
    low, high = row["最小值"], row["最大值"]
    if low and high:
        assert Decimal(low) <= Decimal(high)
    assert [p for s in split(row["来源"]) if (p := source_problem(s))] == []


# --- code lists -------------------------------------------------------------------------


def test_each_code_list_has_one_name_unique_values_and_positions_in_order():
    by_list: dict[str, list[dict]] = {}
    for r in rows("code_lists"):
        by_list.setdefault(r["代码表编码"], []).append(r)
    for code, entries in by_list.items():
        assert KEY.match(code), code
        assert len({(e["代码表名称"], e["代码表英文名称"]) for e in entries}) == 1, code
        assert len({e["代码"] for e in entries}) == len(entries), code
        assert [int(e["序号"]) for e in entries] == list(range(1, len(entries) + 1)), code
        assert all(e["名称"] and e["英文名称"] for e in entries), code


def test_every_code_list_is_used():
    used = {r["代码表编码"] for r in rows("data_elements")} | {
        r["代码表编码"] for r in rows("forms")
    }
    assert set(code_lists()) - used == set()


# --- forms ------------------------------------------------------------------------------


def test_every_hot_and_bundle_item_has_a_form():
    assert (hot_items() | bundle_items()) - forms().keys() == set()
    assert forms().keys() <= {r["事项编码"] for r in rows("items")}


@pytest.mark.parametrize("item", sorted(forms()))
def test_form_rows_are_well_formed(item):
    fields = forms()[item]
    assert [int(f["序号"]) for f in fields] == list(range(1, len(fields) + 1))
    keys = [f["字段编码"] for f in fields]
    assert len(keys) == len(set(keys))
    sections = [f["分组"] for f in fields]
    blocks = [s for i, s in enumerate(sections) if i == 0 or sections[i - 1] != s]
    assert all(blocks) and len(blocks) == len(set(blocks)), "a section's rows are consecutive"
    for f in fields:
        key = f["字段编码"]
        assert KEY.match(key), key
        assert f["必填"] in YES_NO and f["允许修改"] in YES_NO, key
        if f["数据元编码"]:
            element = elements().get(f["数据元编码"])
            assert element is not None, key
            assert key == f["数据元编码"], key
            assert f["字段类型"] == "" and f["代码表编码"] == "", key
            if f["最大长度"] and element["最大长度"]:
                assert int(f["最大长度"]) <= int(element["最大长度"]), key
            if f["最小值"] and element["最小值"]:
                assert Decimal(f["最小值"]) >= Decimal(element["最小值"]), key
            if f["最大值"] and element["最大值"]:
                assert Decimal(f["最大值"]) <= Decimal(element["最大值"]), key
        else:
            assert key not in elements(), f"local field {key} shadows a data element"
            assert f["字段名称"] and f["字段类型"] in KINDS - {"重复组"}, key
            if f["字段类型"] in CHOICE_KINDS:
                assert f["代码表编码"] in code_lists(), key
            else:
                assert f["代码表编码"] == "", key
            assert f["预填来源"] == "", key
        if f["预填来源"] and f["预填来源"] != "不预填":
            assert [p for s in split(f["预填来源"]) if (p := source_problem(s))] == [], key
        if f["默认值"] and kind_of(f) in CHOICE_KINDS:
            assert f["默认值"] in code_lists()[code_list_of(f)], key


@pytest.mark.parametrize("item", sorted(forms()))
def test_show_if_names_a_choice_of_the_same_form_and_its_values(item):
    by_key = {f["字段编码"]: f for f in forms()[item]}
    for f in forms()[item]:
        if not f["显示条件"]:
            continue
        key, _, values = f["显示条件"].partition("=")
        assert key in by_key and key != f["字段编码"], f["显示条件"]
        controller = by_key[key]
        assert kind_of(controller) == "单选", f["显示条件"]
        assert set(values.split("|")) <= code_lists()[code_list_of(controller)].keys(), f[
            "显示条件"
        ]


def test_every_form_asks_for_a_commitment_and_has_a_condition():
    for item, fields in forms().items():
        keys = {f["字段编码"] for f in fields}
        assert "commitment" in keys, item
        assert any(f["显示条件"] for f in fields), item


def test_food_licence_form_lists_its_staff():
    assert "staff" in {f["字段编码"] for f in forms()["SCJ-XK-0008"]}


def test_restaurant_bundle_asks_shared_facts_through_shared_elements():
    bundle = next(b for b in rows("bundles") if b["一件事编码"] == "YJS-0001")
    items = split(bundle["主办事项"]) + split(bundle["并联事项"])
    asked = [{f["数据元编码"] for f in forms()[i] if f["数据元编码"]} for i in items]
    shared = {code for code in set().union(*asked) if sum(code in a for a in asked) > 1}
    assert {"ent_name", "uscc", "legal_rep", "premises_address", "staff_count"} <= shared


# --- licence types ----------------------------------------------------------------------


@pytest.mark.parametrize("row", rows("license_types"), ids=lambda r: r["证照类型编码"])
def test_licence_field_elements_align_with_its_fields(row):
    fields = row["照面字段"].split(";")
    mapped = row["照面字段数据元"].split(";")
    assert len(mapped) == len(fields)
    assert [m for m in mapped if m and m not in elements() and m not in DECISION_TOKENS] == []
    assert set(split(row["可替代证照类型"])) <= licence_types().keys() - {row["证照类型编码"]}


def test_business_licences_get_a_new_credit_code_and_the_individual_one_stands_in():
    for code in ("L-YYZZ", "L-GTYYZZ"):
        row = licence_types()[code]
        fields = dict(
            zip(row["照面字段"].split(";"), row["照面字段数据元"].split(";"), strict=True)
        )
        assert fields["统一社会信用代码"] == "@新信用代码"
    assert split(licence_types()["L-GTYYZZ"]["可替代证照类型"]) == ["L-YYZZ"]


def test_licences_of_hot_and_bundle_items_are_filled_from_their_forms():
    """After approval the issuer has nothing to type: each 照面字段 is a decision field or an
    element the item's own form asks."""
    items = {r["事项编码"]: r for r in rows("items")}
    for code in sorted(hot_items() | bundle_items()):
        licence = items[code]["结果证照类型编码"]
        if not licence:
            continue
        asked = {f["数据元编码"] for f in forms()[code]}
        for field, element in zip(
            licence_types()[licence]["照面字段"].split(";"),
            licence_types()[licence]["照面字段数据元"].split(";"),
            strict=True,
        ):
            assert element, f"{code} {licence} {field}: nobody fills it"
            if element in DECISION_TOKENS or (code, element) in ISSUER_COMPLETES:
                continue
            assert element in asked, f"{code} does not ask {element} for {licence} {field}"


# --- materials --------------------------------------------------------------------------


def test_online_form_materials_belong_to_items_with_a_form():
    online = [r for r in rows("materials") if r["来源渠道"] == "在线填报"]
    assert online
    for r in online:
        assert r["事项编码"] in forms(), r["材料名称"]
        assert r["关联证照类型编码"] == "", r["材料名称"]
    assert len({r["事项编码"] for r in online}) == len(online), "one application form per item"
