"""好差评 of a window's service (docs/halls.md, "Ratings"): after service the citizen rates
it on the tablet at the window or on their phone, on the same page, reached by the ticket's
token (`/hall/rate/<token>/`, no login). A ticket is rated once, and only when its service
is done.

The rating itself is feedback's (`feedback.services.rate_ticket`: the five levels, the
reasons of a bad one, its rectification); this module finds and locks the ticket and says
whom the rating counts for — the window and its staff member (on the ticket), the
responsible department and the hall. halls imports feedback, never the other way round
(both sit in the reactions layer, tests/test_layering.py)."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.utils.translation import gettext as _

from yiwang.feedback import services as feedback
from yiwang.feedback.models import Evaluation

from .models import Ticket
from .models import TicketStatus as T


def ticket_to_rate(token: str) -> Ticket:
    """The ticket of a rating page; 404 for a token we never gave."""
    ticket = (
        Ticket.objects.select_related("hall__org", "window", "category", "served_by")
        .filter(token_hash=Ticket.hash_token(token))
        .first()
    )
    if ticket is None:
        raise Http404
    return ticket


def rating_of(ticket: Ticket) -> Evaluation | None:
    return Evaluation.objects.filter(ticket_id=ticket.pk).first()


def _require_served(ticket: Ticket) -> None:
    if ticket.status != T.DONE:
        raise ValidationError(_("办理结束后才能评价这次服务。"), code="not_served")


def check_rateable(ticket: Ticket) -> None:
    """Raise unless the ticket's service is over and not rated yet."""
    _require_served(ticket)
    if Evaluation.objects.filter(ticket_id=ticket.pk).exists():
        raise ValidationError(_("这次服务已经评价过了，谢谢您。"), code="already_rated")


def responsible_department(ticket: Ticket):
    """The department a window's rating counts for: that of the case handled at the window,
    else the one department all the category's items belong to; none when they belong to
    several (the rating then answers to the hall's centre: feedback gives the
    rectification to the place when there is no department)."""
    if ticket.case_id:
        case = ticket.case
        if case.department_id:
            return case.department
    departments = list(
        ticket.category.items.exclude(published__isnull=True)
        .order_by()
        .values_list("published__department", flat=True)
        .distinct()[:2]
    )
    if len(departments) == 1 and departments[0] is not None:
        from yiwang.identity.models import OrgUnit

        return OrgUnit.objects.filter(pk=departments[0]).first()
    return None


@transaction.atomic
def rate_ticket(token: str, *, level, reasons=(), comment: str = "") -> Evaluation:
    """Rate the service of the ticket the token stands for (the printed ticket's QR code or
    the window's tablet): once, and only when it is done."""
    ticket = (
        Ticket.objects.select_for_update(of=("self",))
        .select_related("hall__org", "window", "category", "case__department", "citizen")
        .filter(token_hash=Ticket.hash_token(token))
        .first()
    )
    if ticket is None:
        raise Http404
    _require_served(ticket)  # feedback refuses a second rating
    return feedback.rate_ticket(
        ticket,
        level=level,
        reasons=reasons,
        comment=comment,
        department=responsible_department(ticket),
        place=ticket.hall.org,
        item=None,
    )
