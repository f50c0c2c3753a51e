"""What feedback does when a journey ends (docs/events.md, "Subscribers").

好差评 (GB/T 39734-2020): the applicant is invited to rate the service in the notice of the
decision itself — a refusal (不予受理) or a journey's conclusion (办结) — so this subscriber
sends that notice, with the core's words (cases.services.decision_notice) and a rating link
that works without logging in. Each link is a new random token (services.rating_token), so
the handler is not idempotent by itself: the event's delivery row (core.events) makes it
run to completion once per event."""

from django.utils.translation import gettext as _

from yiwang.core.events import subscribe
from yiwang.journey.cases import services as cases
from yiwang.journey.cases.models import Case

from .services import rating_url

NAME = "feedback.invite_to_rate"


def _journey(payload: dict) -> bool:
    """A bundle's items conclude silently: the journey (its parent) is rated once."""
    return payload.get("parent") is None


@subscribe("case.refused", name=NAME)
@subscribe("case.concluded", name=NAME, when=_journey)
def invite_to_rate(event) -> None:
    case = Case.objects.select_related("applicant").get(pk=event.aggregate_id)
    subject, body = cases.decision_notice(
        case, event.payload.get("outcome", event.payload["status"])
    )
    body += _("请对本次服务作出评价：%(url)s") % {"url": rating_url(case)}
    cases.notify_applicant(case, subject, body)
