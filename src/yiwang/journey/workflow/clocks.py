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
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from yiwang.core import limits
from yiwang.identity import policy
from yiwang.journey.cases import services as cases
from yiwang.journey.cases.models import Case, Status, Warning
from yiwang.notify import services as notify
from yiwang.workdays import calendar

from . import aggregate, decide_case
from . import services as engine
from .models import OPEN_TASK, ApprovalTask, Extension, Suspension

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
    """none / yellow / red for a running clock on `day` (today when not given)."""
    return decide_case.level(due_on, warning_on, day or today())


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


# --- who may act on a case's clock ----------------------------------------------------------


def _require_handler(by, case: Case, open_tasks: list[ApprovalTask]) -> None:
    """A handler: holds the role of one of the case's open tasks (loaded with the journey)
    where it is. Refused: 403 to those who see the case's tasks, 404 to the others."""
    if any(policy.can(by, f"task.handle.{t.role}", t) for t in open_tasks):
        return
    if any(policy.can(by, "task.view", t) for t in ApprovalTask.objects.filter(case=case)):
        raise PermissionDenied
    raise Http404


def _clock(case: Case) -> decide_case.Clock:
    return decide_case.Clock(
        case.promised_due_on,
        case.statutory_due_on,
        case.warning_on,
        case.due_provisional,
        case.warning,
    )


def _clock_fields(clock: decide_case.Clock, *, statutory_only: bool) -> dict:
    fields = {"statutory_due_on": clock.statutory_due_on, "due_provisional": clock.due_provisional}
    if not statutory_only:
        fields |= {
            "promised_due_on": clock.promised_due_on,
            "warning_on": clock.warning_on,
            "warning": clock.warning,
        }
    return fields


def _add(day, n):
    return calendar.add_workdays_checked(day, n)


def _between(start, end) -> int:
    return calendar.workdays_between_checked(start, end).days


# --- suspension (特别程序) -------------------------------------------------------------------
# Each command: the journey locked with what it needs (aggregate.for_case), the actor
# checked, the rule decided on the loaded values (decide_case), the changes written with the
# journey's bulk writer (services._Writes) in the command's one transaction.


@transaction.atomic
def suspend(case_id, *, by, kind: str, reason: str, expected_workdays: int = 0) -> Suspension:
    """Stop the clock of a case under review (for a bundle: the item's own case) and of its
    open tasks, for a hearing, an inspection or an expert review (Art. 45)."""
    journey = aggregate.for_case(case_id, tasks=True)
    case = journey.case
    _require_handler(by, case, journey.open_tasks)
    reason, note = decide_case.suspension(case.status, kind=kind, reason=reason)
    writes = engine._Writes(by)
    writes.move(case, Status.SUSPENDED, action="suspend", note=note)
    writes.announce("case.suspended", case)
    writes.audits.append(("case.suspended", case, {"kind": kind}, case.place_path))
    pause = Suspension(
        case=case,
        kind=kind,
        reason=reason,
        expected_workdays=max(0, int(expected_workdays or 0)),
        started_on=writes.today,
        started_by=by,
    )
    writes.save()
    pause.save()
    return pause


@transaction.atomic
def resume(case_id, *, by) -> Suspension:
    """Restart the clock: every deadline of the case and of its open tasks moves by the
    working days paused (Art. 45)."""
    journey = aggregate.for_case(case_id, "pause", tasks=True)
    case = journey.case
    _require_handler(by, case, journey.open_tasks)
    tasks = {t.pk: t for t in journey.open_tasks}
    pause = aggregate.open_pause(case)
    outcome = decide_case.resumption(
        case.status,
        pause_started=pause.started_on if pause else None,
        today=today(),
        clock=_clock(case),
        tasks=tuple(
            decide_case.TaskClock(t.pk, t.due_on, t.warning_on, t.due_provisional, t.warning)
            for t in tasks.values()
        ),
        add=_add,
        between=_between,
    )
    writes = engine._Writes(by)
    pause.ended_on, pause.ended_by, pause.paused_workdays = (
        writes.today,
        by,
        outcome.paused_workdays,
    )
    Suspension.objects.filter(pk=pause.pk).update(
        ended_on=pause.ended_on, ended_by=by, paused_workdays=pause.paused_workdays
    )
    if outcome.clock is not None:
        writes.change(case, **_clock_fields(outcome.clock, statutory_only=False))
    moved = []
    for clock in outcome.tasks:
        task = tasks[clock.pk]
        task.due_on, task.warning_on = clock.due_on, clock.warning_on
        task.due_provisional, task.warning = clock.due_provisional, clock.warning
        moved.append(task)
    if moved:  # one UPDATE for every open task (dates and a level: no free text)
        ApprovalTask.objects.bulk_update(
            moved, ["due_on", "due_provisional", "warning_on", "warning"]
        )
    writes.move(case, Status.IN_REVIEW, action="resume", note=outcome.note)
    writes.announce("case.resumed", case)
    writes.audits.append(
        ("case.resumed", case, {"paused_workdays": outcome.paused_workdays}, case.place_path)
    )
    writes.save()
    return pause


# --- extension (延期) ------------------------------------------------------------------------


@transaction.atomic
def request_extension(case_id, *, by, reason: str, workdays: int | None = None) -> Extension:
    """The handler asks the department's head to extend the statutory limit (Art. 42)."""
    journey = aggregate.for_case(case_id, "extension", "department", tasks=True)
    case = journey.case
    _require_handler(by, case, journey.open_tasks)
    reason, workdays, note = decide_case.extension_request(
        case.status,
        reason=reason,
        workdays=workdays,
        allowed=settings.YIWANG_EXTENSION_WORKDAYS,
        already=case.extension_open,
    )
    org_path = case.department_path or case.place.path
    extension = Extension.objects.create(
        case=case, org_path=org_path, workdays=workdays, reason=reason, requested_by=by
    )
    writes = engine._Writes(by)
    writes.note(case, "extension_requested", note)
    writes.audits.append(("extension.requested", extension, {}, extension.org_path))
    writes.save()

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
    named = Extension.objects.filter(pk=extension_id).values("case_id")[:1]
    case = aggregate.for_case(None, of=named).case
    extension = Extension.objects.filter(pk=extension_id, case=case).first()
    if extension is None:
        raise Http404
    extension.case = case
    policy.require(by, "extension.decide", extension)
    outcome = decide_case.extension_decision(
        extension.status,
        approve=approve,
        workdays=extension.workdays,
        clock=_clock(case),
        add=_add,
        today=today(),
    )
    writes = engine._Writes(by)
    extension.status = outcome.status
    extension.decided_by, extension.decided_at = by, writes.now
    extension.note = limits.clean_text(note, label=_("审批意见"), field="note")
    extension.save(update_fields=["status", "decided_by", "decided_at", "note"])
    if outcome.clock is not None:
        writes.change(case, **_clock_fields(outcome.clock, statutory_only=True))
    writes.note(case, outcome.action, outcome.note)
    writes.audits.append(("extension.decided", extension, {"approve": approve}, extension.org_path))
    writes.save()
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
            case = aggregate.for_case(case_id, related=("item_version",)).case
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
            writes = engine._Writes(None)
            writes.change(
                case,
                promised_due_on=promised.date,
                statutory_due_on=statutory.date,
                due_provisional=promised.provisional or statutory.provisional,
                warning_on=warning_start(promised.date, version.promised_days),
            )
            writes.save()
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
