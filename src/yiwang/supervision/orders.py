"""The only door for changing a supervision order (督办单). A supervisor tells a
department to act by a deadline (`issue`), one of the department's chiefs answers
(`respond`), the supervisor accepts the answer (`close`) or is not satisfied and sends the
order back (`send_back`: issued again). The warning job turns an unanswered order red
once its deadline has passed (`refresh_overdue`).

Each function: lock → policy → transition table → change → audit → notify on commit.
The audit log is the order's history: every event carries the words written with it (the
requirement, each response, each note), so nothing an earlier round said is lost when the
order is answered again.

Who may issue (the agreed scoping rule): a supervisor whose org subtree holds the
department, or — for an order about a case — holds the case's service point
(`place_path`) or its responsible department. A street supervisor may so order a district
department about a case handled at their street, and not about one handled elsewhere."""

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from yiwang.audit import services as audit
from yiwang.core import limits
from yiwang.core.machines import StateMachine
from yiwang.identity import policy
from yiwang.identity.models import OrgUnit
from yiwang.journey.cases.models import Case
from yiwang.notify import services as notify
from yiwang.workdays import calendar

from . import order_numbering
from .models import OrderStatus, SupervisionOrder

RED = "red"
MAX_WORKDAYS = 60
MAX_TEXT = 4000

# The order's state machine as data (docs/cases.md, "State machines"): a forbidden move
# is an error with a stable code.
ORDER = StateMachine(
    "supervision_order",
    OrderStatus,
    {
        OrderStatus.ISSUED: {OrderStatus.RESPONDED},
        OrderStatus.RESPONDED: {OrderStatus.CLOSED, OrderStatus.ISSUED},
        OrderStatus.CLOSED: set(),
    },
    code="invalid_order_transition",
    message=gettext_lazy("督办单当前状态“%(current)s”，不能变为“%(target)s”。"),
    initial=OrderStatus.ISSUED,
)
OPEN = (OrderStatus.ISSUED, OrderStatus.RESPONDED)


def today() -> datetime.date:
    """The day in Asia/Shanghai (the workflow's clock, which tests move)."""
    from yiwang.journey.workflow import clocks  # lazily: the workflow imports half the project

    return clocks.today()


def due_after(start: datetime.date, workdays: int) -> calendar.Deadline:
    """`workdays` working days after `start`; provisional through an unpublished year."""
    return calendar.add_workdays_checked(start, workdays)


# --- helpers --------------------------------------------------------------------------------


def _refuse_control_chars(value: str) -> None:
    if limits.has_control_chars(value):
        raise limits.control_chars_error()


def _text(value, code: str, message: str, *, limit: int = MAX_TEXT) -> str:
    value = (value or "").strip()
    _refuse_control_chars(value)
    if not value:
        raise ValidationError(message, code=code)
    if len(value) > limit:
        raise ValidationError(_("内容过长（最多%(n)d个字）。") % {"n": limit}, code="text_too_long")
    return value


def _workdays(value) -> int:
    days = settings.YIWANG_SUPERVISION_ORDER_WORKDAYS if value in (None, "") else value
    try:
        days = int(days)
    except (TypeError, ValueError):
        days = 0
    if not 1 <= days <= MAX_WORKDAYS:
        raise ValidationError(
            _("反馈期限应为1至%(n)d个工作日。") % {"n": MAX_WORKDAYS},
            code="workdays_out_of_range",
        )
    return days


def _lock(order_id) -> SupervisionOrder:
    try:
        return (
            SupervisionOrder.objects.select_for_update(of=("self",))
            .select_related("case", "department")
            .get(pk=order_id)
        )
    except (SupervisionOrder.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def departments_of_case(case: Case) -> set[int]:
    """Orgs an order about `case` may be addressed to: its responsible department, its
    service point, and for a 一件事 the departments of its items."""
    ids = {case.department_id, case.place_id}
    ids |= set(Case.objects.filter(parent_id=case.pk).values_list("department_id", flat=True))
    return {i for i in ids if i}


def link(order: SupervisionOrder) -> str:
    return reverse("supervision_order", args=[order.pk])


def _chiefs(order: SupervisionOrder):
    from yiwang.journey.workflow.services import holders

    return holders("chief", order.department_path)


def _tell(people, subject: str, body: str, order: SupervisionOrder, *, sms: bool) -> None:
    """Site messages (and SMS) once the change is committed; each person once."""
    url = link(order)
    recipients = {p.pk: p for p in people if p is not None}

    def send():
        notify.site_many(list(recipients.values()), subject, body, link=url)  # one INSERT
        for person in recipients.values():
            if sms and person.phone:
                notify.sms(person.phone, f"【一网】{subject}：{body}", recipient=person)

    transaction.on_commit(send)


def _record(by, action: str, order: SupervisionOrder, **summary) -> None:
    audit.record(
        by,
        f"supervision_order.{action}",
        order,
        org_path=order.department_path,
        summary={"status": order.status, **summary},
    )


def _about(order: SupervisionOrder) -> str:
    return _("%(number)s：%(subject)s") % {"number": order.number, "subject": order.subject}


# --- issue ----------------------------------------------------------------------------------


@transaction.atomic
def issue(
    by,
    department: OrgUnit | None,
    subject: str,
    requirement: str,
    case: Case | None = None,
    workdays: int | None = None,
) -> SupervisionOrder:
    """督办: address an order to `department` (for an order about `case`, by default the
    case's responsible department), due `workdays` working days after today
    (YIWANG_SUPERVISION_ORDER_WORKDAYS by default). Tells the department's chiefs."""
    if case is not None:
        case = Case.objects.select_related("department", "place").get(pk=case.pk)
        department = department or case.department or case.place
    if department is None:
        raise ValidationError(_("请选择督办的部门。"), code="department_required")
    order = SupervisionOrder(
        department=department, department_path=department.path, case=case, issued_by=by
    )
    policy.require(by, "supervision_order.issue", order)  # 404 outside the supervisor's scope
    if not department.is_active:
        raise ValidationError(_("该部门已停用。"), code="department_inactive")
    if case is not None:
        if not case.number:
            raise ValidationError(_("办件尚未提交，不能督办。"), code="case_not_filed")
        if department.pk not in departments_of_case(case):
            raise ValidationError(
                _("督办单只能发给办理该办件的部门或办理地点。"), code="department_not_on_case"
            )
        open_order = (
            SupervisionOrder.objects.select_for_update()
            .filter(case=case, department=department, status__in=OPEN)
            .first()
        )
        if open_order is not None:
            raise ValidationError(
                _("该办件已有发给本部门、尚未办结的督办单 %(number)s。")
                % {"number": open_order.number},
                code="order_open",
            )
    order.subject = _text(subject, "subject_required", _("请填写督办事由。"), limit=200)
    order.requirement = _text(requirement, "requirement_required", _("请填写督办要求。"))
    days = _workdays(workdays)
    day = today()
    due = due_after(day, days)
    order.due_on, order.due_provisional = due.date, due.provisional
    order.status = OrderStatus.ISSUED
    order_numbering.save_numbered(order, day)
    _record(
        by,
        "issued",
        order,
        note=order.requirement,
        workdays=days,
        start=day.isoformat(),
        due_on=order.due_on.isoformat(),
        case=case.number if case else None,
    )
    body = _("%(about)s。请于%(day)s前反馈办理情况。") % {
        "about": _about(order),
        "day": order.due_on.strftime("%Y-%m-%d"),
    }
    _tell(
        _chiefs(order), _("收到督办单 %(number)s") % {"number": order.number}, body, order, sms=True
    )
    return order


# --- respond, close, send back --------------------------------------------------------------


@transaction.atomic
def respond(order_id, by, response: str) -> SupervisionOrder:
    """The department answers: what it did (办理情况). Tells the issuer."""
    order = _lock(order_id)
    policy.require(by, "supervision_order.respond", order)
    ORDER.check(order.status, OrderStatus.RESPONDED)
    order.response = _text(response, "response_required", _("请填写办理情况。"))
    ORDER.move(order, OrderStatus.RESPONDED)
    order.responded_by, order.responded_at = by, timezone.now()
    order.save()
    late = order.responded_at.astimezone(calendar.SHANGHAI).date() > order.due_on
    _record(by, "responded", order, note=order.response, late=late)
    _tell(
        [order.issued_by],
        _("督办单已反馈 %(number)s") % {"number": order.number},
        _("%(org)s已反馈：%(subject)s") % {"org": order.department.name, "subject": order.subject},
        order,
        sms=False,
    )
    return order


@transaction.atomic
def close(order_id, by, note: str = "") -> SupervisionOrder:
    """The supervisor accepts the response: the order is done (办结) and its red clears."""
    order = _lock(order_id)
    policy.require(by, "supervision_order.issue", order)
    ORDER.check(order.status, OrderStatus.CLOSED)
    note = (note or "").strip()
    _refuse_control_chars(note)
    if len(note) > MAX_TEXT:
        raise ValidationError(
            _("内容过长（最多%(n)d个字）。") % {"n": MAX_TEXT}, code="text_too_long"
        )
    ORDER.move(order, OrderStatus.CLOSED)
    order.closed_by, order.closed_at, order.close_note = by, timezone.now(), note
    order.warning = ""
    order.save()
    _record(by, "closed", order, note=note)
    _tell(
        [*_chiefs(order), order.responded_by],
        _("督办单已办结 %(number)s") % {"number": order.number},
        _about(order),
        order,
        sms=False,
    )
    return order


@transaction.atomic
def send_back(order_id, by, note: str, workdays: int | None = None) -> SupervisionOrder:
    """The supervisor is not satisfied: the order is issued again with the reason. With
    `workdays` the department gets a new deadline from today; otherwise the old one stays
    (and a passed one stays red). The earlier response stays in the history."""
    order = _lock(order_id)
    policy.require(by, "supervision_order.issue", order)
    ORDER.check(order.status, OrderStatus.ISSUED)
    note = _text(note, "note_required", _("请写明退回重办的理由。"))
    summary = {"note": note}
    if workdays not in (None, ""):
        days = _workdays(workdays)
        day = today()
        due = due_after(day, days)
        order.due_on, order.due_provisional = due.date, due.provisional
        order.warning = ""
        summary.update(workdays=days, start=day.isoformat(), due_on=order.due_on.isoformat())
    ORDER.move(order, OrderStatus.ISSUED)
    order.save()
    _record(by, "sent_back", order, **summary)
    _tell(
        _chiefs(order),
        _("督办单退回重办 %(number)s") % {"number": order.number},
        _("%(about)s。退回理由：%(note)s。请于%(day)s前重新反馈。")
        % {"about": _about(order), "note": note, "day": order.due_on.strftime("%Y-%m-%d")},
        order,
        sms=True,
    )
    return order


# --- the overdue job ------------------------------------------------------------------------


def refresh_overdue(day: datetime.date | None = None) -> list[int]:
    """Orders still waiting for the department's response after their deadline (the end of
    the due day in Asia/Shanghai) turn red; the department's chiefs and the issuer are
    told once. Safe to run twice: a red order is neither changed nor told again."""
    day = day or today()
    due = SupervisionOrder.objects.filter(status=OrderStatus.ISSUED, due_on__lt=day).exclude(
        warning=RED
    )
    turned = []
    for order_id in list(due.values_list("pk", flat=True)[:500]):
        with transaction.atomic():
            order = _lock(order_id)
            if order.status != OrderStatus.ISSUED or order.warning == RED or order.due_on >= day:
                continue  # answered or moved meanwhile
            order.warning = RED
            order.save(update_fields=["warning"])
            _record(None, "overdue", order, due_on=order.due_on.isoformat())
            _tell(
                [*_chiefs(order), order.issued_by],
                _("督办单超期（红牌）：%(number)s") % {"number": order.number},
                _("%(about)s。反馈期限%(day)s已过，请尽快反馈。")
                % {"about": _about(order), "day": order.due_on.strftime("%Y-%m-%d")},
                order,
                sms=True,
            )
        turned.append(order_id)
    return turned


def recompute_provisional_deadlines() -> int:
    """Deadlines made through a year whose holidays were not published (weekends only)
    are derived again from the day and working days their history recorded, once the
    year is imported. Returns how many are now final."""
    from yiwang.audit.models import AuditEvent

    fixed = 0
    pending = SupervisionOrder.objects.filter(due_provisional=True).exclude(
        status=OrderStatus.CLOSED
    )
    for order_id in list(pending.values_list("pk", flat=True)):
        last = (
            AuditEvent.objects.filter(
                object_type=SupervisionOrder._meta.label_lower,
                object_id=str(order_id),
                summary__has_key="workdays",
            )
            .order_by("-id")  # the newest recorded, sealed or not
            .values_list("summary", flat=True)
            .first()
        )
        if not last:
            continue
        with transaction.atomic():
            order = _lock(order_id)
            start = datetime.date.fromisoformat(last["start"])
            due = due_after(start, int(last["workdays"]))
            order.due_on, order.due_provisional = due.date, due.provisional
            if order.warning == RED and order.status == OrderStatus.ISSUED and due.date >= today():
                order.warning = ""
            order.save(update_fields=["due_on", "due_provisional", "warning"])
            fixed += not due.provisional
    return fixed
