"""督办 on the 12345 line (docs/hotline.md, "Supervision, hotspots and the weekly report"):
overdue and returned appeals, and the supervision order (督办单) a supervisor issues about
one to the unit that holds it — the same order, deadline and answer as for a case
(supervision.orders), linked to the appeal by AppealOrder on this side, so supervision
never reads appeals.

Overdue: an appeal in a unit's hands (dispatched, handling, replied) past its `due_on`.
Returned: an appeal back with the dispatcher (pending) after at least one return (退单);
its order goes to the unit that last returned it."""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Prefetch, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from yiwang.identity import policy
from yiwang.identity.models import OrgUnit
from yiwang.supervision import orders
from yiwang.supervision.models import SupervisionOrder

from .models import (
    Appeal,
    AppealEntry,
    AppealOrder,
    AppealStatus,
    AppealUnit,
    EntryKind,
    UnitRole,
)

SUPERVISE = "hotline.supervise"
HANDLED = (AppealStatus.DISPATCHED, AppealStatus.HANDLING, AppealStatus.REPLIED)
OVERDUE, RETURNED = "overdue", "returned"
LISTS = (OVERDUE, RETURNED)


def today() -> datetime.date:
    from . import services

    return services.today()


def may_supervise(user) -> bool:
    return policy.can(user, SUPERVISE)


def listed(user, which: str, *, day: datetime.date | None = None) -> QuerySet[Appeal]:
    """The overdue appeals (most overdue first: the partial index on due_on) or the
    returned ones (oldest first), in the user's scope, with their open orders."""
    day = day or today()
    appeals = policy.scope(user, Appeal.objects.all(), SUPERVISE)
    if which == RETURNED:
        appeals = appeals.filter(status=AppealStatus.PENDING, returns__gt=0).order_by(
            "received_at", "pk"
        )
    else:
        appeals = appeals.filter(status__in=HANDLED, due_on__lt=day).order_by("due_on", "pk")
    return appeals.select_related("subject", "lead_unit", "area").prefetch_related(
        Prefetch(
            "orders",
            queryset=AppealOrder.objects.select_related("order", "order__department").order_by(
                "-order__issued_at"
            ),
        )
    )


def last_returned_by(appeals) -> dict[int, OrgUnit]:
    """The unit that last returned each appeal (one query for a page)."""
    found = {}
    rows = (
        AppealUnit.objects.filter(
            appeal_id__in=[a.pk for a in appeals], role=UnitRole.LEAD, status="returned"
        )
        .select_related("org")
        .order_by("appeal_id", "-answered_at", "-pk")
    )
    for unit in rows:
        found.setdefault(unit.appeal_id, unit.org)
    return found


def target_of(appeal: Appeal) -> OrgUnit | None:
    """Where an order about the appeal goes: its lead unit, or the unit that returned it."""
    if appeal.lead_unit_id:
        return appeal.lead_unit
    return last_returned_by([appeal]).get(appeal.pk)


def may_issue(user, appeal: Appeal, unit: OrgUnit | None) -> bool:
    """Whether the user may send this appeal's unit a supervision order (a supervisor
    above the unit: supervision's rule for every order)."""
    if unit is None or not policy.can(user, SUPERVISE, appeal):
        return False
    probe = SupervisionOrder(department=unit, department_path=unit.path)
    return policy.can(user, "supervision_order.issue", probe)


def _open_orders(appeal: Appeal, unit: OrgUnit):
    return AppealOrder.objects.filter(
        appeal=appeal, order__department=unit, order__status__in=orders.OPEN
    ).select_related("order")


def issue(appeal, *, by, requirement: str, workdays=None) -> SupervisionOrder:
    """督办: a supervision order about `appeal` to its lead unit (or the unit that returned
    it), through supervision.orders.issue (its deadline, number, audit and messages), the
    link kept here and an internal line in the appeal's timeline. One open order per appeal
    and unit."""
    with transaction.atomic():
        try:
            appeal = (
                Appeal.objects.select_for_update(of=("self",))
                .select_related("subject", "lead_unit")
                .get(pk=getattr(appeal, "pk", appeal))
            )
        except (Appeal.DoesNotExist, ValueError, TypeError):
            from django.http import Http404

            raise Http404 from None
        policy.require(by, SUPERVISE, appeal)
        supervisable = appeal.status in HANDLED or (
            appeal.status == AppealStatus.PENDING and appeal.returns
        )
        unit = target_of(appeal) if supervisable else None
        if unit is None:
            raise ValidationError(
                _("只有在承办单位办理中或被退回的诉求可以督办。"), code="appeal_not_supervisable"
            )
        existing = _open_orders(appeal, unit).first()
        if existing is not None:
            raise ValidationError(
                _("该诉求已有发给%(unit)s、尚未办结的督办单 %(number)s。")
                % {"unit": unit.name, "number": existing.order.number},
                code="order_open",
            )
        if appeal.status == AppealStatus.PENDING:
            about = _("退单")
        elif appeal.due_on and appeal.due_on < today():
            about = _("超期未办结")
        else:
            about = _("办理督办")
        subject = _("12345诉求 %(number)s（%(subject)s）%(about)s") % {
            "number": appeal.number,
            "subject": appeal.subject.name if appeal.subject_id else _("未分类"),
            "about": about,
        }
        order = orders.issue(by, unit, subject, requirement, workdays=workdays)
        AppealOrder.objects.create(appeal=appeal, order=order)
        AppealEntry.objects.create(
            appeal=appeal,
            at=timezone.now(),
            kind=EntryKind.SUPERVISED,
            actor=by,
            org=unit,
            text=_("督办单 %(number)s 发往%(unit)s，%(day)s前反馈：%(requirement)s")
            % {
                "number": order.number,
                "unit": unit.name,
                "day": order.due_on.isoformat(),
                "requirement": order.requirement,
            },
            internal=True,
        )
    return order


def orders_of(appeal: Appeal) -> list[SupervisionOrder]:
    return [
        link.order
        for link in AppealOrder.objects.filter(appeal=appeal)
        .select_related("order", "order__department")
        .order_by("-order__issued_at")
    ]


def counts(user, *, day: datetime.date | None = None) -> dict[str, int]:
    """How many appeals each list holds: two counts, each on its index (the partial one on
    due_on for open appeals, status for returned ones)."""
    day = day or today()
    return {which: listed(user, which, day=day).order_by().count() for which in LISTS}
