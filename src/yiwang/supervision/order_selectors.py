"""Read queries of supervision orders (督办单), scoped by the policy: a supervisor sees the
orders in their subtree (by the department, or by the case's service point or department),
a chief those addressed to their department. Outsiders get 404, never a hint."""

from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext, pgettext

from yiwang.identity import policy
from yiwang.identity.models import OrgKind, OrgUnit
from yiwang.workdays import calendar

from . import orders
from .models import OrderStatus, SupervisionOrder

# The list's status filter: "" is every open order (waiting for either side).
STATUS_FILTERS = [
    ("", gettext_lazy("未办结")),
    (OrderStatus.ISSUED, OrderStatus.ISSUED.label),
    (OrderStatus.RESPONDED, OrderStatus.RESPONDED.label),
    (OrderStatus.CLOSED, OrderStatus.CLOSED.label),
    ("all", gettext_lazy("全部")),
]


def visible(user) -> QuerySet:
    queryset = SupervisionOrder.objects.select_related(
        "department", "case", "issued_by", "responded_by", "closed_by"
    )
    return policy.scope(user, queryset, "supervision_order.view")


def orders_for(user, *, status: str = "", overdue: bool = False, case=None) -> QuerySet:
    """The orders the user may see, newest first; `status` as in STATUS_FILTERS, `overdue`
    only the red ones (past the deadline without a response)."""
    queryset = visible(user)
    if status == "all":
        pass
    elif status in OrderStatus.values:
        queryset = queryset.filter(status=status)
    else:
        queryset = queryset.filter(status__in=orders.OPEN)
    if overdue:
        queryset = queryset.filter(warning=orders.RED)
    if case is not None:  # a case or its id; a 一件事's orders include its items'
        case_id = getattr(case, "pk", case)
        queryset = queryset.filter(Q(case_id=case_id) | Q(case__parent_id=case_id))
    return queryset.order_by("-issued_at", "-pk")


def order(user, pk) -> SupervisionOrder:
    return get_object_or_404(visible(user), pk=pk)


def awaiting(user) -> int:
    """How many orders wait for this user's side: a chief's department has to respond, a
    supervisor has responses to accept or send back."""
    queryset = visible(user)
    statuses = []
    if policy.can(user, "supervision_order.respond"):
        statuses.append(OrderStatus.ISSUED)
    if policy.can(user, "supervision_order.issue"):
        statuses.append(OrderStatus.RESPONDED)
    return queryset.filter(status__in=statuses).count() if statuses else 0


def departments_for(user) -> QuerySet:
    """Org units a supervisor may address an order to without a case: departments and
    service centres in their subtree."""
    units = OrgUnit.objects.filter(
        is_active=True, kind__in=[OrgKind.DEPARTMENT, OrgKind.SERVICE_CENTRE]
    )
    return policy.scope(user, units, "supervision_order.issue").order_by("path")


# --- history (from the audit log) -----------------------------------------------------------

_HISTORY_WORDS = {
    "supervision_order.issued": gettext_lazy("督办"),
    "supervision_order.responded": gettext_lazy("部门反馈"),
    "supervision_order.sent_back": gettext_lazy("退回重办"),
    "supervision_order.closed": gettext_lazy("办结"),
    "supervision_order.overdue": gettext_lazy("超期未反馈（红牌）"),
}


@dataclass
class HistoryEntry:
    action: str
    words: str
    at: object
    actor: str
    note: str
    due_on: str


def history(order_: SupervisionOrder) -> list[HistoryEntry]:
    """Every change of the order, oldest first, with the words written with it."""
    from yiwang.audit.models import AuditEvent

    events = (
        AuditEvent.objects.filter(
            object_type=SupervisionOrder._meta.label_lower, object_id=str(order_.pk)
        )
        .select_related("actor")
        .order_by("id")  # the order they were recorded in, sealed or not
    )
    entries = []
    for event in events:
        name = event.action.rsplit(".", 1)[-1]
        actor = event.actor.display_name if event.actor else _("系统")
        summary = event.summary or {}
        entries.append(
            HistoryEntry(
                action=name,
                words=str(_HISTORY_WORDS.get(event.action, event.action)),
                at=event.at,
                actor=actor,
                note=summary.get("note") or "",
                due_on="" if name == "overdue" else summary.get("due_on") or "",
            )
        )
    return entries


# --- the deadline in words ------------------------------------------------------------------


def clock(order_: SupervisionOrder, day=None) -> dict:
    """{tone, words} for the order's deadline, never colour alone: "剩余3个工作日",
    "今天到期", "已超期2个工作日", "已反馈", "已办结" (+ "期限为暂定")."""
    day = day or orders.today()
    due = order_.due_on
    if order_.status == OrderStatus.CLOSED:
        when = order_.closed_at.astimezone(calendar.SHANGHAI) if order_.closed_at else None
        words = _("%(day)s 已办结") % {"day": when.strftime("%Y-%m-%d")} if when else _("已办结")
        return {"tone": "none", "words": words, "days": None}
    if order_.status == OrderStatus.RESPONDED:
        answered = order_.responded_at.astimezone(calendar.SHANGHAI).date()
        if answered > due:
            return {"tone": "warn", "words": _("已反馈（超过反馈期限）"), "days": None}
        return {"tone": "ok", "words": _("已反馈，待督办人审核"), "days": None}
    left = calendar.workdays_between_checked(day, due)
    days = left.days
    if day > due:
        tone = "overdue"
        words = (
            ngettext("已超期%(n)d个工作日", "已超期%(n)d个工作日", -days) % {"n": -days}
            if days < 0
            else _("已超过反馈期限")
        )
    elif days <= 0:
        tone, words = "due", _("今天到期")
    else:
        tone = "ok"
        words = ngettext("剩余%(n)d个工作日", "剩余%(n)d个工作日", days) % {"n": days}
    if order_.due_provisional or left.provisional:
        words = pgettext("clause separator", "，").join([words, _("期限为暂定")])
    return {"tone": tone, "words": words, "days": days}
