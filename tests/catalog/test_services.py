"""Versions and publishing through catalog.services: one place to manage, one to publish."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from yiwang.catalog import exchange, services
from yiwang.catalog.models import ItemVersion, Theme, VersionStatus
from yiwang.core.machines import TransitionError


def test_start_draft_copies_materials_steps_and_themes_in_order(small_item, catalog_admin):
    published = small_item.published
    draft = services.start_draft(small_item.pk, by=catalog_admin)
    assert (draft.number, draft.status, draft.source) == (2, VersionStatus.DRAFT, "editor")
    assert exchange.material_rows(draft) == exchange.material_rows(published)
    assert exchange.step_rows(draft) == exchange.step_rows(published)
    assert exchange.item_row(draft) == exchange.item_row(published)  # themes in their order
    assert draft.name_en == "Company establishment registration"
    assert draft.materials.count() > 0 and draft.steps.count() > 0


def test_one_open_draft_per_item(small_item, catalog_admin):
    first = services.start_draft(small_item.pk, by=catalog_admin)
    again = services.start_draft(small_item.pk, by=catalog_admin)
    assert again.pk == first.pk
    assert small_item.versions.filter(status=VersionStatus.DRAFT).count() == 1


def test_update_draft_refuses_promised_above_statutory_and_saves_nothing(small_item, catalog_admin):
    draft = services.start_draft(small_item.pk, by=catalog_admin)
    with pytest.raises(ValidationError) as caught:
        services.update_draft(
            draft.pk,
            by=catalog_admin,
            fields={"statutory_days": 5, "promised_days": 9, "name": "新名"},
        )
    assert caught.value.message_dict["promised_days"] == ["承诺时限不能超过法定时限。"]
    draft.refresh_from_db()
    assert draft.name == small_item.published.name


def test_submit_and_publish_retire_the_previous_version(
    small_item, catalog_admin, catalog_reviewer
):
    old = small_item.published
    draft = services.start_draft(small_item.pk, by=catalog_admin)
    services.update_draft(
        draft.pk, by=catalog_admin, fields={"name": "企业设立登记（新）", "fee": "每件5元"}
    )
    services.submit(draft.pk, by=catalog_admin)
    services.publish(draft.pk, by=catalog_reviewer)

    small_item.refresh_from_db()
    old.refresh_from_db()
    assert small_item.published.pk == draft.pk and small_item.published.name == "企业设立登记（新）"
    assert old.status == VersionStatus.RETIRED and old.retired_at is not None
    assert small_item.published.reviewed_by == catalog_reviewer
    assert old.name == "企业设立登记"  # history is kept as it was


def test_return_needs_a_comment_and_goes_back_to_draft(small_item, catalog_admin, catalog_reviewer):
    draft = services.start_draft(small_item.pk, by=catalog_admin)
    services.submit(draft.pk, by=catalog_admin)
    with pytest.raises(ValidationError):
        services.return_to_draft(draft.pk, by=catalog_reviewer, comment="  ")
    services.return_to_draft(draft.pk, by=catalog_reviewer, comment="收费标准写法不规范")
    draft.refresh_from_db()
    assert draft.status == VersionStatus.DRAFT and draft.review_comment == "收费标准写法不规范"


def test_only_admins_edit_and_only_reviewers_publish(
    small_item, catalog_admin, catalog_reviewer, user_named
):
    with pytest.raises(PermissionDenied):  # a catalog_reviewer can see drafts, so 403 not 404
        services.start_draft(small_item.pk, by=catalog_reviewer)
    draft = services.start_draft(small_item.pk, by=catalog_admin)
    services.submit(draft.pk, by=catalog_admin)
    with pytest.raises(PermissionDenied):
        services.publish(draft.pk, by=catalog_admin)
    with pytest.raises(Http404):  # a clerk does not even learn that drafts exist
        services.publish(draft.pk, by=user_named("clerk"))
    services.publish(draft.pk, by=catalog_reviewer)


def test_forbidden_transitions_raise(small_item, catalog_admin, catalog_reviewer):
    draft = services.start_draft(small_item.pk, by=catalog_admin)
    with pytest.raises(TransitionError):
        services.publish(draft.pk, by=catalog_reviewer)  # a draft is not published without review
    with pytest.raises(TransitionError):
        services.return_to_draft(draft.pk, by=catalog_reviewer, comment="?")
    services.submit(draft.pk, by=catalog_admin)
    with pytest.raises(TransitionError):
        services.submit(draft.pk, by=catalog_admin)
    services.publish(draft.pk, by=catalog_reviewer)
    with pytest.raises(TransitionError):
        services.publish(draft.pk, by=catalog_reviewer)
    with pytest.raises(ValidationError):
        services.update_draft(draft.pk, by=catalog_admin, fields={"name": "改不了"})


def test_materials_and_steps_are_replaced_in_order(small_item, catalog_admin):
    draft = services.start_draft(small_item.pk, by=catalog_admin)
    first, *rest = list(draft.materials.all())
    materials = [{"id": m.pk, "name": m.name} for m in rest[::-1]] + [
        {"name": "补充说明", "kind": "原件", "copies": 1, "medium": "纸质"}
    ]
    services.replace_materials(draft.pk, by=catalog_admin, materials=materials)
    names = list(draft.materials.values_list("name", flat=True))
    assert names == [m.name for m in rest[::-1]] + ["补充说明"]
    assert list(draft.materials.values_list("seq", flat=True)) == list(range(1, len(names) + 1))
    services.replace_steps(
        draft.pk, by=catalog_admin, steps=[{"name": "受理", "role": "前台受理员", "days": 0}]
    )
    assert [(s.seq, s.name) for s in draft.steps.all()] == [(1, "受理")]
    assert ItemVersion.objects.get(pk=small_item.published.pk).materials.count() == len(rest) + 1


def test_themes_keep_their_order_through_an_edit(small_item, catalog_admin):
    draft = services.start_draft(small_item.pk, by=catalog_admin)
    a, b = Theme.objects.get(name="准营准办"), Theme.objects.get(name="设立变更")
    services.update_draft(draft.pk, by=catalog_admin, fields={}, m2m={"themes": [a, b]})
    assert exchange.item_row(draft)["主题分类"] == "准营准办;设立变更"


@pytest.fixture
def item_with_form(demo):
    """企业设立登记 published with a six-field form (tests/catalog/test_exchange.py)."""
    from yiwang.catalog.models import ServiceItem

    from .test_exchange import form_sheets

    exchange.import_sheets(form_sheets())
    return ServiceItem.objects.get(code="SCJ-XK-0001")


def test_the_diff_names_added_changed_removed_and_reordered_fields(item_with_form, catalog_admin):
    from yiwang.catalog import diff
    from yiwang.forms import services as forms

    published = item_with_form.published
    draft = services.start_draft(item_with_form.pk, by=catalog_admin)
    assert [c for c in diff.diff(published, draft) if c.section == "申请表"] == []
    rows = [{"id": f.pk} for f in draft.form_fields.order_by("seq")]
    rows[0]["label"] = "企业名称（拟）"
    del rows[1]  # 法定代表人
    rows[1], rows[2] = rows[2], rows[1]  # 网店网址 before 经营形式
    rows.append(
        {
            "key": "remark",
            "label": "备注",
            "kind": "long_text",
            "required": False,
            "section": "其他",
        }
    )
    services.replace_form(draft.pk, by=catalog_admin, rows=rows)
    assert [r["seq"] for r in forms.field_rows(draft)] == [1, 2, 3, 4, 5, 6]

    changes = {c.field: c for c in diff.diff(published, draft) if c.section == "申请表"}
    assert set(changes) == {
        "企业名称（拟）（company_name）",
        "法定代表人（legal_rep）",
        "备注（remark）",
        "字段顺序",
    }
    assert "字段名称:拟设企业名称" in changes["企业名称（拟）（company_name）"].old
    assert changes["法定代表人（legal_rep）"].new == ""
    assert (
        changes["备注（remark）"].old == "" and "字段类型:长文本" in changes["备注（remark）"].new
    )
    assert changes["字段顺序"].new.startswith(
        "企业名称（拟）（company_name）、网店网址（web_address）"
    )


def test_only_a_draft_form_changes_and_only_by_a_catalogue_admin(item_with_form, catalog_admin):
    from django.core.exceptions import PermissionDenied

    from yiwang.identity.models import User

    published = item_with_form.published
    with pytest.raises(ValidationError, match="只有草稿可以修改"):
        services.replace_form(published.pk, by=catalog_admin, rows=[])
    draft = services.start_draft(item_with_form.pk, by=catalog_admin)
    with pytest.raises(PermissionDenied):
        services.replace_form(draft.pk, by=User.objects.get(username="catalog-reviewer"), rows=[])
    assert draft.form_fields.count() == published.form_fields.count() == 6


def test_saving_a_draft_form_costs_a_fixed_number_of_statements(
    item_with_form, catalog_admin, django_assert_max_num_queries
):
    draft = services.start_draft(item_with_form.pk, by=catalog_admin)
    rows = [{"id": f.pk} for f in draft.form_fields.all()]
    # lock, stored rows, dictionary (3), delete, insert, the audit event (1), savepoints
    with django_assert_max_num_queries(14):
        services.replace_form(draft.pk, by=catalog_admin, rows=rows)
    assert draft.form_fields.count() == 6
