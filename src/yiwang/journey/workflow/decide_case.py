"""What the journey's commands on a case decide, on the loaded state alone.

The sibling of `decide` (which decides completing a task) for the commands named by a case:
特别程序 suspended and resumed (行政许可法 第四十五条), 延期 requested and decided (第四十二条),
withdrawal, refusal (不予受理) and the supplement notice (补正, 第三十二条). Each command
(workflow.clocks, cases.services) loads the journey locked (aggregate.for_case), checks the
actor, calls its function here with plain values, and writes what it returns in bulk. Nothing
here reads or writes the database: the working-day calendar comes in as two functions
(`add`: a date plus n working days; `between`: the working days in (start, end]), so the
clock arithmetic is tested on any calendar (tests/journey/workflow/test_decide_case.py)."""

import datetime
from collections.abc import Callable
from dataclasses import dataclass, replace

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from yiwang.core import limits
from yiwang.journey.cases import transitions as case_transitions
from yiwang.journey.cases.models import CaseMaterial, Status, Warning

from . import transitions
from .models import DeliveryMethod, DeliveryStatus, Extension, SuspensionKind

# The calendar as functions: `add(day, n)` returns the deadline n working days after `day`
# (an object with `.date` and `.provisional`); `between(a, b)` the working days in (a, b].
Add = Callable[[datetime.date, int], object]
Between = Callable[[datetime.date, datetime.date], int]

CONCLUDED = frozenset({Status.APPROVED, Status.APPROVED_TOLERATED, Status.DENIED})
# Suspensions and extensions belong to a case under review (or paused in it).
REVIEWING = (Status.IN_REVIEW, Status.SUSPENDED)


@dataclass(frozen=True)
class Clock:
    """A case's deadlines: promised and statutory, the first day of the yellow warning,
    whether any was counted through a year without a published holiday schedule, and the
    warning level shown."""

    promised_due_on: datetime.date | None
    statutory_due_on: datetime.date | None
    warning_on: datetime.date | None
    due_provisional: bool = False
    warning: str = Warning.NONE


@dataclass(frozen=True)
class TaskClock:
    """An open task's stage deadline and warning."""

    pk: int
    due_on: datetime.date | None
    warning_on: datetime.date | None
    due_provisional: bool = False
    warning: str = Warning.NONE


def level(due_on, warning_on, day: datetime.date) -> str:
    """none / yellow / red for a running clock on `day`."""
    if due_on is not None and day > due_on:
        return Warning.RED
    if warning_on is not None and day >= warning_on:
        return Warning.YELLOW
    return Warning.NONE


def _shift(day, n: int, add: Add):
    return None if day is None else add(day, n)


def shifted(clock: Clock, n: int, add: Add, *, statutory_only: bool, today) -> Clock:
    """Every deadline of the clock `n` working days later (Art. 45: a pause does not
    count), or only the statutory one (Art. 42: an extension). Provisional once any was
    counted through an unpublished year; the warning level follows the moved dates."""
    statutory = _shift(clock.statutory_due_on, n, add)
    moved = {"statutory_due_on": statutory.date if statutory else None}
    provisional = [statutory]
    if not statutory_only:
        promised = _shift(clock.promised_due_on, n, add)
        warning_on = _shift(clock.warning_on, n, add)
        moved["promised_due_on"] = promised.date if promised else None
        moved["warning_on"] = warning_on.date if warning_on else None
        provisional.append(promised)
    new = replace(
        clock,
        **moved,
        due_provisional=clock.due_provisional or any(d and d.provisional for d in provisional),
    )
    if not statutory_only:
        new = replace(new, warning=level(new.promised_due_on, new.warning_on, today))
    return new


def task_shifted(task: TaskClock, n: int, add: Add, *, today) -> TaskClock:
    """An open task's deadline after a pause of `n` working days, with its level."""
    due = _shift(task.due_on, n, add)
    warning_on = _shift(task.warning_on, n, add)
    due_on = due.date if due else None
    warning_on = warning_on.date if warning_on else None
    return replace(
        task,
        due_on=due_on,
        warning_on=warning_on,
        due_provisional=task.due_provisional or bool(due and due.provisional),
        warning=level(due_on, warning_on, today),
    )


# --- 特别程序 (行政许可法 第四十五条) ----------------------------------------------------------


def suspension(status: str, *, kind: str, reason: str) -> tuple[str, str]:
    """Suspend a case under review: (the reason, cleaned; the timeline's note). Refused:
    kind_required, reason_required, invalid_transition (not in review, a second pause)."""
    if kind not in SuspensionKind.values:
        raise ValidationError(_("请选择特别程序的种类。"), code="kind_required")
    reason = limits.clean_text(reason, label=_("特别程序的理由"), field="reason")
    if not reason:
        raise ValidationError(_("请写明特别程序的理由。"), code="reason_required")
    case_transitions.CASE.check(status, Status.SUSPENDED)
    return reason, f"{SuspensionKind(kind).label}：{reason}"


@dataclass(frozen=True)
class Resumption:
    paused_workdays: int
    clock: Clock | None  # None: nothing moved (no working day passed)
    tasks: tuple[TaskClock, ...]
    note: str


def resumption(
    status: str,
    *,
    pause_started: datetime.date | None,
    today: datetime.date,
    clock: Clock,
    tasks: tuple[TaskClock, ...],
    add: Add,
    between: Between,
) -> Resumption:
    """End the open pause: every deadline of the case and of its open tasks moves by the
    working days in (the day it began, today]. Refused: not_suspended."""
    if pause_started is None or status != Status.SUSPENDED:
        raise ValidationError(_("办件不在特别程序中。"), code="not_suspended")
    case_transitions.CASE.check(status, Status.IN_REVIEW)
    n = max(0, between(pause_started, today))
    note = _("特别程序结束，暂停%(n)d个工作日，办理期限相应顺延。") % {"n": n}
    if n == 0:
        return Resumption(0, None, (), note)
    moved = shifted(clock, n, add, statutory_only=False, today=today)
    return Resumption(n, moved, tuple(task_shifted(t, n, add, today=today) for t in tasks), note)


# --- 延期 (行政许可法 第四十二条) -------------------------------------------------------------


def extension_request(
    status: str, *, reason: str, workdays: int | None, allowed: int, already: bool
) -> tuple[str, int, str]:
    """Ask for `workdays` (1 to `allowed`; `allowed` when not given), once per case:
    (the reason, the working days, the timeline's note). Refused: reason_required,
    extension_too_long, extension_once, not_in_review."""
    workdays = allowed if workdays is None else int(workdays)
    reason = limits.clean_text(reason, label=_("延期的理由"), field="reason").strip()
    if not reason:
        raise ValidationError(_("请写明延期的理由。"), code="reason_required")
    if not 1 <= workdays <= allowed:
        raise ValidationError(
            _("延期应为1至%(n)d个工作日。") % {"n": allowed}, code="extension_too_long"
        )
    if already:
        raise ValidationError(
            _("本办件已申请过延期，法定期限只能延长一次。"), code="extension_once"
        )
    if status not in REVIEWING:
        raise ValidationError(_("只有审查中的办件可以延期。"), code="not_in_review")
    note = _("申请延期%(n)d个工作日：%(reason)s") % {"n": workdays, "reason": reason}
    return reason, workdays, note


@dataclass(frozen=True)
class ExtensionDecision:
    status: str  # approved or rejected
    clock: Clock | None  # approved: the statutory deadline moved
    action: str  # the timeline's line
    note: str


def extension_decision(
    current: str, *, approve: bool, workdays: int, clock: Clock, add: Add, today
) -> ExtensionDecision:
    """The chief decides once (extension_decided otherwise); an approval moves the
    statutory deadline by the extension's working days, the promised one stays."""
    target = Extension.Status.APPROVED if approve else Extension.Status.REJECTED
    transitions.EXTENSION.check(current, target)
    if not approve:
        return ExtensionDecision(target, None, "extension_rejected", _("延期申请未获批准。"))
    moved = shifted(clock, workdays, add, statutory_only=True, today=today)
    note = _("经审批负责人批准，法定办结期限延长%(n)d个工作日。") % {"n": workdays}
    return ExtensionDecision(target, moved, "clock", note)


# --- 接件 and 受理 (行政许可法 第三十二条) -------------------------------------------------------

# A supplement notice (or a decision) is due within 5 working days of receipt (Art. 32).
INTAKE_WORKDAYS = 5


@dataclass(frozen=True)
class Submission:
    action: str  # "submit", or "resubmit" after a supplement notice (the timeline's word)
    received_on: datetime.date  # the complete application is received now (again, after 补正)
    intake_due_on: datetime.date  # the window answers by then
    first: bool  # the first filing (submitted_at is set once)


def submission(
    statuses: list[str], *, is_item: bool, problems: list, today: datetime.date, add: Add
) -> Submission:
    """File the journey (`statuses`: every case of it, the parent first), from a draft or
    after a supplement notice. `problems`: what stops the application being filed, each a
    ValidationError with its own code (the form, the fields to correct, the missing
    materials; cases.services), raised together. Refused: submit_parent (an item of a
    一件事 alone), invalid_transition (a journey already filed and not sent back), then the
    problems' codes."""
    if is_item:
        raise ValidationError(_("请提交整个一件事申请。"), code="submit_parent")
    for status in statuses:
        case_transitions.CASE.check(status, Status.SUBMITTED)
    if problems:
        raise problems[0] if len(problems) == 1 else ValidationError(list(problems))
    resubmit = statuses[0] == Status.SUPPLEMENT
    return Submission(
        "resubmit" if resubmit else "submit",
        received_on=today,
        intake_due_on=add(today, INTAKE_WORKDAYS).date,
        first=not resubmit,
    )


@dataclass(frozen=True)
class Owed:
    """A required material not provided when the window accepts."""

    pk: int
    name: str
    tolerable: bool  # 容缺: it may come after acceptance
    state: str


@dataclass(frozen=True)
class Acceptance:
    action: str  # "accept", or "deemed_accept" (Art. 32: no answer within 5 working days)
    tolerated: tuple[int, ...]  # the materials accepted to come later (容缺)
    clocks: dict  # case pk → Clock, for every case with an item (a bundle's parent has none)


def acceptance(
    statuses: list[str],
    *,
    owed: list[Owed],
    tolerated: bool,
    deemed: bool,
    start: datetime.date,
    days: dict[int, tuple[int, int]],
    add: Add,
    yellow: Callable[[int], int],
) -> Acceptance:
    """受理 of every case of the journey (`statuses`, the parent first). Every required
    material must be there, or — with tolerance — come later; a deemed acceptance takes
    the application as it is. Each case with an item (`days`: pk → its promised and
    statutory working days) gets its clock from `start` (acceptance; for a deemed one the
    day of receipt), and its yellow warning `yellow(promised days)` working days before the
    promised deadline. Refused: invalid_transition, materials_open,
    invalid_material_transition."""
    for status in statuses:
        case_transitions.CASE.check(status, Status.ACCEPTED)
    if owed and not deemed and (not tolerated or any(not m.tolerable for m in owed)):
        raise ValidationError(
            _("还有材料未提供：%(names)s。") % {"names": "、".join(m.name for m in owed)},
            code="materials_open",
        )
    for material in owed:
        case_transitions.MATERIAL.check(material.state, CaseMaterial.State.TOLERATED)
    clocks = {}
    for pk, (promised_days, statutory_days) in days.items():
        promised, statutory = add(start, promised_days), add(start, statutory_days)
        clocks[pk] = Clock(
            promised_due_on=promised.date,
            statutory_due_on=statutory.date,
            warning_on=add(promised.date, -yellow(promised_days)).date,
            due_provisional=promised.provisional or statutory.provisional,
        )
    return Acceptance("deemed_accept" if deemed else "accept", tuple(m.pk for m in owed), clocks)


# --- withdrawal, refusal, supplement --------------------------------------------------------


def withdrawal(
    family: list[tuple[int, str]], *, by_applicant: bool, reason: str, max_chars: int
) -> tuple[list[int], str]:
    """The cases of the journey (pk, status; the parent first) that end as withdrawn: each
    not yet decided (a bundle's item already decided keeps its decision); and the reason,
    cleaned. Refused: not_applicant, the reason's limits, invalid_transition (a case that
    can no longer be withdrawn)."""
    if not by_applicant:
        raise ValidationError(_("只有申请人可以撤回申请。"), code="not_applicant")
    reason = limits.clean_text(reason, label=_("撤回原因"), field="reason", max_chars=max_chars)
    open_members = [(pk, status) for pk, status in family if status not in CONCLUDED]
    for _pk, status in open_members:
        case_transitions.CASE.check(status, Status.WITHDRAWN)
    return [pk for pk, _status in open_members], reason


def refusal(statuses: list[str], *, reason: str) -> str:
    """不予受理 of every case of the journey, with a reason (cleaned, returned). Refused:
    reason_required, invalid_transition."""
    reason = limits.clean_text(reason, label=_("不予受理的理由"), field="reason")
    if not reason:
        raise ValidationError(_("请写明不予受理的理由。"), code="reason_required")
    for status in statuses:
        case_transitions.CASE.check(status, Status.REFUSED)
    return reason


def supplement(
    statuses: list[str],
    *,
    entries: list[dict],
    material_states: dict[int, str],
    repeat_reason: str,
    noticed_before: bool,
) -> tuple[dict[str, str], str]:
    """一次性告知 (Art. 32): one notice listing every material and field asked again, each
    with its reason (`entries`, as the notice stores them). A second notice needs a reason.
    Returns (the form's fields to correct with their reasons, the repeat reason). Refused:
    no_items, repeat_needs_reason, invalid_material_transition, invalid_transition."""
    if not entries:
        raise ValidationError(_("请列出需要补正的每一项材料及原因。"), code="no_items")
    repeat_reason = limits.clean_text(
        repeat_reason, label=_("再次告知的理由"), field="repeat_reason"
    ).strip()
    if noticed_before and not repeat_reason:
        raise ValidationError(
            _("已经发过一次性告知书。再次告知必须写明理由。"), code="repeat_needs_reason"
        )
    for entry in entries:  # a material that cannot be asked again is refused before any move
        if "material" in entry:
            case_transitions.MATERIAL.check(
                material_states[entry["material"]], CaseMaterial.State.DEFECTIVE
            )
    for status in statuses:
        case_transitions.CASE.check(status, Status.SUPPLEMENT)
    return {e["field"]: e["reason"] for e in entries if "field" in e}, repeat_reason


# --- 出件 / 送达 ----------------------------------------------------------------------------------

NOT_DELIVERABLE = frozenset({Status.DRAFT, Status.REFUSED, Status.WITHDRAWN, Status.DENIED})


def delivery_choice(
    status: str,
    *,
    by_applicant: bool,
    is_item: bool,
    has_results: bool,
    delivery_status: str | None,
    method: str,
    mail_complete: bool,
) -> None:
    """The applicant chooses pickup or mail for the journey's results, on the journey's
    parent, while nothing has been delivered. Refused: not_applicant, use_parent,
    nothing_to_deliver, method_required, address_required, already_delivered."""
    if not by_applicant:
        raise ValidationError(_("只有申请人可以选择送达方式。"), code="not_applicant")
    if is_item:
        raise ValidationError(_("请在一件事主办件上选择送达方式。"), code="use_parent")
    # A 一件事 denied as a whole may still have approved items whose results go out.
    if status in NOT_DELIVERABLE and not has_results:
        raise ValidationError(_("该办件没有需要送达的办理结果。"), code="nothing_to_deliver")
    if method not in DeliveryMethod.values:
        raise ValidationError(_("请选择送达方式。"), code="method_required")
    if method == DeliveryMethod.MAIL and not mail_complete:
        raise ValidationError(_("邮寄送达需要收件人、联系电话和地址。"), code="address_required")
    if delivery_status == DeliveryStatus.DELIVERED:
        raise ValidationError(_("办理结果已送达。"), code="already_delivered")


def issue(*, chosen: str, status: str, method: str) -> None:
    """The issuer hands over (pickup) or ships (mail) a ready result the way the applicant
    chose. Refused: wrong_method, invalid_delivery_transition (not ready, delivered)."""
    if chosen != method:
        raise ValidationError(
            _("申请人选择的送达方式是“%(how)s”。") % {"how": DeliveryMethod(chosen).label},
            code="wrong_method",
        )
    transitions.DELIVERY.check(status, DeliveryStatus.DELIVERED)
