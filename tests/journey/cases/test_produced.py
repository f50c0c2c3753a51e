"""The business licence the first item of 开办餐饮店一件事 produces is a material of the later
items: once the first item is approved, the staff of the later stages see the new licence
among the materials, and the journey's timeline and the audit trail say where it came from."""

from tests.journey.workflow.conftest import MAIN, accepted_bundle, catalog, people  # noqa: F401
from tests.licenses.restaurant import PRODUCED, child, finish, restaurant
from yiwang.audit.models import AuditEvent
from yiwang.journey.cases import produced
from yiwang.journey.cases.models import CaseMaterial
from yiwang.journey.workflow.models import ApprovalTask
from yiwang.licenses.models import License


def test_the_later_items_materials_are_linked_to_the_new_licence(accepted_bundle, people):  # noqa: F811
    parent = restaurant(accepted_bundle)
    waiting = parent.materials.filter(name__in=PRODUCED)
    assert all(m.license_id is None for m in waiting)

    finish(child(parent, MAIN), people)

    licence = License.objects.get(case=child(parent, MAIN))
    assert licence.license_type.code == "L-GTYYZZ"
    for material in parent.materials.filter(name__in=PRODUCED):
        assert material.license == licence
        assert material.state == CaseMaterial.State.FROM_EARLIER_ITEM
        assert "《个体工商户设立登记》" in material.note and licence.number in material.note
    event = parent.events.get(action="material_produced")
    assert licence.number in event.note and "营业执照" in event.note
    audit = AuditEvent.objects.get(action="case.material_from_earlier_item")
    assert audit.object_id == str(parent.pk) and audit.summary["license"] == licence.number


def test_the_next_department_sees_the_licence_on_its_task_page(accepted_bundle, people, client):  # noqa: F811
    parent = restaurant(accepted_bundle)
    finish(child(parent, MAIN), people)
    licence = License.objects.get(case=child(parent, MAIN))
    task = ApprovalTask.objects.get(case=child(parent, "CGW-XK-0001"), status="pending")
    client.force_login(people["reviewer-cgw"])
    page = client.get(f"/workbench/tasks/{task.pk}/").content.decode()
    assert licence.number in page and "前序事项已办结" in page
    assert "待发证机关确认制证" in page


def test_linking_twice_or_for_another_item_changes_nothing(accepted_bundle, people):  # noqa: F811
    parent = restaurant(accepted_bundle)
    main = child(parent, MAIN)
    finish(main, people)
    licence = License.objects.get(case=main)
    assert produced.earlier_item_concluded(main, licence) == []
    food = child(parent, "SCJ-XK-0008")  # no material names it as its producer
    assert produced.earlier_item_concluded(food, licence) == []
    assert produced.earlier_item_concluded(main, None) == []
    assert parent.events.filter(action="material_produced").count() == 1
