"""The task engine: the only door for changing approval tasks. Each function locks (the
journey's parent first, then the case, then the task — always in that order, so two
actors never deadlock), authorises, checks, changes, writes the case timeline and the audit
trail, and notifies after commit.

A case's stages run in order; a stage's tasks are pushed together and the stage is done
when all are done (AND-join); the next stage is pushed to its department automatically
("系统后台会在该部门办理完后自动推送给下一个经办部门"). A bundle's children run as
process.journey() says; the parent concludes once, when its last child concludes.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from yiwang.audit import services as audit
from yiwang.core import limits
from yiwang.identity import policy
from yiwang.identity.models import User
from yiwang.journey.cases import services as cases
from yiwang.journey.cases.models import Status
from yiwang.notify import services as notify
from yiwang.workdays import calendar

from . import clocks, process, transitions
from .models import OPEN_TASK, ApprovalTask, Decision, TaskStatus, TemplateStep

CONCLUDED = cases.CONCLUDED
STAFF_LINK = "/workbench/tasks/{pk}/"


# --- who is told ----------------------------------------------------------------------------


def holders(role: str, org_path: str) -> list[User]:
    """Active users holding `role` at the org or one of its ancestors (a role reaches its
    unit's subtree)."""
    user_ids = policy.holders_at(role, org_path).values_list("user_id", flat=True)
    return list(User.objects.filter(pk__in=user_ids, is_active=True).order_by("pk"))


def _notify_pushed(tasks: list[ApprovalTask]) -> None:
    def send():
        for task in tasks:
            notify.site_many(
                holders(task.role, task.org_path),
                _("新的审批任务：%(name)s") % {"name": task.name},
                _(
                    "%(title)s（%(number)s）已推送至%(org)s办理“%(name)s”。"
                    "系统后台会在该部门办理完后自动推送给下一个经办部门。"
                )
                % {
                    "title": task.case.title,
                    "number": task.case.number,
                    "org": task.org.name,
                    "name": task.name,
                },
                link=STAFF_LINK.format(pk=task.pk),
            )

    transaction.on_commit(send)


# --- starting -------------------------------------------------------------------------------


def start_approval(case, *, by) -> None:
    """Called by cases.services.accept inside its transaction, with the accepted journey
    locked: the case (or the bundle parent) goes in_review (8) and the first tasks are
    pushed — for a bundle, to the first main item's case."""
    cases.begin_review(case, by=by)
    if case.bundle_id and case.parent_id is None:
        order = process.journey(case)
        for child in order.main + order.parallel:
            clocks.start_case_clock(child)  # every child's clock runs from acceptance
        for child in order.main[:1] or order.parallel:
            _start_case(child, by=by)
    else:
        clocks.start_case_clock(case)
        _start_case(case, by=by)


def _start_case(case, *, by) -> None:
    if case.status == Status.ACCEPTED:
        cases.begin_review(case, by=by)
    template = process.template_of(case)
    steps = process.task_steps(template)
    _push_stage(case, steps[0], by=by)


def _push_stage(case, step: TemplateStep, *, by) -> list[ApprovalTask]:
    """Create the stage's tasks (one per department key) in the next round. The unique
    constraint on (case, stage, key, round) makes a second start of the same round fail."""
    last = ApprovalTask.objects.filter(case=case, stage=step.seq).aggregate(r=Max("round"))["r"]
    today = clocks.today()
    due = clocks.task_deadline(case, step.days, today)
    task = ApprovalTask.objects.create(
        case=case,
        step=step,
        stage=step.seq,
        key=step.org.code,
        round=(last or 0) + 1,
        name=step.name,
        role=step.role,
        org=step.org,
        org_path=step.org.path,
        due_on=due.date,
        due_provisional=due.provisional,
        warning_on=clocks.warning_start(
            due.date, calendar.workdays_between_checked(today, due.date).days
        ),
    )
    task.case = case
    cases.record_event(
        case,
        by=by,
        action="task_pushed",
        note=_("推送至%(org)s：%(name)s") % {"org": step.org.name, "name": step.name},
    )
    _notify_pushed([task])
    return [task]


# --- locking and checks ---------------------------------------------------------------------


def _lock_task(task_id) -> ApprovalTask:
    """Lock the journey's parent, the case, then the task (one order everywhere)."""
    row = ApprovalTask.objects.filter(pk=task_id).values("case_id", "case__parent_id").first()
    if row is None:
        raise Http404
    if row["case__parent_id"]:
        cases.lock(row["case__parent_id"])
    case = cases.lock(row["case_id"])
    task = (
        ApprovalTask.objects.select_for_update(of=("self",))
        .select_related("step__template", "org")
        .get(pk=task_id)
    )
    task.case = case
    return task


def _require_handler(by, task: ApprovalTask) -> None:
    """Holds the task's role where the task is: 404 to outsiders, 403 to colleagues."""
    policy.require(by, f"task.handle.{task.role}", task)


def _check_separation(by, task: ApprovalTask) -> None:
    """审批分离: one person does not both review and decide a case. Several review stages
    (审查, 现场核查 …) by the same reviewer are fine; a stage held by another role is not."""
    other = (
        ApprovalTask.objects.filter(
            case_id=task.case_id, assignee=by, status=TaskStatus.DONE, decision=Decision.APPROVE
        )
        .exclude(role=task.role)
        .exists()
    )
    if other:
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
    task = _lock_task(task_id)
    _require_handler(by, task)
    if task.status == TaskStatus.ACTIVE and task.assignee_id == by.pk:
        return task  # claiming twice is harmless
    _check_available(by, task)
    transitions.TASK.check(task.status, TaskStatus.ACTIVE)
    _check_case_running(task)
    _check_separation(by, task)
    task.status, task.assignee, task.started_at = TaskStatus.ACTIVE, by, timezone.now()
    task.save(update_fields=["status", "assignee", "started_at"])
    audit.record(by, "task.claimed", task, org_path=task.org_path)
    return task


@transaction.atomic
def release(task_id, *, by) -> ApprovalTask:
    """退回待签收: the assignee (or the department's chief) puts the task back."""
    task = _lock_task(task_id)
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
    way. Of two people completing the same task at once, one wins; the other is told."""
    task = _lock_task(task_id)
    _require_handler(by, task)
    if decision not in Decision.values:
        raise ValidationError(_("请选择办理意见。"), code="decision_required")
    opinion = limits.clean_text(opinion, label=_("办理意见"), field="opinion")
    if decision != Decision.APPROVE and not opinion:
        raise ValidationError(_("不同意或退回时必须写明理由。"), code="opinion_required")
    _check_available(by, task)
    _check_case_running(task)
    _check_separation(by, task)
    steps = process.task_steps(task.step.template)
    position = next(i for i, s in enumerate(steps) if s.seq == task.stage)
    if decision == Decision.RETURN and position == 0:
        raise ValidationError(_("这是第一个审批环节，不能退回。"), code="nothing_to_return_to")

    now = timezone.now()
    transitions.TASK.check(task.status, TaskStatus.DONE)
    task.status, task.assignee, task.decision, task.opinion = TaskStatus.DONE, by, decision, opinion
    task.started_at, task.completed_at = task.started_at or now, now
    task.save()
    cases.record_event(
        task.case,
        by=by,
        action="task_done",
        note=f"{task.org.name} {task.name}：{Decision(decision).label}"
        + (f"。{opinion}" if opinion else ""),
    )
    audit.record(by, "task.completed", task, org_path=task.org_path, summary={"decision": decision})
    cases.announce(
        "case.task_completed", task.case, by=by, task=task.pk, stage=task.stage, decision=decision
    )

    if decision == Decision.RETURN:
        _cancel_stage(task, by=by)
        _push_stage(task.case, steps[position - 1], by=by)
    elif decision == Decision.DENY and task.step.deny_ends_case:
        _cancel_stage(task, by=by)
        _conclude(task.case, by=by, approved=False, reason=opinion)
    elif not _stage_open(task):
        if position + 1 < len(steps):
            _push_stage(task.case, steps[position + 1], by=by)
        else:
            _conclude(task.case, by=by, approved=True)
    return task


def _stage_open(task: ApprovalTask) -> bool:
    return ApprovalTask.objects.filter(
        case_id=task.case_id, stage=task.stage, status__in=OPEN_TASK
    ).exists()


def _cancel_stage(task: ApprovalTask, *, by) -> None:
    """The other open tasks of a stage end with it (a deny or a return decides the stage)."""
    transitions.TASK.update(
        ApprovalTask.objects.filter(case_id=task.case_id, stage=task.stage),
        TaskStatus.CANCELLED,
        completed_at=timezone.now(),
    )


# --- conclusion -----------------------------------------------------------------------------


def _conclude(case, *, by, approved: bool, reason: str = "") -> None:
    """The case's last stage is decided: conclude it, then move the journey on."""
    if approved:
        tolerated = cases.has_tolerated_materials(case)
        outcome = Status.APPROVED_TOLERATED if tolerated else Status.APPROVED
    else:
        outcome = Status.DENIED
    cases.conclude(case, by=by, outcome=outcome, reason=reason)
    if outcome != Status.DENIED:  # a licence result is drafted for the issuer to confirm
        from yiwang.licenses.services import issue_for_case

        licence = issue_for_case(case, by=by)
        if licence is not None and case.parent_id:
            # The later items of the bundle see the new licence among their materials.
            from yiwang.journey.cases.produced import earlier_item_concluded

            earlier_item_concluded(case, licence, by=by)
    if case.parent_id:
        _advance_journey(case, by=by)
    elif outcome != Status.DENIED:
        from . import delivery

        delivery.make_ready(case, by=by)


def _advance_journey(child, *, by) -> None:
    """A bundle child concluded (the parent is locked): start what comes next, and conclude
    the parent when every child has concluded."""
    parent = cases.lock(child.parent_id)
    order = process.journey(parent)
    statuses = {c.pk: c.status for c in order.main + order.parallel}
    statuses[child.pk] = child.status
    if child in order.main:
        if child.status == Status.DENIED:
            # Later items build on the main item: without it they cannot be granted.
            for waiting in order.main + order.parallel:
                if statuses[waiting.pk] == Status.ACCEPTED:
                    _end_unstarted(waiting, by=by)
                    statuses[waiting.pk] = Status.DENIED
        else:
            index = order.main.index(child)
            following = order.main[index + 1 : index + 2] or order.parallel
            for case in following:
                _start_case(cases.lock(case.pk), by=by)
                statuses[case.pk] = Status.IN_REVIEW
    if all(s in CONCLUDED or s == Status.WITHDRAWN for s in statuses.values()):
        _conclude_parent(parent, statuses, by=by)


def _end_unstarted(case, *, by) -> None:
    case = cases.lock(case.pk)
    reason = _("主办事项不予许可，本事项终止办理。")
    cases.begin_review(case, by=by, note=reason)
    cases.conclude(case, by=by, outcome=Status.DENIED, reason=reason)


def _conclude_parent(parent, statuses: dict, *, by) -> None:
    """一件事 concludes once: approved when every item is approved (with tolerance when
    one is), denied when any item is denied. Each child keeps its own decision, and the
    results of approved children are delivered either way."""
    if parent.status in CONCLUDED:
        return
    values = set(statuses.values())
    if Status.DENIED in values:
        outcome = Status.DENIED
        reason = _("部分事项不予许可，详见各事项决定书。")
    elif Status.APPROVED_TOLERATED in values:
        outcome, reason = Status.APPROVED_TOLERATED, ""
    else:
        outcome, reason = Status.APPROVED, ""
    cases.conclude(parent, by=by, outcome=outcome, reason=reason)
    if values & {Status.APPROVED, Status.APPROVED_TOLERATED}:
        from . import delivery

        delivery.make_ready(parent, by=by)


# --- withdrawal -----------------------------------------------------------------------------


def cancel_open_tasks(case, *, by) -> int:
    """Called by cases.services.withdraw (the journey is locked): open tasks of the case
    and its children end as cancelled, and a pending delivery is dropped."""
    ids = [case.pk, *case.children.values_list("pk", flat=True)]
    cancelled = transitions.TASK.update(
        ApprovalTask.objects.filter(case_id__in=ids),
        TaskStatus.CANCELLED,
        completed_at=timezone.now(),
    )
    from .models import ResultDelivery

    ResultDelivery.objects.filter(case=case, status="pending").delete()
    return cancelled
