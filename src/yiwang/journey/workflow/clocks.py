"""Clocks of cases and tasks (docs/architecture.md, "Time"): working days left, warnings, suspensions
(特别程序, 行政许可法 第四十五条) and extensions (延期, 第四十二条).

Deadlines are dates, due at the end of that day in Asia/Shanghai (workdays.deadline_instant).
A pause of n working days moves every deadline by exactly n working days; n counts the
working days in (suspension day, resume day]. Through a year whose holidays are not
published the result is provisional (weekends only) and flagged, like acceptance does.
"""

import datetime
import math

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from yiwang.audit import services as audit
from yiwang.core import limits
from yiwang.identity import policy
from yiwang.journey.cases import services as cases
from yiwang.journey.cases.models import Case, Status, Warning
from yiwang.notify import services as notify
from yiwang.workdays import calendar

from . import transitions
from .models import OPEN_TASK, ApprovalTask, Extension, Suspension, SuspensionKind

RUNNING = (Status.ACCEPTED, Status.IN_REVIEW)  # clocks that run (suspended ones do not)


def today() -> datetime.date:
    """The day in Asia/Shanghai (tests replace this to travel in time)."""
    return timezone.localdate(timezone.now(), calendar.SHANGHAI)


# --- deadlines and warnings ----------------------------------------------------------------


def yellow_threshold(total_workdays: int) -> int:
    """Working days left at which the yellow warning starts: 20 % of the time (rounded up),
    at least 1 working day before (YIWANG_WARNING_YELLOW_PERCENT / _MIN_WORKDAYS)."""
    percent = settings.YIWANG_WARNING_YELLOW_PERCENT
    return max(settings.YIWANG_WARNING_MIN_WORKDAYS, math.ceil(total_workdays * percent / 100))


def warning_start(due_on: datetime.date | None, total_workdays: int) -> datetime.date | None:
    """The first day of the yellow warning: `yellow_threshold` working days before due."""
    if due_on is None:
        return None
    return calendar.add_workdays_checked(due_on, -yellow_threshold(total_workdays)).date


def level(due_on, warning_on, day: datetime.date | None = None) -> str:
    """none / yellow / red for a running clock on `day`."""
    day = day or today()
    if due_on is not None and day > due_on:
        return Warning.RED
    if warning_on is not None and day >= warning_on:
        return Warning.YELLOW
    return Warning.NONE


def task_deadline(case: Case, days: int, start: datetime.date) -> calendar.Deadline:
    """A task is due after its step's working days, never later than the case's promised
    deadline; a step without days is due with the case."""
    promised = case.promised_due_on
    if days:
        due = calendar.add_workdays_checked(start, days)
        if promised is None or due.date <= promised:
            return due
    if promised is not None:
        return calendar.Deadline(promised, case.due_provisional)
    return calendar.add_workdays_checked(start, 0)


def workdays_left(case: Case) -> calendar.WorkdayCount | None:
    """Working days to the promised deadline (negative: overdue), frozen while suspended:
    the figure position.clock shows, as a count."""
    from . import position

    if case.promised_due_on is None:
        return None
    return calendar.workdays_between_checked(position.clock_day(case), case.promised_due_on)


def task_workdays_left(task: ApprovalTask) -> calendar.WorkdayCount | None:
    """A task's stage due date, counted on its case's clock (for the warning job's
    callers; pages and the API show the case's one figure, position.clock)."""
    from . import position

    if task.due_on is None:
        return None
    return calendar.workdays_between_checked(position.clock_day(task.case), task.due_on)


def _shift(day, workdays: int) -> calendar.Deadline | None:
    if day is None:
        return None
    return calendar.add_workdays_checked(day, workdays)


# --- who may act on a case's clock ----------------------------------------------------------


def _require_handler(by, case: Case) -> None:
    """A handler: holds the role of one of the case's open tasks where it is."""
    tasks = list(ApprovalTask.objects.filter(case=case, status__in=OPEN_TASK))
    if any(policy.can(by, f"task.handle.{t.role}", t) for t in tasks):
        return
    if any(policy.can(by, "task.view", t) for t in ApprovalTask.objects.filter(case=case)):
        raise PermissionDenied
    raise Http404


def _lock_case(case_id) -> Case:
    parent_id = Case.objects.filter(pk=case_id).values_list("parent_id", flat=True).first()
    if parent_id:
        cases.lock(parent_id)
    try:
        return cases.lock(case_id)
    except Case.DoesNotExist:
        raise Http404 from None


# --- suspension (特别程序) -------------------------------------------------------------------


@transaction.atomic
def suspend(case_id, *, by, kind: str, reason: str, expected_workdays: int = 0) -> Suspension:
    """Stop the clock of a case under review (for a bundle: the item's own case) and of its
    open tasks, for a hearing, an inspection or an expert review (Art. 45)."""
    case = _lock_case(case_id)
    _require_handler(by, case)
    if kind not in SuspensionKind.values:
        raise ValidationError(_("请选择特别程序的种类。"), code="kind_required")
    reason = limits.clean_text(reason, label=_("特别程序的理由"), field="reason")
    if not reason:
        raise ValidationError(_("请写明特别程序的理由。"), code="reason_required")
    # The transition first: it raises unless in review (a second suspension included).
    cases.suspend(case, by=by, note=f"{SuspensionKind(kind).label}：{reason}")
    pause = Suspension.objects.create(
        case=case,
        kind=kind,
        reason=reason,
        expected_workdays=max(0, int(expected_workdays or 0)),
        started_on=today(),
        started_by=by,
    )
    audit.record(by, "case.suspended", case, org_path=case.place_path, summary={"kind": kind})
    return pause


@transaction.atomic
def resume(case_id, *, by) -> Suspension:
    """Restart the clock: every deadline of the case and of its open tasks moves by the
    working days paused (Art. 45)."""
    case = _lock_case(case_id)
    _require_handler(by, case)
    pause = case.suspensions.select_for_update().filter(ended_on__isnull=True).first()
    if pause is None or case.status != Status.SUSPENDED:
        raise ValidationError(_("办件不在特别程序中。"), code="not_suspended")
    end = today()
    paused = calendar.workdays_between_checked(pause.started_on, end)
    pause.ended_on, pause.ended_by, pause.paused_workdays = end, by, max(0, paused.days)
    pause.save()
    _move_deadlines(case, pause.paused_workdays, statutory_only=False, by=by)
    cases.resume(
        case,
        by=by,
        note=_("特别程序结束，暂停%(n)d个工作日，办理期限相应顺延。")
        % {"n": pause.paused_workdays},
    )
    audit.record(
        by,
        "case.resumed",
        case,
        org_path=case.place_path,
        summary={"paused_workdays": pause.paused_workdays},
    )
    return pause


def _move_deadlines(case: Case, n: int, *, statutory_only: bool, by, note: str = "") -> None:
    if n <= 0 and not note:
        return
    statutory = _shift(case.statutory_due_on, n)
    fields = {"statutory_due_on": statutory.date if statutory else None}
    provisional = [statutory]
    if not statutory_only:
        promised = _shift(case.promised_due_on, n)
        fields["promised_due_on"] = promised.date if promised else None
        fields["warning_on"] = _shift(case.warning_on, n).date if case.warning_on else None
        provisional.append(promised)
        tasks = list(
            ApprovalTask.objects.select_for_update().filter(case=case, status__in=OPEN_TASK)
        )
        for task in tasks:
            due = _shift(task.due_on, n)
            task.due_on = due.date if due else None
            task.due_provisional = task.due_provisional or bool(due and due.provisional)
            task.warning_on = _shift(task.warning_on, n).date if task.warning_on else None
            task.warning = level(task.due_on, task.warning_on)
        if tasks:  # one UPDATE for every open task (dates and a level: no free text)
            ApprovalTask.objects.bulk_update(
                tasks, ["due_on", "due_provisional", "warning_on", "warning"]
            )
    fields["due_provisional"] = case.due_provisional or any(
        d and d.provisional for d in provisional
    )
    cases.set_clock(case, by=by, note=note, **fields)
    if not statutory_only:
        clear_warning_if_moved(case)


# --- extension (延期) ------------------------------------------------------------------------


@transaction.atomic
def request_extension(case_id, *, by, reason: str, workdays: int | None = None) -> Extension:
    """The handler asks the department's head to extend the statutory limit (Art. 42)."""
    case = _lock_case(case_id)
    _require_handler(by, case)
    allowed = settings.YIWANG_EXTENSION_WORKDAYS
    workdays = allowed if workdays is None else int(workdays)
    reason = limits.clean_text(reason, label=_("延期的理由"), field="reason")
    if not reason:
        raise ValidationError(_("请写明延期的理由。"), code="reason_required")
    if not 1 <= workdays <= allowed:
        raise ValidationError(
            _("延期应为1至%(n)d个工作日。") % {"n": allowed}, code="extension_too_long"
        )
    if case.extensions.filter(status__in=["requested", "approved"]).exists():
        raise ValidationError(
            _("本办件已申请过延期，法定期限只能延长一次。"), code="extension_once"
        )
    if case.status not in (Status.IN_REVIEW, Status.SUSPENDED):
        raise ValidationError(_("只有审查中的办件可以延期。"), code="not_in_review")
    org = case.department or case.place
    extension = Extension.objects.create(
        case=case, org_path=org.path, workdays=workdays, reason=reason.strip(), requested_by=by
    )
    cases.record_event(
        case,
        by=by,
        action="extension_requested",
        note=_("申请延期%(n)d个工作日：%(reason)s") % {"n": workdays, "reason": extension.reason},
    )
    audit.record(by, "extension.requested", extension, org_path=extension.org_path)

    def tell_heads():
        from .services import holders

        notify.site_many(
            holders("chief", extension.org_path),
            _("延期申请待审批"),
            _("%(title)s（%(number)s）申请延期%(n)d个工作日。")
            % {"title": case.title, "number": case.number, "n": workdays},
        )

    transaction.on_commit(tell_heads)
    return extension


@transaction.atomic
def decide_extension(extension_id, *, by, approve: bool, note: str = "") -> Extension:
    """The department's chief (审批负责人) approves or rejects; on approval the statutory
    deadline moves by the extension's working days."""
    case_id = Extension.objects.filter(pk=extension_id).values_list("case_id", flat=True).first()
    if case_id is None:
        raise Http404
    case = _lock_case(case_id)
    extension = Extension.objects.select_for_update().get(pk=extension_id)
    policy.require(by, "extension.decide", extension)
    transitions.EXTENSION.move(
        extension, Extension.Status.APPROVED if approve else Extension.Status.REJECTED
    )
    extension.decided_by, extension.decided_at = by, timezone.now()
    extension.note = limits.clean_text(note, label=_("审批意见"), field="note")
    extension.save()
    if approve:
        _move_deadlines(
            case,
            extension.workdays,
            statutory_only=True,
            by=by,
            note=_("经审批负责人批准，法定办结期限延长%(n)d个工作日。") % {"n": extension.workdays},
        )
    else:
        cases.record_event(case, by=by, action="extension_rejected", note=_("延期申请未获批准。"))
    audit.record(
        by,
        "extension.decided",
        extension,
        org_path=extension.org_path,
        summary={"approve": approve},
    )
    return extension


# --- the warning job ------------------------------------------------------------------------


def refresh_warnings(day: datetime.date | None = None) -> dict[str, list[int]]:
    """Raise warning levels that the calendar reached: bulk updates on indexed dates, then
    tell the handlers and supervisors about each case whose level rose. Levels only rise
    here (a resume or extension that moves a deadline clears the level itself). Safe to
    run twice: a level already set is not raised or told again."""
    day = day or today()
    open_cases = Case.objects.filter(status__in=RUNNING)
    red = list(
        open_cases.filter(promised_due_on__lt=day)
        .exclude(warning=Warning.RED)
        .values_list("pk", flat=True)
    )
    yellow = list(
        open_cases.filter(
            warning_on__lte=day, warning=Warning.NONE, promised_due_on__gte=day
        ).values_list("pk", flat=True)
    )
    cases.set_warning(red, Warning.RED)
    cases.set_warning(yellow, Warning.YELLOW)
    open_tasks = ApprovalTask.objects.filter(status__in=OPEN_TASK, case__status__in=RUNNING)
    open_tasks.filter(due_on__lt=day).exclude(warning=Warning.RED).update(warning=Warning.RED)
    open_tasks.filter(warning_on__lte=day, warning=Warning.NONE, due_on__gte=day).update(
        warning=Warning.YELLOW
    )
    for level_, ids in ((Warning.RED, red), (Warning.YELLOW, yellow)):
        for case in Case.objects.filter(pk__in=ids).only("pk", "number", "title", "place_path"):
            _tell_about_warning(case, level_)
    return {"red": red, "yellow": yellow}


def _tell_about_warning(case: Case, level_: str) -> None:
    from .services import holders

    recipients = {}
    for task in ApprovalTask.objects.filter(case=case, status__in=OPEN_TASK):
        people = [task.assignee] if task.assignee_id else holders(task.role, task.org_path)
        recipients.update({p.pk: p for p in people})
    recipients.update({p.pk: p for p in holders("supervisor", case.place_path)})
    subject = (
        _("办件超期（红牌）：%(number)s")
        if level_ == Warning.RED
        else _("办件临近期限（黄牌）：%(number)s")
    ) % {"number": case.number}
    notify.site_many(recipients.values(), subject, case.title, link=f"/workbench/cases/{case.pk}/")


def clear_warning_if_moved(case: Case) -> None:
    """After a deadline moved, the level follows the new dates (it may fall)."""
    new = level(case.promised_due_on, case.warning_on)
    if new != case.warning:
        cases.set_warning([case.pk], new)
        case.warning = new


def reapply_adjustments() -> int:
    """Derive the deadlines of every case that was paused or extended from scratch:
    acceptance day + the item's working days + the working days paused (+ the extension
    for the statutory one). Adding n then m working days equals adding n + m, so this
    gives what resume() and decide_extension() gave, on the current calendar. Returns
    how many cases were recomputed. Open tasks: see recompute_provisional_tasks."""
    paused_ids = Suspension.objects.filter(paused_workdays__gt=0).values_list("case_id", flat=True)
    extended_ids = Extension.objects.filter(status=Extension.Status.APPROVED).values_list(
        "case_id", flat=True
    )
    ids = set(paused_ids) | set(extended_ids)
    done = 0
    for case_id in sorted(ids):
        with transaction.atomic():
            case = cases.lock(case_id)
            version = case.item_version
            if case.accepted_at is None or version is None:
                continue
            start = (
                case.received_on
                if case.deemed_accepted
                else timezone.localdate(case.accepted_at, calendar.SHANGHAI)
            )
            paused = sum(case.suspensions.values_list("paused_workdays", flat=True))
            extended = sum(
                case.extensions.filter(status=Extension.Status.APPROVED).values_list(
                    "workdays", flat=True
                )
            )
            promised = calendar.add_workdays_checked(start, version.promised_days + paused)
            statutory = calendar.add_workdays_checked(
                start, version.statutory_days + paused + extended
            )
            cases.set_clock(
                case,
                promised_due_on=promised.date,
                statutory_due_on=statutory.date,
                due_provisional=promised.provisional or statutory.provisional,
                warning_on=warning_start(promised.date, version.promised_days),
            )
            done += 1
    return done


def recompute_provisional_tasks() -> int:
    """Open tasks whose due date reached a year without a published holiday schedule were
    due provisionally (weekends only); once the year is imported, derive them again: the
    step's working days from the day the task was pushed, capped by the case's (already
    recomputed) promised deadline, plus the working days the case was paused since.
    Returns how many are now final."""
    fixed = 0
    pending = ApprovalTask.objects.filter(status__in=OPEN_TASK, due_provisional=True)
    for task_id in list(pending.values_list("pk", flat=True)):
        with transaction.atomic():
            task = (
                ApprovalTask.objects.select_for_update(of=("self",))
                .select_related("case", "step")
                .get(pk=task_id)
            )
            start = timezone.localdate(task.created_at, calendar.SHANGHAI)
            due = task_deadline(task.case, task.step.days, start)
            paused = sum(
                task.case.suspensions.filter(started_on__gte=start).values_list(
                    "paused_workdays", flat=True
                )
            )
            if paused:
                shifted = calendar.add_workdays_checked(due.date, paused)
                due = calendar.Deadline(shifted.date, due.provisional or shifted.provisional)
            total = calendar.workdays_between_checked(start, due.date).days
            task.due_on, task.due_provisional = due.date, due.provisional
            task.warning_on = warning_start(due.date, total)
            task.save(update_fields=["due_on", "due_provisional", "warning_on"])
            fixed += not due.provisional
    return fixed
