"""The task engine: the only door for changing approval tasks. Each command loads the
journey with its rows locked (aggregate: the parent first, then the children, then the
case's tasks — one order everywhere, so two actors never deadlock), authorises, checks,
decides on the loaded rows alone (decide), and writes what changed in bulk, in the same
transaction: cases, tasks, timeline, audit events, domain events and the departments'
in-site messages (docs/architecture.md, "The journey").

A case's stages run in order; a stage's tasks are pushed together and the stage is done
when all are done (AND-join); the next stage is pushed to its department automatically
("系统后台会在该部门办理完后自动推送给下一个经办部门"). A bundle's children run as
process.journey() says; the parent concludes once, when its last child concludes.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from yiwang.audit import services as audit
from yiwang.core import events, limits, rows
from yiwang.identity import holders as identity_holders
from yiwang.identity import policy
from yiwang.identity.models import User
from yiwang.journey.cases import services as cases
from yiwang.journey.cases import transitions as case_transitions
from yiwang.journey.cases.models import Case, CaseEvent, Status
from yiwang.notify import services as notify
from yiwang.workdays import calendar

from . import aggregate, clocks, decide, delivery, process, transitions
from .models import (
    OPEN_TASK,
    ApprovalTask,
    Decision,
    TaskStatus,
    TemplateStep,
)

CONCLUDED = cases.CONCLUDED
STAFF_LINK = "/workbench/tasks/{pk}/"


# --- who is told ----------------------------------------------------------------------------


def holders(role: str, org_path: str) -> list[User]:
    """Active users holding `role` at the org or one of its ancestors (a role reaches its
    unit's subtree)."""
    return identity_holders.holders(role, org_path)


def _pushed_words(task: ApprovalTask, case) -> tuple[str, str]:
    subject = _("新的审批任务：%(name)s") % {"name": task.name}
    body = _(
        "%(title)s（%(number)s）已推送至%(org)s办理“%(name)s”。"
        "系统后台会在该部门办理完后自动推送给下一个经办部门。"
    ) % {"title": case.title, "number": case.number, "org": task.org.name, "name": task.name}
    return subject, body


# --- the journey's writes, in bulk ----------------------------------------------------------


class _Writes:
    """What one command changes in a journey, gathered and then written in one statement
    per table: the cases moved, tasks changed and created, timeline entries, audit events,
    domain events and in-site messages — all in the command's transaction."""

    def __init__(self, by):
        self.by, self.now, self.today = by, timezone.now(), clocks.today()
        self.actor = by if getattr(by, "pk", None) else None
        self.cases: dict[int, object] = {}
        self.case_fields: set[str] = set()
        self.tasks: list[ApprovalTask] = []
        self.new_tasks: list[ApprovalTask] = []
        self.timeline: list[CaseEvent] = []
        self.audits: list[tuple] = []
        self.events: list[tuple] = []
        self.messages: list[tuple] = []

    def note(self, case, action: str, note: str = "", *, to=None, code=None) -> None:
        self.timeline.append(
            CaseEvent(
                case=case,
                actor=self.actor,
                action=action,
                from_status=case.status,
                to_status=to or case.status,
                status_code=code,
                note=note,
            )
        )

    def move(self, case, target, *, action: str, note: str = "", **fields) -> None:
        code = case_transitions.CASE.check(case.status, target)
        self.note(case, action, note, to=target, code=code)
        case.status = target
        if code is not None:
            case.status_code = code
        for name, value in fields.items():
            setattr(case, name, value)
        case.updated_at = self.now
        self.cases[case.pk] = case
        self.case_fields |= {"status", "status_code", "updated_at", *fields}

    def change(self, case, **fields) -> None:
        """Fields of a case that change without a move (its clock after a pause or an
        extension), written with the command's other changes of the journey's cases."""
        for name, value in fields.items():
            setattr(case, name, value)
        case.updated_at = self.now
        self.cases[case.pk] = case
        self.case_fields |= {"updated_at", *fields}

    def announce(self, kind: str, case, **payload) -> None:
        payload = {"status": str(case.status), "parent": case.parent_id, **payload}
        self.events.append((kind, case, case.place_path, payload))

    def push(self, case, step: TemplateStep, round_: int) -> ApprovalTask:
        """The stage of `step` for `case` (one task per department key) in round `round_`.
        The unique constraint on (case, stage, key, round) refuses a second push."""
        due = clocks.task_deadline(case, step.days, self.today)
        task = ApprovalTask(
            case=case,
            step=step,
            stage=step.seq,
            key=step.org.code,
            round=round_,
            name=step.name,
            role=step.role,
            org=step.org,
            org_path=step.org.path,
            due_on=due.date,
            due_provisional=due.provisional,
            warning_on=clocks.warning_start(
                due.date, calendar.workdays_between_checked(self.today, due.date).days
            ),
        )
        self.new_tasks.append(task)
        self.note(
            case,
            "task_pushed",
            _("推送至%(org)s：%(name)s") % {"org": step.org.name, "name": step.name},
        )
        return task

    def conclude(self, case, outcome, reason: str = "") -> None:
        """办结: approved (11), approved with tolerance (12) or denied (13) with reasons. A
        journey's conclusion is told to the applicant with the invitation to rate (好差评)
        by feedback's subscriber; drafting a licence result is the journey's own
        subscriber's (workflow.handlers)."""
        self.move(
            case,
            outcome,
            action="conclude",
            note=reason,
            concluded_at=self.now,
            decision_reason=reason,
            warning="",
        )
        self.audits.append(("case.concluded", case, {"outcome": str(outcome)}, case.place_path))
        self.announce("case.concluded", case, outcome=str(outcome))

    def save(self) -> None:
        _update(ApprovalTask, self.tasks, TASK_FIELDS)
        _update(Case, list(self.cases.values()), sorted(self.case_fields))
        if self.new_tasks:
            rows.insert(ApprovalTask, self.new_tasks)
            for task in self.new_tasks:
                subject, body = _pushed_words(task, task.case)
                link = STAFF_LINK.format(pk=task.pk)
                self.messages += [
                    (user_id, subject, body, link)
                    for user_id in identity_holders.holder_ids(task.role, task.org_path)
                ]
        if self.timeline:
            rows.insert(CaseEvent, self.timeline)
        if self.audits:
            audit.record_all(self.by, self.audits)
        if self.events:
            events.append_all(self.events, by=self.by)
        if self.messages:
            notify.site_all(self.messages)


TASK_FIELDS = ["status", "assignee_id", "decision", "opinion", "started_at", "completed_at"]


def _update(model, changed: list, fields: list[str]) -> None:
    """One UPDATE: a plain one for a single row (most commands change one task and at most
    one case), a bulk one (CASE … WHEN per field) for several; its SQL built once
    (core.rows)."""
    rows.update(model, changed, fields)


# --- starting -------------------------------------------------------------------------------


def start_approval(case, *, by, children=(), writes: _Writes | None = None) -> None:
    """Called by cases.services.accept inside its transaction, with the accepted journey
    locked (and, for a bundle, its `children`, their clocks started): the case (or the
    bundle parent) goes in_review (8) and the first tasks are pushed — for a bundle, to
    the first main item's case. Every item's process template is generated now, so no
    later step has to. With `writes`, the acceptance's own, the changes join them (the
    caller saves); otherwise they are written here."""
    own = writes is None
    writes = writes or _Writes(by)
    writes.move(case, Status.IN_REVIEW, action="review")
    if case.bundle_id and case.parent_id is None:
        order = process.journey(case, children)
        templates = process.templates_for([c.item_version for c in children])
        for child in children:
            child.template_id = templates[child.item_version_id].pk
            child.template_created = templates[child.item_version_id].created_at
        _start_cases(writes, order.main[:1] or order.parallel)
    else:
        steps = process.task_steps(process.templates_for([case.item_version])[case.item_version_id])
        writes.push(case, steps[0], 1)
    if own:
        writes.save()


def _start_cases(writes: _Writes, children) -> None:
    """Accepted bundle children go in_review (8), each with its first stage pushed."""
    for child in children:
        writes.move(child, Status.IN_REVIEW, action="review")
        if getattr(child, "template_id", None):  # read with the journey's lock
            steps = process.steps_of(child.template_id, child.template_created)
        else:
            steps = process.task_steps(process.template_of(child))
        writes.push(child, steps[0], 1)


# --- checks -------------------------------------------------------------------------------


def _require_handler(by, task: ApprovalTask) -> None:
    """Holds the task's role where the task is: 404 to outsiders, 403 to colleagues."""
    policy.require(by, f"task.handle.{task.role}", task)


def _check_separation(by, task: ApprovalTask, tasks: list[ApprovalTask]) -> None:
    """审批分离: one person does not both review and decide a case. Several review stages
    (审查, 现场核查 …) by the same reviewer are fine; a stage held by another role is not."""
    if any(
        t.assignee_id == by.pk
        and t.status == TaskStatus.DONE
        and t.decision == Decision.APPROVE
        and t.role != task.role
        for t in tasks
    ):
        raise ValidationError(
            _("审批分离：您已办理本办件的其他审批环节，不能再办理“%(name)s”。")
            % {"name": task.name},
            code="separation_of_duties",
        )


def _check_available(by, task: ApprovalTask) -> None:
    """Not finished, and not in a colleague's hands: what claim and complete both need."""
    if task.status in (TaskStatus.DONE, TaskStatus.CANCELLED):
        who = task.assignee.display_name if task.assignee_id else ""
        raise ValidationError(
            _("该环节已办结（%(who)s），不能重复办理。") % {"who": who or "—"}, code="task_done"
        )
    if task.assignee_id and task.assignee_id != by.pk:
        raise ValidationError(
            _("该环节已由%(who)s签收。") % {"who": task.assignee.display_name},
            code="task_claimed_by_other",
        )


def _check_case_running(task: ApprovalTask) -> None:
    if task.case.status == Status.SUSPENDED:
        raise ValidationError(
            _("办件处于特别程序（暂停计时）中，恢复后才能办理。"), code="case_suspended"
        )


# --- claim / release / complete ------------------------------------------------------------


@transaction.atomic
def claim(task_id, *, by) -> ApprovalTask:
    """签收: the task becomes the user's."""
    journey = aggregate.for_task(task_id)
    task = journey.task
    _require_handler(by, task)
    if task.status == TaskStatus.ACTIVE and task.assignee_id == by.pk:
        return task  # claiming twice is harmless
    _check_available(by, task)
    transitions.TASK.check(task.status, TaskStatus.ACTIVE)
    _check_case_running(task)
    _check_separation(by, task, journey.tasks)
    task.status, task.assignee, task.started_at = TaskStatus.ACTIVE, by, timezone.now()
    task.save(update_fields=["status", "assignee", "started_at"])
    audit.record(by, "task.claimed", task, org_path=task.org_path)
    return task


@transaction.atomic
def release(task_id, *, by) -> ApprovalTask:
    """退回待签收: the assignee (or the department's chief) puts the task back."""
    task = aggregate.for_task(task_id).task
    policy.require(by, "task.view", task)
    if task.assignee_id != by.pk:
        policy.require(by, "task.reassign", task)
    transitions.TASK.check(task.status, TaskStatus.PENDING)
    task.status, task.assignee, task.started_at = TaskStatus.PENDING, None, None
    task.save(update_fields=["status", "assignee", "started_at"])
    audit.record(by, "task.released", task, org_path=task.org_path)
    return task


@transaction.atomic
def complete(task_id, *, by, decision: str, opinion: str = "") -> ApprovalTask:
    """办理: approve, deny or return with an opinion. An unclaimed task is claimed on the
    way. Of two people completing the same task at once, one wins; the other is told.

    The journey is loaded with its rows locked (aggregate.for_task: two statements), the
    actor checked, the outcome decided on those rows alone (decide.completion), and the
    outcome written in one statement per table (_Writes)."""
    if decision not in Decision.values:
        raise ValidationError(_("请选择办理意见。"), code="decision_required")
    opinion = limits.clean_text(opinion, label=_("办理意见"), field="opinion")
    if decision != Decision.APPROVE and not opinion:
        raise ValidationError(_("不同意或退回时必须写明理由。"), code="opinion_required")
    journey = aggregate.for_task(task_id)
    task, case = journey.task, journey.case
    _require_handler(by, task)
    _check_available(by, task)
    _check_case_running(task)
    _check_separation(by, task, journey.tasks)
    steps = process.task_steps(task.step.template)
    facts = {
        "stage": task.stage,
        "decision": decision,
        "opinion": opinion,
        "steps": tuple(decide.Step(s.seq, s.deny_ends_case) for s in steps),
        "others_open": journey.others_open,
        "case": journey.member(case),
    }
    try:
        outcome = decide.completion(**facts)
    except decide.NothingToReturnTo:
        raise ValidationError(
            _("这是第一个审批环节，不能退回。"), code="nothing_to_return_to"
        ) from None
    if outcome.conclude and journey.parent is not None:
        # A bundle item is decided: what follows depends on the order of the bundle.
        outcome = decide.completion(**facts, journey=journey.journey())

    writes = _Writes(by)
    transitions.TASK.check(task.status, TaskStatus.DONE)
    task.status, task.assignee, task.decision, task.opinion = TaskStatus.DONE, by, decision, opinion
    task.started_at, task.completed_at = task.started_at or writes.now, writes.now
    writes.tasks.append(task)
    writes.note(
        case,
        "task_done",
        f"{task.org.name} {task.name}：{Decision(decision).label}"
        + (f"。{opinion}" if opinion else ""),
    )
    writes.audits.append(("task.completed", task, {"decision": decision}, task.org_path))
    writes.announce("case.task_completed", case, task=task.pk, stage=task.stage, decision=decision)
    _apply(writes, journey, outcome, steps)
    writes.save()
    return task


def _apply(writes: _Writes, journey: aggregate.TaskJourney, outcome, steps) -> None:
    task, case = journey.task, journey.case
    cases_by_pk = {c.pk: c for c in [case, *journey.children]}
    if journey.parent is not None:
        cases_by_pk[journey.parent.pk] = journey.parent
    if outcome.cancel_stage:
        # The other open tasks of a stage end with it (a deny or a return decides it).
        for other in journey.tasks:
            if other.pk != task.pk and other.stage == task.stage and other.status in OPEN_TASK:
                transitions.TASK.check(other.status, TaskStatus.CANCELLED)
                other.status, other.completed_at = TaskStatus.CANCELLED, writes.now
                writes.tasks.append(other)
    if outcome.push is not None:
        step = next(s for s in steps if s.seq == outcome.push)
        writes.push(case, step, journey.next_round(step.seq))
    unstarted = set(outcome.end_unstarted)
    started = [cases_by_pk[pk] for pk in outcome.start]
    for pk, status, reason in outcome.conclude:
        concluded = cases_by_pk[pk]
        if pk in unstarted:
            writes.move(concluded, Status.IN_REVIEW, action="review", note=reason)
        writes.conclude(concluded, status, reason)
        if pk == case.pk:
            _start_cases(writes, started)  # the next items start once this one is decided
    if outcome.ready:
        delivery.make_ready_all([cases_by_pk[pk] for pk in outcome.ready], writes)
