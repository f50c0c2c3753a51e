import pytest
from django.core.exceptions import ValidationError

from yiwang.catalog import services
from yiwang.catalog.models import ServiceItem


def test_faqs_and_walkthrough_are_edited_on_a_draft_and_published_together(
    demo_catalog, user_named
):
    admin, reviewer = user_named("catalog-admin"), user_named("catalog-reviewer")
    item = ServiceItem.objects.get(code="CLJ-GG-0001")
    draft = services.start_draft(item.pk, by=admin)
    assert draft.faqs.count() == item.published.faqs.count() == 2  # copied from published

    with pytest.raises(ValidationError):
        services.replace_faqs(draft.pk, by=admin, faqs=[{"question": "要带照片吗？"}])
    services.replace_faqs(
        draft.pk,
        by=admin,
        faqs=[{"question": "要带照片吗？", "answer": "需要近期一寸免冠照片两张。"}],
    )
    services.replace_guide_steps(
        draft.pk,
        by=admin,
        steps=[{"title": "预约评残", "detail": "在网上预约评定医院的时间。"}, {"title": ""}],
    )
    services.submit(draft.pk, by=admin)
    services.publish(draft.pk, by=reviewer)

    item.refresh_from_db()
    assert [f.question for f in item.published.faqs.all()] == ["要带照片吗？"]
    assert [g.title for g in item.published.guide_steps.all()] == ["预约评残"]
    old = item.versions.get(number=1)
    assert old.status == "retired" and old.faqs.count() == 2  # history keeps the old answers


def test_a_library_material_needs_its_licence_type(demo_catalog, user_named):
    admin = user_named("catalog-admin")
    draft = services.start_draft(ServiceItem.objects.get(code="CLJ-GG-0001").pk, by=admin)
    with pytest.raises(ValidationError, match="证照类型"):
        services.replace_materials(
            draft.pk,
            by=admin,
            materials=[{"name": "居民身份证", "source": "电子证照库", "license_type": None}],
        )
