"""Results: ready on approval, handed over at the window or shipped with a tracking number
that the applicant sees in the timeline."""

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404

from tests.statements import exactly, fresh
from yiwang.core.machines import TransitionError
from yiwang.journey.workflow import delivery, selectors, services
from yiwang.journey.workflow.models import ApprovalTask, DeliveryStatus, ResultDelivery


def approve_all(case, people):
    for who in ("approver", "chief"):
        task = ApprovalTask.objects.get(case=case, status__in=["pending", "active"])
        services.complete(task.pk, by=people[who], decision="approve")
    case.refresh_from_db()


def hand_over(case, by):
    """The applicant collects: the last four digits checked, a signature on the pad."""
    from .signatures import png

    number = case.applicant.reveal_id_number()[-4:]
    return delivery.hand_over(
        case.pk, by=by, id_number=number, confirmation="signature", signature=png()
    )


def test_pickup_is_ready_on_approval_and_handed_over_by_the_issuer(accepted_case, people):
    case = accepted_case()
    approve_all(case, people)
    result = case.delivery
    assert (result.status, result.method) == (DeliveryStatus.READY, "pickup")
    assert list(selectors.result_queue(people["issuer"])) == [result]
    assert selectors.can_view_case(people["issuer"], case)
    with pytest.raises(Http404):
        hand_over(case, people["approver"])
    hand_over(case, people["issuer"])
    result.refresh_from_db()
    assert result.status == DeliveryStatus.DELIVERED and result.delivered_by == people["issuer"]
    with pytest.raises(ValidationError):
        hand_over(case, people["issuer"])


def test_mail_chosen_during_review_is_shipped_with_a_tracking_number(accepted_case, people):
    case = accepted_case()
    with pytest.raises(ValidationError, match="收件人"):
        delivery.choose_delivery(case.pk, by=people["citizen"], method="mail")
    with pytest.raises(Http404):
        delivery.choose_delivery(case.pk, by=people["citizen2"], method="pickup")
    chosen = delivery.choose_delivery(
        case.pk,
        by=people["citizen"],
        method="mail",
        recipient="张三",
        phone="13800000001",
        address="示例市示范区人民路1号",
    )
    assert chosen.status == DeliveryStatus.PENDING
    approve_all(case, people)
    with pytest.raises(ValidationError, match="邮寄送达"):
        hand_over(case, people["issuer"])
    shipped = delivery.ship(case.pk, by=people["issuer"])
    assert shipped.tracking_number.startswith("YWKD") and len(shipped.tracking_number) == 18
    notes = [e.note for e in selectors.case_progress(case)]
    assert any(shipped.tracking_number in n for n in notes)


def test_a_bundle_has_one_delivery_for_the_whole_journey(accepted_bundle, people):
    from .test_services import HANDLERS, approve_main, child, finish

    parent = accepted_bundle()
    approve_main(parent, people)
    for code, (reviewer, head) in HANDLERS.items():
        finish(child(parent, code), people[reviewer], people[head])
    parent.refresh_from_db()
    assert parent.delivery.status == DeliveryStatus.READY
    assert not parent.children.filter(delivery__isnull=False).exists()
    hand_over(parent, people["issuer"])


def test_a_partly_denied_bundle_still_lets_the_applicant_choose_mail(accepted_bundle, people):
    from .test_services import HANDLERS, approve_main, child, finish, open_task

    parent = accepted_bundle()
    approve_main(parent, people)
    (denied_code, (reviewer, _head)), *approved = HANDLERS.items()
    services.complete(
        open_task(child(parent, denied_code)).pk,
        by=people[reviewer],
        decision="deny",
        opinion="经营场所不符合要求",
    )
    for code, (reviewer, head) in approved:
        finish(child(parent, code), people[reviewer], people[head])
    parent.refresh_from_db()
    assert parent.status == "denied"  # the journey as a whole
    chosen = delivery.choose_delivery(
        parent.pk,
        by=parent.applicant,
        method="mail",
        recipient="张三",
        phone="13800000001",
        address="示范区人民路1号",
    )
    assert chosen.method == "mail" and chosen.status == DeliveryStatus.READY


def test_a_result_not_ready_or_already_delivered_is_not_delivered_again(accepted_case, people):
    """出件 follows pending → ready → delivered: shipping a result still under review, or
    handing over one already collected, is refused and changes nothing."""
    case = accepted_case()
    delivery.choose_delivery(
        case.pk,
        by=people["citizen"],
        method="mail",
        recipient="张三",
        phone="13800000001",
        address="示例市示范区人民路1号",
    )
    with pytest.raises(TransitionError) as refused:
        delivery.ship(case.pk, by=people["issuer"])
    assert refused.value.code == "invalid_delivery_transition"
    assert str(refused.value) == "出件状态“待办结”，不能变为“已送达”。"
    case.delivery.refresh_from_db()
    assert (case.delivery.status, case.delivery.tracking_number) == (DeliveryStatus.PENDING, "")
    approve_all(case, people)
    delivery.ship(case.pk, by=people["issuer"])
    shipped = ResultDelivery.objects.get(case=case)
    with pytest.raises(TransitionError):
        delivery.ship(case.pk, by=people["issuer"])
    again = ResultDelivery.objects.get(case=case)
    assert (again.status, again.tracking_number, again.delivered_at) == (
        DeliveryStatus.DELIVERED,
        shipped.tracking_number,
        shipped.delivered_at,
    )


# --- statement budgets (tests/statements.py) ---------------------------------------------------

MAIL = {"recipient": "张三", "phone": "13800000001", "address": "示例市示范区人民路1号"}


def test_choosing_mail_and_shipping_cost_a_fixed_number_of_statements(accepted_case, people):
    case, citizen, issuer = accepted_case(), people["citizen"], people["issuer"]
    fresh(citizen)
    # Savepoint, the journey locked with its delivery (one statement, aggregate.for_case);
    # the delivery created (or updated), the timeline line, the audit event. It was 11.
    with exactly(6, "choose_delivery"):
        delivery.choose_delivery(case.pk, by=citizen, method="mail", **MAIL)
    approve_all(case, people)
    fresh(issuer)
    # Savepoint, the journey locked with its delivery and sending centre (one statement),
    # the issuer's grants; the day's first tracking number creates the courier's counter
    # row (get_or_create in a savepoint, then locked and moved on: 8 statements); the
    # delivery, the timeline line, the audit and the domain event. It was 19.
    with exactly(16, "ship"):
        delivery.ship(case.pk, by=issuer)
