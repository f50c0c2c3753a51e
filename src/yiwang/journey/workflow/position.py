"""Where a case stands (docs/cases.md, "Where a case stands"): its phase, the steps it is
at, and the working days left — one answer, read by the process diagram, the timeline's
pages, the task and case pages, 我的办件 and the API.

"剩余" always means one figure: working days from the clock's day to the case's promised
deadline (承诺办结期限; negative: overdue). The clock's day is today, or the day the clock
stopped while the case is suspended (特别程序, 行政许可法 第四十五条). A stage's own due date
(本环节期限) is shown as a date and a warning level, never as a second "剩余" figure.

Read only: nothing here changes a case. Pages prefetch a case's open suspension as
`open_pauses` (clocks in lists cost one query per page); without it one query asks."""

import datetime
from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext

from yiwang.core.official import display_name
from yiwang.journey.cases.models import Status, Warning
from yiwang.workdays import calendar

from .models import OPEN_TASK, DeliveryStatus, StepKind, TaskStatus

CONCLUDED = frozenset({Status.APPROVED, Status.APPROVED_TOLERATED, Status.DENIED})
ENDED = frozenset({Status.REFUSED, Status.WITHDRAWN, Status.REVOKED})
RUNNING = frozenset({Status.ACCEPTED, Status.IN_REVIEW, Status.SUSPENDED})
BEFORE = frozenset({Status.DRAFT, Status.SUBMITTED, Status.SUPPLEMENT})


@dataclass(frozen=True)
class Clock:
    """Working days left to the promised deadline, with a tone and words (colour is only
    an extra): ok / warn / due / overdue / paused / done / none."""

    days: int | None
    tone: str
    words: str
    paused: bool = False
    provisional: bool = False

    def __getitem__(self, key):  # templates and older callers read clock["words"]
        return getattr(self, key)


def _today() -> datetime.date:
    from . import clocks  # tests move clocks.today

    return clocks.today()


def stopped_on(case) -> datetime.date | None:
    """The day a suspended case's clock stopped (None when it runs)."""
    if case.status != Status.SUSPENDED:
        return None
    pauses = getattr(case, "open_pauses", None)
    if pauses is None:
        pauses = list(case.suspensions.filter(ended_on__isnull=True))
    return pauses[0].started_on if pauses else None


def clock_day(case, *, stopped=None) -> datetime.date:
    """Today, or the day the clock stopped (pass `stopped` when read in bulk)."""
    if case.status != Status.SUSPENDED:
        return _today()
    return stopped or stopped_on(case) or _today()


def clock(case, *, stopped=None) -> Clock:
    """The one "剩余" figure of a case (a single case or a bundle's item)."""
    if case.status in CONCLUDED:
        day = case.concluded_at
        words = (
            _("%(day)s 办结") % {"day": day.astimezone(calendar.SHANGHAI).date().isoformat()}
            if day
            else _("已办结")
        )
        return Clock(days=None, tone="done", words=words)
    if case.status in ENDED:
        return Clock(days=None, tone="none", words=str(Status(case.status).label))
    if case.promised_due_on is None or case.status not in RUNNING:
        return Clock(days=None, tone="none", words=_("受理后开始计时"))
    left = calendar.workdays_between_checked(clock_day(case, stopped=stopped), case.promised_due_on)
    days = left.days
    if days < 0:
        tone = "overdue"
        words = ngettext("已超期%(n)d个工作日", "已超期%(n)d个工作日", -days) % {"n": -days}
    elif days == 0:
        tone, words = "due", _("今天到期")
    else:
        tone = "warn" if case.warning == Warning.YELLOW else "ok"
        words = ngettext("剩余%(n)d个工作日", "剩余%(n)d个工作日", days) % {"n": days}
    parts = [words]
    paused = case.status == Status.SUSPENDED
    if paused:
        tone = "paused"
        parts.insert(0, _("暂停计时"))
    provisional = bool(case.due_provisional or left.provisional)
    if provisional:
        parts.append(_("期限为暂定"))
    return Clock(
        days=days,
        tone=tone,
        words=pgettext("clause separator", "，").join(str(p) for p in parts),
        paused=paused,
        provisional=provisional,
    )


def journey_clock(top, items) -> Clock:
    """A journey's figure: a single case's own; for a bundle, its most urgent open item's
    (or the parent's conclusion)."""
    if not top.is_bundle:
        return clock(top)
    running = [clock(item) for item in items if item.status in RUNNING]
    with_days = [c for c in running if c.days is not None]
    if with_days:
        return min(with_days, key=lambda c: c.days)
    return clock(top)


# --- the steps of the process ---------------------------------------------------------------

# A step of the diagram: done / current / ready (a result waiting to go out) / skipped (a
# denial ended the process before it) / waiting.
STEP_STATES = ("done", "current", "ready", "skipped", "waiting")


def delivered(delivery) -> bool:
    return delivery is not None and delivery.status == DeliveryStatus.DELIVERED


def step_state(step, case, tasks, delivery) -> str:
    """Where `case` is at one step of its template, from its tasks and the journey's
    delivery (a bundle's items share the parent's). A concluded case has no current step:
    its result step is ready until handed over, then done; a denied case skips the rest."""
    mine = [t for t in tasks if t.stage == step.seq]
    if any(t.status in OPEN_TASK for t in mine):
        return "current"
    approved = any(t.status == TaskStatus.DONE and t.decision == "approve" for t in mine)
    if step.kind == StepKind.RESULT:
        if case.status == Status.DENIED or case.status in ENDED:
            return "skipped"
        if delivered(delivery):
            return "done"
        return "ready" if case.status in CONCLUDED else "waiting"
    if approved:
        return "done"
    if case.status == Status.DENIED:
        decided = any(t.status == TaskStatus.DONE and t.decision == "deny" for t in mine)
        return "done" if decided else "skipped"
    if case.status in CONCLUDED:
        return "done"
    if case.status in ENDED:
        return "skipped"
    return "waiting"


def lane_state(case, tasks) -> str:
    if case.status in CONCLUDED or case.status in ENDED:
        return "done"
    if any(t.status in OPEN_TASK for t in tasks) or case.status in (
        Status.IN_REVIEW,
        Status.SUSPENDED,
    ):
        return "current"
    return "waiting"


# --- where a journey stands, in words ---------------------------------------------------------


@dataclass(frozen=True)
class Position:
    """A journey's phase, the steps it is at (department · step) and its clock."""

    phase: str  # before / review / suspended / result / done / ended
    steps: tuple[str, ...]
    clock: Clock

    @property
    def words(self) -> str:
        if self.phase == "result":
            return _("办理结果待领取或送达")
        if self.phase == "done":
            return _("已办结")
        if self.phase in ("review", "suspended") and self.steps:
            lead = _("特别程序") if self.phase == "suspended" else _("正在办理")
            return _("%(lead)s：%(steps)s") % {"lead": lead, "steps": "、".join(self.steps)}
        return ""


def phase_of(top, delivery) -> str:
    if top.status in BEFORE:
        return "before"
    if top.status in ENDED:
        return "ended"
    if top.status in CONCLUDED:
        waiting = delivery is not None and delivery.status == DeliveryStatus.READY
        return "result" if waiting else "done"
    return "suspended" if top.status == Status.SUSPENDED else "review"


def of_journeys(tops) -> dict[int, Position]:
    """The position of each journey of a page (top-level cases): three queries whatever
    the page's length (children, open tasks with their org, deliveries)."""
    from yiwang.journey.cases.models import Case

    from .models import ApprovalTask, ResultDelivery, Suspension

    tops = list(tops)
    ids = [t.pk for t in tops]
    if not ids:
        return {}
    children: dict[int, list] = {}
    bundle_ids = [t.pk for t in tops if t.is_bundle]
    kids = list(Case.objects.filter(parent_id__in=bundle_ids).order_by("pk")) if bundle_ids else []
    for kid in kids:
        children.setdefault(kid.parent_id, []).append(kid)
    every = tops + kids
    suspended = [c.pk for c in every if c.status == Status.SUSPENDED]
    pauses = {}
    if suspended:
        for pause in Suspension.objects.filter(case_id__in=suspended, ended_on__isnull=True):
            pauses[pause.case_id] = pause.started_on
    for case in every:
        case.open_pauses = [Suspension(started_on=pauses[case.pk])] if case.pk in pauses else []
    open_tasks: dict[int, list] = {}
    running = [c.pk for c in every if c.status in RUNNING]
    if running:
        rows = (
            ApprovalTask.objects.filter(case_id__in=running, status__in=OPEN_TASK)
            .select_related("org")
            .order_by("case_id", "stage", "pk")
        )
        for task in rows:
            open_tasks.setdefault(task.case_id, []).append(task)
    deliveries = {d.case_id: d for d in ResultDelivery.objects.filter(case_id__in=ids)}
    result = {}
    for top in tops:
        items = children.get(top.pk) or [top]
        steps = tuple(
            f"{display_name(task.org)}·{task.name}"
            for item in items
            for task in open_tasks.get(item.pk, [])
        )
        result[top.pk] = Position(
            phase=phase_of(top, deliveries.get(top.pk)),
            steps=steps,
            clock=journey_clock(top, items),
        )
    return result


def of_journey(top) -> Position:
    return of_journeys([top])[top.pk]
