"""开办餐饮店一件事 applied for by a natural person: on approval every item's result is
drafted in the citizen's name, each 照面字段 filled from the one form, the decision or the
business licence the first item produced — the issuer only checks and confirms."""

from django.db import connection
from django.test import TestCase
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from stdnum.cn import uscc

from tests.journey.workflow.conftest import (  # noqa: F401
    MAIN,
    accepted_bundle,
    catalog,
    people,
)
from yiwang.catalog.models import LicenseType
from yiwang.forms import definition, display
from yiwang.journey.cases.models import Case
from yiwang.journey.workflow import services as workflow
from yiwang.journey.workflow.models import ApprovalTask
from yiwang.licenses import filling, services
from yiwang.licenses.models import License

from .restaurant import (
    FIELD_ELEMENTS,
    FORM,
    PREMISES,
    SHOP,
    approve_everything,
    child,
    restaurant,
)


def drafts_of(parent) -> dict[str, License]:
    found = License.objects.filter(case__parent=parent).select_related("license_type", "case")
    return {licence.license_type.code: licence for licence in found}


def test_all_four_results_are_drafted_in_the_citizens_name(accepted_bundle, people):  # noqa: F811
    parent = restaurant(accepted_bundle)
    approve_everything(parent, people)
    drafts = drafts_of(parent)
    assert sorted(drafts) == sorted(FIELD_ELEMENTS)
    for licence in drafts.values():
        # A 个体工商户 is not a legal person: its licences name the operator.
        assert licence.holder_person == people["citizen"] and licence.holder_enterprise is None
        assert licence.holder_name == "张三" and not licence.final
        assert [n for n, v in licence.data.items() if not v] == []  # nothing left to type
    assert License.objects.filter(holder_person=people["citizen"], final=False).count() == 4


def test_every_mapped_field_is_the_forms_value_as_the_form_shows_it(accepted_bundle, people):  # noqa: F811
    parent = restaurant(accepted_bundle)
    approve_everything(parent, people)
    for code, licence in drafts_of(parent).items():
        form = definition.for_version(licence.case.item_version)
        for name, element in FIELD_ELEMENTS[code].items():
            if element not in FORM:
                continue
            field = form.field(element) or definition.for_version(
                child(parent, MAIN).item_version
            ).field(element)
            assert licence.data[name] == display.text_value(field, FORM[element]), (code, name)
            assert licence.field_sources[name] == {"kind": "form", "from": element}
    drafts = drafts_of(parent)
    business = drafts["L-GTYYZZ"].data
    assert business["名称"] == SHOP and business["经营场所"] == PREMISES
    assert business["组成形式"] == "个人经营"  # the label, not the stored code
    food = drafts["L-SPJYXKZ"].data
    assert food["经营项目"] == "热食类食品制售、冷食类食品制售" and food["主体业态"] == "小型餐饮"
    fire = drafts["L-XFAQJC"].data
    assert (
        fire["使用性质"] == "餐饮场所"
        and "85.5" in fire["建筑面积"]
        and "平方米" in fire["建筑面积"]
    )
    # 单位名称 maps to an element only the first item's form asks: the bundle's form has it.
    assert fire["单位名称"] == SHOP


def test_decision_fields_are_generated(accepted_bundle, people):  # noqa: F811
    parent = restaurant(accepted_bundle)
    approve_everything(parent, people)
    drafts = drafts_of(parent)
    today = filling.chinese_date(timezone.localdate())
    assert drafts["L-GTYYZZ"].data["注册日期"] == today
    food = drafts["L-SPJYXKZ"]
    assert food.data["许可证编号"] == food.number
    assert food.data["有效期至"] == filling.chinese_date(food.valid_until)  # five years
    sign = drafts["L-HWGGSZXK"]
    assert sign.data["设置期限"] == f"{today}至{filling.chinese_date(sign.valid_until)}"
    assert sign.data["决定书编号"] == sign.number
    assert drafts["L-XFAQJC"].data["文书编号"] == drafts["L-XFAQJC"].number
    assert food.field_sources["许可证编号"] == {"kind": "decision", "from": "@编号"}


def test_the_new_business_gets_one_valid_credit_code_the_later_licences_repeat(
    accepted_bundle,  # noqa: F811
    people,  # noqa: F811
):
    parent = restaurant(accepted_bundle)
    approve_everything(parent, people)
    drafts = drafts_of(parent)
    business = drafts["L-GTYYZZ"]
    code = business.data["统一社会信用代码"]
    assert uscc.is_valid(code)
    assert code.startswith("92990101")  # 市场监管 · 个体工商户 · the district 990101
    assert business.field_sources["统一社会信用代码"] == {"kind": "decision", "from": "@新信用代码"}
    # The later stages see the new licence: name and code come from it, not typed again.
    food = drafts["L-SPJYXKZ"]
    assert food.data["统一社会信用代码"] == code and food.data["经营者名称"] == SHOP
    assert food.field_sources["经营者名称"] == {"kind": "earlier", "from": business.number}
    assert drafts["L-HWGGSZXK"].data["申请单位"] == SHOP


def test_the_issuer_sees_where_each_field_came_from_and_only_confirms(
    accepted_bundle,  # noqa: F811
    people,  # noqa: F811
    client,
):
    parent = restaurant(accepted_bundle)
    approve_everything(parent, people)
    food = drafts_of(parent)["L-SPJYXKZ"]
    business = drafts_of(parent)["L-GTYYZZ"]
    client.force_login(people["chief"])  # 市场监管局负责人: issues the 食品经营许可证
    page = client.get(f"/workbench/licenses/{food.pk}/").content.decode()
    assert "申请表" in page and "系统生成" in page
    assert f"前序事项证照 {business.number}" in page
    assert "所有照面字段均已由办件带出" in page and "待填写" not in page
    response = client.post(f"/workbench/licenses/{food.pk}/confirm/")
    assert response.status_code == 302
    food.refresh_from_db()
    assert food.final and services.verify(food.payload).status == "valid"


def test_a_field_nothing_fills_is_left_for_the_issuer_and_said_so(
    accepted_bundle,  # noqa: F811
    people,  # noqa: F811
    client,
):
    parent = restaurant(accepted_bundle)
    fire = parent.children.get(item_version__item__code="XFJ-XK-0001")
    fire.form_data = {k: v for k, v in fire.form_data.items() if k != "venue_use"}
    fire.save(update_fields=["form_data"])
    parent.form_data = {k: v for k, v in parent.form_data.items() if k != "venue_use"}
    parent.save(update_fields=["form_data"])
    approve_everything(parent, people)
    licence = drafts_of(parent)["L-XFAQJC"]
    assert licence.data["使用性质"] == "" and "使用性质" not in licence.field_sources
    client.force_login(people["head-xfj"])
    page = client.get(f"/workbench/licenses/{licence.pk}/").content.decode()
    assert "待填写 1 项" in page.replace("\n", "")
    services.confirm(licence.pk, by=people["head-xfj"], data={"使用性质": "餐饮场所"})
    licence.refresh_from_db()
    assert licence.field_sources["使用性质"] == {"kind": "issuer"}


def _draft_queries(case_pk, by) -> int:
    License.objects.filter(case_id=case_pk).delete()
    case = Case.objects.get(pk=case_pk)  # nothing cached from the run before
    with CaptureQueriesContext(connection) as queries:
        services.issue_for_case(case, by=by)
    return len(queries)


def test_drafting_costs_the_same_whatever_the_number_of_fields(accepted_bundle, people):  # noqa: F811
    parent = restaurant(accepted_bundle)
    main = child(parent, MAIN)
    definition.for_version(main.item_version)  # compiled once per process, not per draft
    _draft_queries(main.pk, people["chief"])  # the year's number counters exist from now on
    seven = _draft_queries(main.pk, people["chief"])
    kind = LicenseType.objects.get(code="L-GTYYZZ")
    kind.fields += ["字号", "经营者住所", "联系电话"]
    kind.field_elements += ["shop_name", "premises", "contact_phone"]
    kind.save()
    assert _draft_queries(main.pk, people["chief"]) == seven
    assert License.objects.get(case=main).data["字号"] == SHOP


def test_the_licence_is_drafted_after_the_decision_at_a_fixed_cost(
    accepted_bundle,  # noqa: F811
    people,  # noqa: F811
    django_assert_num_queries,
):
    """Concluding an item is the journey's command (its statements are pinned in
    tests/journey/workflow/test_budgets.py); drafting its licence follows the commit, run
    by the journey's subscriber to case.concluded (workflow.handlers)."""
    parent = restaurant(accepted_bundle)
    main = child(parent, MAIN)
    first = ApprovalTask.objects.get(case=main, status="pending")
    workflow.complete(first.pk, by=people["approver"], decision="approve")
    last = ApprovalTask.objects.get(case=main, status="pending")
    definition.for_version(main.item_version)
    with TestCase.captureOnCommitCallbacks() as after_commit:
        workflow.complete(last.pk, by=people["chief"], decision="approve")
    assert not License.objects.filter(case=main).exists()
    # 34 to draft the licence (type, holder, the year's two new counters: number and
    # credit code, earlier licences, insert, audit), the rest to link the two materials it
    # produces (one update, timeline, audit) and to mark the event's delivery done. None of
    # it grows with the number of 照面字段 (test above).
    with django_assert_num_queries(DRAFT_STATEMENTS):
        for callback in after_commit:
            callback()
    assert License.objects.filter(case=main).exists()


DRAFT_STATEMENTS = 43
