"""Reading the 12345 line (docs/hotline.md, "Appeals: the line's only door"): the
dispatcher's and the units' queues, an appeal's timeline, a caller's history, and finding
one appeal for a citizen, a tracking key or a staff member. Lists are scoped by the policy
(policy_rules.py), read their related rows in the same statement, and are paginated by
their callers."""

import hmac

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import Http404

from yiwang.identity import crypto, policy
from yiwang.identity.roles import Role
from yiwang.identity.validators import validate_phone

from .models import Appeal, AppealEntry, AppealStatus, AppealUnit, Resolution

RELATED = ("subject", "subject__parent", "lead_unit", "area")


def _listed(queryset: QuerySet, status) -> QuerySet:
    if status:
        statuses = [status] if isinstance(status, str) else list(status)
        queryset = queryset.filter(status__in=statuses)
    return queryset.select_related(*RELATED).order_by("-received_at", "-id")


def for_dispatcher(user, *, status=None) -> QuerySet[Appeal]:
    """The appeals the user may dispatch (the whole line for a dispatcher), newest first;
    `status` one status or several."""
    return _listed(policy.scope(user, Appeal.objects.all(), "hotline.dispatch"), status)


def for_unit(user, *, status=None) -> QuerySet[Appeal]:
    """The appeals where one of the user's units (as a handler) is a current unit, lead or
    assisting, newest first."""
    units = policy.scope(
        user, AppealUnit.objects.filter(is_current=True), "hotline.handle", roles={Role.HANDLER}
    )
    return _listed(Appeal.objects.filter(pk__in=units.values("appeal_id")), status)


def timeline(appeal: Appeal, *, public: bool) -> list[AppealEntry]:
    """The appeal's timeline, oldest first; `public` (the citizen's view, the tracking page)
    leaves out the internal entries (notes, return reasons, reviews, opinions)."""
    entries = AppealEntry.objects.filter(appeal_id=appeal.pk)
    if public:
        entries = entries.filter(internal=False)
    return list(entries.select_related("actor", "org").order_by("at", "id"))


def reply_shown(appeal: Appeal) -> bool:
    """Whether the appeal's reply is its public answer: once the dispatcher approved it (or
    an agent answered on the spot). While a reopened appeal is handled again, `reply` holds
    the unit's new reply, which nobody outside the line reads before it is approved
    (docs/hotline.md, "Who sees what") — on the citizen's pages, the API and Open311."""
    if appeal.status == AppealStatus.ANSWERED:
        return bool(appeal.reply)
    if appeal.status == AppealStatus.CLOSED:
        return bool(appeal.reply) and (
            appeal.answered_at is not None or appeal.resolution == Resolution.DIRECT
        )
    return False


def caller_history(phone: str, *, limit=10) -> list[Appeal]:
    """A caller's last appeals by phone number (the agent's console), newest first; nothing
    for a number that is not a mainland mobile number."""
    try:
        phone = validate_phone(phone)
    except ValidationError:
        return []
    limit = max(1, min(int(limit), 100))
    return list(
        Appeal.objects.filter(phone_index=crypto.blind_index(phone))
        .select_related(*RELATED)
        .order_by("-received_at", "-id")[:limit]
    )


def caller_visible_to(user, appeal: Appeal) -> bool:
    """Whether the user may see who called: anyone who may view the appeal, except that on
    a confidential 举报 only the line's agents and dispatchers (and the caller) do — never
    the handling units."""
    if not policy.can(user, "hotline.view", appeal):
        return False
    if not appeal.confidential or (appeal.citizen_id and appeal.citizen_id == user.pk):
        return True
    return policy.can(user, "hotline.record", appeal)


def _id(number) -> int | None:
    pk = Appeal.id_of_number(number)
    return pk if pk is not None and pk < 2**63 else None


def _matches(appeal: Appeal | None, number) -> Appeal | None:
    """The appeal if its full number (day and id) is the one given."""
    return appeal if appeal is not None and appeal.number == str(number).strip() else None


def appeal_for_citizen(user, number) -> Appeal:
    """The citizen's own appeal by its number; 404 for anyone else's or none."""
    pk = _id(number)
    if pk is None or not policy.is_authenticated(user):
        raise Http404
    appeal = Appeal.objects.select_related(*RELATED).filter(pk=pk, citizen_id=user.pk).first()
    if _matches(appeal, number) is None:
        raise Http404
    return appeal


def appeal_by_token(number, token) -> Appeal | None:
    """The appeal whose number and tracking key (shown once at intake) are given."""
    pk = _id(number)
    if pk is None or not token or len(str(token)) > 200:
        return None
    appeal = Appeal.objects.select_related(*RELATED).filter(pk=pk).first()
    if appeal is None or not hmac.compare_digest(Appeal.hash_token(str(token)), appeal.token_hash):
        return None
    return _matches(appeal, number)


def appeal_for_tracking(number, phone) -> Appeal | None:
    """The appeal with this number filed from this phone (tracking without an account;
    the page rate-limits it)."""
    pk = _id(number)
    try:
        phone = validate_phone(phone)
    except ValidationError:
        return None
    if pk is None:
        return None
    appeal = (
        Appeal.objects.select_related(*RELATED)
        .filter(pk=pk, phone_index=crypto.blind_index(phone))
        .first()
    )
    return _matches(appeal, number)


def load_for(user, action, pk) -> Appeal:
    """One appeal for a staff page or the API, with `policy.require(user, action)`: 404 to
    whoever may not see it, 403 to who may see it but not do this."""
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise Http404 from None
    appeal = Appeal.objects.select_related(*RELATED).filter(pk=pk).first()
    if appeal is None:
        raise Http404
    policy.require(user, action, appeal)
    return appeal


def units(appeal: Appeal, *, current_only: bool = False) -> list[AppealUnit]:
    """The units the appeal went to (lead first), with their orgs."""
    rows = AppealUnit.objects.filter(appeal_id=appeal.pk).select_related("org")
    if current_only:
        rows = rows.filter(is_current=True)
    return list(rows.order_by("-is_current", "-role", "id"))
