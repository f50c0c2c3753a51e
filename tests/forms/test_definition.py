from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from yiwang.forms import definition
from yiwang.forms.definition import (
    Field,
    FormDefinition,
    Section,
    child_keys,
    for_version,
    for_versions,
    visible_keys,
    without_hidden,
)

from . import factories as f


def test_rows_compile_in_order_with_item_labels_and_consecutive_sections(version):
    f.food_form(version)
    form = for_version(version)
    assert [s.title for s in form.sections] == ["基本信息", "经营信息", "其他"]
    assert [x.key for x in form.fields] == [
        "shop_name",
        "uscc",
        "staff_count",
        "business_items",
        "hot_area",
        "staff",
        "remark",
    ]
    assert form.field("shop_name").label == "经营场所"  # the item's own label
    assert form.field("staff_count").label == "从业人员数"  # the element's name
    assert form.field("business_items").choices[0] == ("hot", "热食类食品制售")
    assert form.field("hot_area").show_if == ("business_items", ("hot",))
    assert form.field("uscc").sources == ("enterprise:uscc",)
    assert form.field("uscc").editable is False
    assert form.field("remark").is_local and form.field("remark").kind == "long_text"
    assert form.keys == frozenset(x.key for x in form.fields)
    assert not form.generated


def test_a_group_asks_its_children_in_each_row(version):
    f.food_form(version)
    staff = for_version(version).field("staff")
    assert [(c.key, c.label, c.required) for c in staff.children] == [
        ("staff_name", "姓名", True),
        ("staff_job", "岗位", True),
    ]
    assert staff.max_length == 5
    assert staff.children[0].mask == "name"


def test_a_form_compiles_in_three_queries(version, django_assert_max_num_queries):
    f.food_form(version)
    version.refresh_from_db()
    with django_assert_max_num_queries(3):
        for_version(version)


def test_a_row_may_narrow_the_elements_rules_but_not_widen_them(version):
    el = f.element("count", "人数", "integer", min_value=0, max_value=100, max_length=None)
    f.row(version, 1, element=el, min_value=Decimal(5), max_value=Decimal(500))
    field = for_version(version).field("count")
    assert (field.min_value, field.max_value) == (Decimal(5), Decimal(100))


def test_no_prefill_and_none_turn_prefill_off(version):
    el = f.element("contact_phone", "联系电话", "phone", sources=["identity:phone"])
    other = f.element("email", "邮箱", "email", sources=["identity:email"])
    f.row(version, 1, element=el, no_prefill=True)
    f.row(version, 2, element=other, prefill="none")
    form = for_version(version)
    assert form.field("contact_phone").sources == () and form.field("contact_phone").no_prefill
    assert form.field("email").sources == ()


def test_a_rows_prefill_replaces_the_elements_sources(version):
    el = f.element("ent_name", "企业名称", sources=["enterprise:name"])
    f.row(version, 1, element=el, prefill=["license:L-YYZZ:名称"])
    assert for_version(version).field("ent_name").sources == ("license:L-YYZZ:名称",)


def test_inactive_code_entries_are_not_offered_but_still_named(version):
    cl = f.code_list()
    cl.entries.filter(value="drink").update(active=False)
    el = f.element("business_items", "经营项目", "choice", code_list=cl)
    f.row(version, 1, element=el)
    field = for_version(version).field("business_items")
    assert "drink" not in dict(field.choices)
    assert field.choice_label("drink") == "饮品制售"


# --- generated forms -------------------------------------------------------------------------


def test_a_person_item_without_rows_asks_name_id_phone_and_address_then_a_statement(version):
    form = for_version(version)
    assert form.generated
    assert [x.key for x in form.fields] == [
        "applicant_name",
        "applicant_id_number",
        "contact_phone",
        "contact_address",
        "statement",
    ]
    assert form.field("applicant_id_number").kind == "id_number"
    assert form.field("applicant_name").sources == ("identity:real_name",)
    assert not form.field("applicant_name").editable
    assert form.field("contact_phone").required and not form.field("statement").required


def test_an_enterprise_item_asks_the_enterprise_and_its_contact(versions):
    form = for_version(versions(audience="enterprise"))
    assert [x.key for x in form.fields] == [
        "ent_name",
        "uscc",
        "legal_rep",
        "ent_address",
        "contact_person",
        "contact_phone",
        "statement",
    ]
    assert form.field("uscc").kind == "uscc"


def test_an_item_for_both_asks_who_applies_and_shows_the_matching_fields(versions):
    form = for_version(versions(audience="both"))
    assert form.fields[0].key == "applicant_type"
    as_person = visible_keys(form, {"applicant_type": "person"})
    as_enterprise = visible_keys(form, {"applicant_type": "enterprise"})
    assert "applicant_id_number" in as_person and "uscc" not in as_person
    assert "uscc" in as_enterprise and "applicant_id_number" not in as_enterprise
    assert "contact_phone" in as_person & as_enterprise


def test_generated_forms_use_the_dictionarys_element_when_it_has_one(version):
    f.element("contact_phone", "联系手机", "phone", sources=["identity:phone"], mask="phone")
    field = for_version(version).field("contact_phone")
    assert field.label == "联系手机" and field.element_code == "contact_phone"
    assert for_version(version).field("contact_address").label == "联系地址"  # built in


def test_a_result_licence_adds_the_fields_the_applicant_provides(versions, db):
    f.element("shop_name", "经营场所名称", max_length=50)
    f.element("ent_name", "企业名称", sources=["enterprise:name"])
    f.element("food_scope", "经营项目", "long_text")
    lt = f.license_type(
        fields=["经营者名称", "经营场所", "经营项目", "许可证编号", "日常监督管理人员"],
        field_elements=["ent_name", "shop_name", "food_scope", "@编号", ""],
    )
    form = for_version(versions(audience="enterprise", license_type=lt))
    content = [x.key for x in form.sections[-1].fields]
    assert content == ["shop_name", "food_scope", "statement"]
    assert form.field("shop_name").required


def test_a_generated_form_works_with_an_empty_dictionary(versions, db):
    lt = f.license_type(fields=["名称"], field_elements=["missing_element"])
    form = for_version(versions(audience="enterprise", license_type=lt))
    assert {"ent_name", "uscc", "statement"} <= form.keys


# --- the cache -------------------------------------------------------------------------------


def test_a_published_form_is_compiled_once(version, django_assert_num_queries):
    f.food_form(version)
    version.refresh_from_db()
    first = for_version(version)
    with django_assert_num_queries(0):
        assert for_version(version) is first


def test_a_draft_compiles_fresh_and_sees_a_new_row(versions):
    draft = versions(status="draft")
    f.row(draft, 1, element=f.element("shop_name", "经营场所"))
    assert for_version(draft).keys == {"shop_name"}
    f.row(draft, 2, key="remark", kind="text", label="备注")
    assert for_version(draft).keys == {"shop_name", "remark"}


def test_editing_the_dictionary_recompiles_published_forms(version):
    cl = f.code_list()
    f.row(version, 1, element=f.element("items", "经营项目", "choice", code_list=cl))
    version.refresh_from_db()
    assert len(for_version(version).field("items").choices) == 3
    cl.entries.create(value="cake", label="糕点类食品制售", position=9)
    assert len(for_version(version).field("items").choices) == 4


# --- bundles ---------------------------------------------------------------------------------


def test_a_bundle_asks_a_shared_element_once_with_the_stricter_rule(versions):
    a, b = versions(), versions()
    name = f.element("shop_name", "经营场所", max_length=100, pattern="^[^0-9]")
    f.row(a, 1, element=name, required=False, max_length=80)
    f.row(b, 1, element=name, required=True, max_length=50)
    count = f.element("staff_count", "从业人员数", "integer")
    f.row(a, 2, element=count, min_value=Decimal(1), max_value=Decimal(100))
    f.row(b, 2, element=count, min_value=Decimal(3), max_value=Decimal(500))
    merged = for_versions([a, b])
    shop = merged.field("shop_name")
    assert (shop.required, shop.max_length, shop.items) == (True, 50, ("T-0001", "T-0002"))
    staff = merged.field("staff_count")
    assert (staff.min_value, staff.max_value) == (Decimal(3), Decimal(100))
    assert [x.key for x in merged.fields].count("shop_name") == 1


def test_local_fields_with_the_same_key_are_told_apart_by_position(versions):
    a, b, c = versions(), versions(), versions()
    f.row(a, 1, key="area", kind="decimal", label="面积")
    f.row(b, 1, key="area", kind="text", label="区域")
    f.row(b, 2, key="use", kind="text", label="用途", show_if="area=东区")
    f.row(c, 1, key="note", kind="text", label="说明")
    merged = for_versions([a, b, c])
    assert {"area__1", "area__2", "note", "use"} <= merged.keys
    assert "area" not in merged.keys
    assert merged.field("use").show_if == ("area__2", ("东区",))
    assert child_keys(merged, b) == {"area__2": "area", "use": "use"}
    assert child_keys(merged, c) == {"note": "note"}


def test_a_bundle_of_generated_forms_asks_the_applicant_once(versions):
    merged = for_versions([versions(), versions()])
    assert [x.key for x in merged.fields].count("applicant_id_number") == 1
    assert merged.field("applicant_id_number").items == ("T-0001", "T-0002")


# --- conditions ------------------------------------------------------------------------------

FORM = FormDefinition(
    (
        Section(
            "",
            (
                Field("kind", "类型", "choice", choices=(("a", "甲"), ("b", "乙"))),
                Field("detail", "详情", "text", show_if=("kind", ("a",))),
                Field("more", "补充", "boolean", show_if=("detail", ("x",))),
                Field("deep", "更多", "text", show_if=("more", ("是",))),
                Field("lost", "孤儿", "text", show_if=("nowhere", ("1",))),
            ),
        ),
    )
)


def test_a_field_shows_only_while_its_condition_holds():
    assert visible_keys(FORM, {"kind": "a"}) == {"kind", "detail"}
    assert visible_keys(FORM, {"kind": "b", "detail": "x"}) == {"kind"}
    data = {"kind": "a", "detail": "x", "more": True, "deep": "y"}
    assert visible_keys(FORM, data) == {"kind", "detail", "more", "deep"}


def test_hidden_values_are_dropped_and_unknown_keys_kept_for_validation():
    data = {"kind": "b", "detail": "x", "zzz": 1}
    assert without_hidden(FORM, data) == {"kind": "b", "zzz": 1}


def test_a_condition_that_loops_hides_both_fields():
    loop = FormDefinition(
        (
            Section(
                "",
                (
                    Field("a", "甲", "text", show_if=("b", ("1",))),
                    Field("b", "乙", "text", show_if=("a", ("1",))),
                ),
            ),
        )
    )
    assert visible_keys(loop, {"a": "1", "b": "1"}) == set()


@given(st.dictionaries(st.sampled_from(["kind", "detail", "more", "deep", "x"]), st.text()))
def test_visibility_never_fails_on_any_answers(data):
    assert visible_keys(FORM, data) <= FORM.keys


@pytest.mark.parametrize("text", ["", "kind", "=a", "kind=", "kind=|"])
def test_a_malformed_condition_is_no_condition(text):
    assert definition._parse_show_if(text) is None


# --- merge properties --------------------------------------------------------------------------


@st.composite
def item_forms(draw):
    """Two items' forms asking some of the same data elements, each with its own rules."""
    from dataclasses import replace

    from .strategies import fields

    pool = draw(st.lists(st.sampled_from(["shop_name", "staff", "area", "fee", "code"]),
                         min_size=1, max_size=5, unique=True))  # fmt: skip
    base = {k: replace(draw(fields(key=k)), element_code=k) for k in pool}

    def one():
        keys = draw(st.lists(st.sampled_from(pool), min_size=1, unique=True))
        out = []
        for k in keys:
            f = base[k]
            narrower = draw(st.none() | st.integers(1, 100))
            out.append(
                replace(
                    f,
                    required=draw(st.booleans()),
                    max_length=narrower if f.max_length is not None else None,
                    pattern=draw(st.sampled_from(["", "^A", "9$"])) if f.kind == "text" else "",
                )
            )
        local = draw(st.booleans())
        if local:
            out.append(Field("note", "说明", "text"))
        return FormDefinition((Section("申请人", tuple(out)),))

    return one(), one()


@settings(max_examples=150, deadline=None)
@given(item_forms())
def test_merge_is_commutative_on_what_is_asked_once_and_the_stricter_rule_holds(forms):
    a, b = forms
    ab = definition.merge([("A", 1, a), ("B", 2, b)])
    ba = definition.merge([("B", 2, b), ("A", 1, a)])
    shared = {x.key for x in ab.fields if not x.is_local}
    assert shared == {x.key for x in ba.fields if not x.is_local}
    for key in shared:
        one, other = ab.field(key), ba.field(key)
        rule = lambda x: (x.required, x.max_length, x.min_value, x.max_value, set(x.patterns))  # noqa: E731
        assert rule(one) == rule(other)
        askers = [d.field(key) for d in (a, b) if d.field(key) is not None]
        assert set(one.items) == {c for c, d in (("A", a), ("B", b)) if d.field(key)}
        assert one.required == any(x.required for x in askers)
        lengths = [x.max_length for x in askers if x.max_length is not None]
        assert one.max_length == (min(lengths) if lengths else None)
        assert set(one.patterns) == {p for x in askers for p in x.patterns}
    # A local key both items use is asked once per item, apart.
    if a.field("note") and b.field("note"):
        assert {"note__1", "note__2"} <= ab.keys and "note" not in ab.keys


def test_a_fresh_cache_never_serves_a_form_compiled_before(version):
    from django.core.cache import cache

    f.row(version, 1, element=f.element("shop_name", "经营场所"))
    version.refresh_from_db()
    assert for_version(version).keys == {"shop_name"}
    # Rows written without signals (a bulk import), then the cache cleared as between tests.
    from yiwang.forms.models import FormField

    FormField.objects.bulk_create([FormField(version=version, seq=2, section="", key="remark",
                                             kind="text", label="备注")])  # fmt: skip
    cache.clear()
    assert for_version(version).keys == {"shop_name", "remark"}


def test_a_form_is_compiled_in_the_language_of_the_page(version):
    from django.utils import translation

    cl = f.code_list(entries=[("hot", "热食类食品制售")])
    cl.entries.update(label_en="Hot food")
    f.row(
        version,
        1,
        element=f.element("items", "经营项目", "choice", code_list=cl, name_en="Business"),
    )
    version.refresh_from_db()
    assert for_version(version).field("items").label == "经营项目"
    with translation.override("en"):
        english = for_version(version).field("items")
    assert (english.label, english.choices) == ("Business", (("hot", "Hot food"),))
    assert for_version(version).field("items").choices == (("hot", "热食类食品制售"),)
