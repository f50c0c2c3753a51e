"""Read queries of the back office, scoped by the policy and shaped for their pages: each
returns a queryset with what its page shows joined in (no N+1), ordered by an indexed
column, ready for a paginator."""

from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404

from yiwang.identity import policy
from yiwang.journey.cases.models import Case, CaseEvent, Warning

from .models import OPEN_TASK, ApprovalTask, DeliveryStatus, Extension, ResultDelivery


def _tasks() -> QuerySet:
    return ApprovalTask.objects.select_related(
        "case", "case__parent", "case__applicant", "org", "assignee"
    )


def _filtered(queryset, *, status=None, warning=None, q=None) -> QuerySet:
    if status in (None, "", "open"):
        queryset = queryset.filter(status__in=OPEN_TASK)
    elif status != "all":
        queryset = queryset.filter(status=status)
    if warning is not None and warning != "all":
        queryset = queryset.filter(warning=warning)
    if q:
        q = q.strip()
        queryset = queryset.filter(Q(case__number__startswith=q) | Q(case__title__contains=q))
    return queryset


def inbox(user, *, status=None, warning=None, q=None) -> QuerySet:
    """The tasks the user may handle: their roles, where those roles reach; open ones by
    default (status: pending / active / done / all; warning: "" / yellow / red), the most
    urgent first."""
    queryset = policy.scope(user, _tasks(), "task.handle")
    return _filtered(queryset, status=status, warning=warning, q=q).order_by("due_on", "pk")


def my_tasks(user) -> QuerySet:
    """Tasks the user has claimed and not finished."""
    return _tasks().filter(assignee=user, status__in=OPEN_TASK).order_by("due_on", "pk")


def department_tasks(user, *, status=None, warning=None, q=None) -> QuerySet:
    """A chief's (or supervisor's) view: every task of the departments they head, whoever
    holds it."""
    queryset = policy.scope(user, _tasks(), "task.view_department")
    return _filtered(queryset, status=status, warning=warning, q=q).order_by("due_on", "pk")


def task(user, task_id) -> ApprovalTask:
    """One task for its page; 404 to anyone outside its department's scope."""
    return get_object_or_404(
        policy.scope(user, _tasks(), "task.view").select_related(
            "step", "case__item_version__item", "case__department", "case__place"
        ),
        pk=task_id,
    )


def opinions(case) -> QuerySet:
    """Earlier decisions on a case (every round), oldest first, for the task page."""
    return (
        ApprovalTask.objects.filter(case=case, status="done")
        .select_related("assignee", "org")
        .order_by("completed_at", "pk")
    )


def journey_tasks(case) -> QuerySet:
    """Every task of a journey (the case and a bundle's children), in order."""
    return (
        ApprovalTask.objects.filter(Q(case=case) | Q(case__parent=case))
        .select_related("case", "org", "assignee")
        .order_by("case_id", "stage", "round", "pk")
    )


def pending_extensions(user) -> QuerySet:
    """Extension requests a chief may decide."""
    return (
        policy.scope(user, Extension.objects.all(), "extension.decide")
        .filter(status=Extension.Status.REQUESTED)
        .select_related("case", "requested_by")
        .order_by("requested_at", "pk")
    )


def result_queue(user, *, status=DeliveryStatus.READY, method=None) -> QuerySet:
    """The issuer's queue: results ready at their service points, oldest first."""
    queryset = policy.scope(user, ResultDelivery.objects.all(), "delivery.issue")
    if status:
        queryset = queryset.filter(status=status)
    if method:
        queryset = queryset.filter(method=method)
    return queryset.select_related("case", "case__applicant", "case__enterprise").order_by(
        "ready_at", "pk"
    )


def delivery_of(case) -> ResultDelivery | None:
    return ResultDelivery.objects.filter(case_id=case.parent_id or case.pk).first()


# A bundle's items are submitted, received and accepted with their parent: the journey's
# timeline says it once, on the parent, not once per item.
SAID_ON_THE_JOURNEY = ("draft", "submit", "resubmit", "supplement", "accept", "deemed_accept")


def case_progress(case) -> QuerySet:
    """The timeline of a journey, for every page and the API: each event of the case and
    of a bundle's children (each department's step as it happens) once, in order."""
    top = case.parent_id or case.pk
    return (
        CaseEvent.objects.filter(Q(case_id=top) | Q(case__parent_id=top))
        .exclude(Q(case__parent_id=top) & Q(action__in=SAID_ON_THE_JOURNEY))
        .select_related("case", "case__department")
        .order_by("at", "pk")
    )


def warned_cases(user, level: str) -> QuerySet:
    """Cases the user sees, at a warning level (yellow / red), the most urgent first."""
    if level not in (Warning.YELLOW, Warning.RED):
        raise ValueError(level)
    return (
        policy.scope(user, Case.objects.all())
        .filter(warning=level)
        .select_related("department", "item_version__item")
        .order_by("promised_due_on", "pk")
    )


def can_view_case(user, case) -> bool:
    """Whether the user may see the case: applicant, window scope, supervisors, or staff
    with a task on it (workflow.policy_rules)."""
    return policy.can(user, "case.view", case)
