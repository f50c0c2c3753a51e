"""A case's own application form through the services (docs/forms.md): a draft starts with
defaults and prefill, saves are checked by the item's rules — the API's all or nothing, the
pages' keeping what is valid — a prefilled value the item locks stays as it came, submit
checks the whole form and names what is missing, and the window's notice can point at a
field, which only the applicant corrects."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from tests.journey.cases.conftest import BUNDLE, FOOD, MAIN, published, shop_licence
from tests.statements import exactly, fresh
from yiwang.demo.forms import fill_in
from yiwang.journey.cases import filling, services
from yiwang.journey.cases.models import CaseMaterial, Status

ADDRESS = {"area": "", "detail": "示例市示范区人民路8号"}


def pdf():
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("scan.pdf", b"%PDF-1.4\n%%EOF\n", content_type="application/pdf")


def provide(case, by):
    for material in case.materials.filter(state=CaseMaterial.State.MISSING, required=True):
        services.attach_file(material.pk, by=by, uploaded=pdf())


@pytest.fixture
def citizen(people):
    return people["citizen"]


@pytest.fixture
def food(citizen):
    shop_licence(citizen)
    return services.start_case(published(FOOD).pk, by=citizen)


def test_a_draft_starts_with_what_the_platform_knows_and_says_where_it_came_from(food):
    assert food.form_data["applicant_name"] == "张三"
    assert food.form_data["shop_name"] == "张记面馆"  # from the 个体工商户营业执照
    assert food.form_data["business_address"] == ADDRESS
    assert food.form_sources["applicant_name"]["label"] == "来自实名认证信息"
    licence = food.form_sources["uscc"]
    assert licence["kind"] == "license" and licence["label"].startswith(
        "个体工商户营业执照（证照编号 GTYY"  # the page words it 来自电子证照：…
    )
    assert "business_kind" not in food.form_data  # the applicant chooses


def test_the_api_save_is_all_or_nothing_and_names_each_place(food, citizen):
    before = dict(food.form_data)
    with pytest.raises(services.FormInvalid) as refused:
        services.update_form(
            food.pk,
            by=citizen,
            data={
                "seats": 12,
                "business_kind": "catering",
                "food_staff": [{"staff_name": "李厨", "staff_phone": "12"}],
                "colour": "red",
            },
        )
    found = {(e.pointer, e.code) for e in refused.value.field_errors}
    assert found == {("/food_staff/0/staff_phone", "format"), ("/colour", "unknown_field")}
    assert "什么也没有保存" in refused.value.messages[0]
    food.refresh_from_db()
    assert food.form_data == before  # the valid values were not saved either

    services.update_form(
        food.pk,
        by=citizen,
        data={"seats": "１２", "business_kind": "catering", "remarks": None},
    )
    food.refresh_from_db()
    assert food.form_data["seats"] == 12  # typed as the form stores it


def test_the_pages_save_what_is_valid_and_return_the_rest(food, citizen):
    refused = services.save_form(
        food.pk, by=citizen, data={"business_kind": "catering", "contact_phone": "110"}
    )
    assert [(e.key, e.code) for e in refused] == [("contact_phone", "format")]
    food.refresh_from_db()
    assert food.form_data["business_kind"] == "catering"
    assert food.form_data["contact_phone"] == "13800000001"  # unchanged, still prefilled


def test_a_locked_prefilled_value_cannot_be_changed_an_open_one_loses_its_source(food, citizen):
    with pytest.raises(services.FormInvalid) as refused:
        services.update_form(food.pk, by=citizen, data={"applicant_name": "张四"})
    error = refused.value.field_errors[0]
    assert error.code == "not_editable" and "来自实名认证，不能修改" in error.message
    services.update_form(food.pk, by=citizen, data={"applicant_name": "张三"})  # as it is: fine
    services.update_form(food.pk, by=citizen, data={"shop_name": "张记面馆（人民路店）"})
    food.refresh_from_db()
    assert "shop_name" not in food.form_sources and "uscc" in food.form_sources


def test_submit_names_every_field_still_needed_and_links_nothing_else(food, citizen):
    provide(food, citizen)
    with pytest.raises(services.FormInvalid) as refused:
        services.submit(food.pk, by=citizen)
    assert "申请表还没有填好" in refused.value.messages[0]
    assert "请填写主体业态。" in refused.value.messages[0]
    food.refresh_from_db()
    assert food.status == Status.DRAFT and not food.number

    services.update_form(food.pk, by=citizen, data={"business_kind": "sale", "seats": 30})
    services.submit(food.pk, by=citizen)
    food.refresh_from_db()
    assert food.status == Status.SUBMITTED
    assert "seats" not in food.form_data  # hidden unless catering: not kept


def test_saving_and_submitting_cost_a_fixed_number_of_statements(food, citizen):
    provide(food, citizen)
    data = {"business_kind": "catering", "seats": 20, "remarks": "早餐为主"}
    fresh(citizen)
    # Savepoint, lock, save, release; the published form is compiled once per process.
    with exactly(4, "update_form"):
        services.update_form(food.pk, by=citizen, data=data)
    with exactly(4, "save_form"):
        services.save_form(food.pk, by=citizen, data={**data, "remarks": "早餐、午餐"})
    # One lock (the case with its item version and applicant) for the library check of the
    # licences taken and the submit; the missing and library materials read once (the
    # licence check: their requirements, the licence type, the licence), the calendar for
    # the intake day: no statement per field, none per material beyond the licence checks.
    # The case number is one upsert of the day's counter, written with the case's other
    # changes in one UPDATE, whatever the size of the bundle; the timeline, the audit event
    # and the domain event are one INSERT each (no shared row locked).
    with exactly(14, "submit"):
        services.submit(food.pk, by=citizen)


def test_a_bundle_keeps_one_form_and_writes_each_child_its_part(citizen):
    parent = services.start_bundle_case(BUNDLE, by=citizen)
    definition = filling.definition_of(parent)
    assert definition.field("business_kind").items == (FOOD,)
    services.update_form(parent.pk, by=citizen, data={"business_kind": "sale"})
    food = parent.children.get(item_version__item__code=FOOD)
    main = parent.children.get(item_version__item__code=MAIN)
    assert food.form_data["business_kind"] == "sale"
    assert "business_kind" not in main.form_data  # not asked by 个体工商户设立登记
    assert main.form_data["applicant_name"] == food.form_data["applicant_name"] == "张三"
    with pytest.raises(ValidationError, match="请在一件事申请上填写申请表"):
        services.update_form(food.pk, by=citizen, data={"business_kind": "catering"})


def test_a_bundle_asks_a_licence_once_and_never_one_an_earlier_item_produces(citizen, people):
    parent = services.start_bundle_case(BUNDLE, by=citizen)
    main = parent.children.get(item_version__item__code=MAIN)
    materials = {m.name: m for m in parent.materials.prefetch_related("requirements")}
    # 营业执照 (three items) and 个体工商户营业执照 (the food licence) are one document …
    assert "营业执照" not in materials
    licence = materials["个体工商户营业执照"]
    assert {r.license_type.code for r in licence.requirements.all()} == {"L-YYZZ", "L-GTYYZZ"}
    assert licence.requirements.count() == 4
    # … which 个体工商户设立登记, earlier in the journey, produces.
    assert licence.state == CaseMaterial.State.FROM_EARLIER_ITEM and licence.produced_by == main
    assert licence.get_state_display() == "由本一件事前序事项产生"
    assert materials["食品经营许可申请书"].state == CaseMaterial.State.FROM_FORM
    with pytest.raises(ValidationError, match="不需要提交"):
        services.attach_file(licence.pk, by=citizen, uploaded=pdf())

    fill_in(parent, citizen, address="示例市示范区人民路8号")
    provide(parent, citizen)
    services.submit(parent.pk, by=citizen)  # neither blocks the submit …
    services.accept(parent.pk, by=people["clerk"])
    parent.refresh_from_db()
    assert parent.status == Status.IN_REVIEW and not parent.tolerated  # … nor acceptance


def test_the_window_asks_for_a_field_and_only_the_applicant_corrects_it(food, citizen, people):
    clerk = people["clerk"]
    services.update_form(food.pk, by=citizen, data={"business_kind": "sale"})
    provide(food, citizen)
    services.submit(food.pk, by=citizen)
    with pytest.raises(ValidationError, match="申请表没有“colour”这一项"):
        services.request_supplement(
            food.pk, by=clerk, items=[{"field": "colour", "reason": "颜色不对"}]
        )
    services.request_supplement(
        food.pk,
        by=clerk,
        items=[
            {"field": "shop_name", "reason": "与营业执照上的名称不一致"},
            {"field": "business_kind", "reason": "请核对主体业态"},
        ],
    )
    food.refresh_from_db()
    assert food.status == Status.SUPPLEMENT
    assert food.field_notes == {
        "shop_name": "与营业执照上的名称不一致",
        "business_kind": "请核对主体业态",
    }
    notice = food.notices.get()
    assert notice.items[0] == {
        "field": "shop_name",
        "name": "申请表：经营者名称",
        "reason": "与营业执照上的名称不一致",
    }
    with pytest.raises(PermissionDenied):  # the window may not edit what was declared
        services.update_form(food.pk, by=clerk, data={"shop_name": "改过的"})
    with pytest.raises(ValidationError, match="窗口要求更正的这些项还没有修改或确认：经营者名称"):
        services.submit(food.pk, by=citizen)

    services.save_form(food.pk, by=citizen, data={"shop_name": "张记面馆"}, confirmed=[])
    food.refresh_from_db()
    assert "shop_name" in food.field_notes  # unchanged and not confirmed: still asked
    services.save_form(food.pk, by=citizen, data={"shop_name": "张记面馆人民路店"})
    services.save_form(food.pk, by=citizen, data={}, confirmed=["business_kind"])
    food.refresh_from_db()
    assert food.field_notes == {}
    services.submit(food.pk, by=citizen)
    food.refresh_from_db()
    assert food.status == Status.SUBMITTED and food.status_code == 7  # resubmitted
