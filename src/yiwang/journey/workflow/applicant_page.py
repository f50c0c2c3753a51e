"""What the applicant's own case page (cases app, 我的办件) shows of approval's result: the
decision documents, the delivery and the choice of it, and the progress lines."""

from django.urls import reverse

from yiwang.journey.cases.models import Status

from . import delivery, documents, position, selectors
from .forms import DeliveryForm
from .models import DeliveryMethod, DeliveryStatus


def decision_url(case) -> str | None:
    if documents.has_decision(case):
        return reverse("case_decision", args=[case.pk])
    return None


def delivery_context(case, user) -> dict:
    """What the applicant's case page shows of the result: decisions, delivery, the form."""
    items = list(case.children.all()) or [case]
    result = selectors.delivery_of(case)
    open_statuses = {Status.ACCEPTED, Status.IN_REVIEW, Status.SUSPENDED}
    may_choose = (
        case.applicant_id == user.pk
        and case.parent_id is None
        and case.status not in delivery.NOT_DELIVERABLE
        and (case.status in open_statuses or case.status in documents.DECIDED)
        and (result is None or result.status != DeliveryStatus.DELIVERED)
    )
    initial = {"method": result.method if result else DeliveryMethod.PICKUP}
    if result:
        initial.update(recipient=result.recipient, phone=result.phone, address=result.address)
    return {
        "decisions": [(item, decision_url(item)) for item in items if decision_url(item)],
        "delivery": result,
        "may_choose_delivery": may_choose,
        "delivery_form": DeliveryForm(initial=initial),
        "progress": list(selectors.case_progress(case)),
        "position": position.of_journey(case),
    }
