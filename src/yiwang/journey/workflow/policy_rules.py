"""Who may see and act on tasks, extensions and deliveries, and the extra way into a case
that a task opens: department staff with a task on a case (or on a bundle's child) may view
the case and its materials. Everyone else still gets 404 (docs/security.md, "Who sees
what")."""

from django.db.models import Q

from yiwang.identity import policy
from yiwang.identity.roles import Role
from yiwang.journey.cases.models import Case

from .models import ApprovalTask, Extension, ResultDelivery

DEPARTMENT_ROLES = (Role.APPROVER, Role.CHIEF)

# A department's staff and the supervisors see its tasks; acting needs the task's own role.
policy.define("task.view", {Role.APPROVER, Role.CHIEF, Role.SUPERVISOR})
policy.define("task.handle.approver", {Role.APPROVER})
policy.define("task.handle.chief", {Role.CHIEF})
policy.define("task.reassign", {Role.CHIEF})  # release a colleague's claimed task
# The inbox: each task is handled by the role it names, where that role reaches.
policy.define("task.handle", DEPARTMENT_ROLES, row_role=True)
# The department's page (科室总览): its chiefs and the supervisors above it.
policy.define("task.view_department", {Role.CHIEF, Role.SUPERVISOR})
policy.register(
    ApprovalTask,
    policy.Subject(
        org_path=lambda task: task.org_path,
        org_path_lookup="org_path",
        view_action="task.view",
        role_of=lambda task: task.role,
        role_lookup="role",
    ),
)

# 行政许可法 第四十二条: an extension needs the head's approval.
policy.define("extension.view", {Role.APPROVER, Role.CHIEF, Role.SUPERVISOR})
policy.define("extension.decide", {Role.CHIEF})
policy.register(
    Extension,
    policy.Subject(
        org_path=lambda e: e.org_path, org_path_lookup="org_path", view_action="extension.view"
    ),
)

policy.define("delivery.view", {Role.ISSUER, Role.SUPERVISOR}, owner=True)
policy.define("delivery.issue", {Role.ISSUER})
# The warned-cases page (预警办件): everyone who works cases; each sees their own scope.
policy.define(
    "case.view_warned", {Role.APPROVER, Role.CHIEF, Role.SUPERVISOR, Role.CLERK, Role.ISSUER}
)
policy.register(
    ResultDelivery,
    policy.Subject(
        org_path=lambda d: d.place_path,
        org_path_lookup="place_path",
        owner_id=lambda d: d.case.applicant_id,
        owner_lookup="case__applicant_id",
        view_action="delivery.view",
    ),
)


def _department_tasks(user):
    """Tasks at the departments where the user is an approver or a chief."""
    return policy.scope(user, ApprovalTask.objects.all(), roles=DEPARTMENT_ROLES)


def _has_task_on(user, case) -> bool:
    if not policy.is_authenticated(user) or not policy.grants_of(user).paths(DEPARTMENT_ROLES):
        return False
    ids = [case.pk, *Case.objects.filter(parent_id=case.pk).values_list("pk", flat=True)]
    return _department_tasks(user).filter(case_id__in=ids).exists()


def _cases_with_tasks(user) -> Q:
    if not policy.grants_of(user).paths(DEPARTMENT_ROLES):
        return Q(pk__in=[])
    tasks = _department_tasks(user)
    return Q(pk__in=tasks.values("case_id")) | Q(pk__in=tasks.values("case__parent_id"))


policy.allow("case.view", policy.Rule(check=_has_task_on, condition=_cases_with_tasks))


def _issued_here(user):
    """Deliveries at the service points where the user is an issuer."""
    return policy.scope(user, ResultDelivery.objects.all(), roles=[Role.ISSUER])


def _issues_result_of(user, case) -> bool:
    if not policy.is_authenticated(user) or not policy.grants_of(user).paths([Role.ISSUER]):
        return False
    top = case.parent_id or case.pk
    return _issued_here(user).filter(case_id=top).exists()


def _cases_with_results(user) -> Q:
    if not policy.grants_of(user).paths([Role.ISSUER]):
        return Q(pk__in=[])
    deliveries = _issued_here(user)
    return Q(pk__in=deliveries.values("case_id")) | Q(parent_id__in=deliveries.values("case_id"))


# The issuer sees the journeys whose results they hand out (and their children).
policy.allow("case.view", policy.Rule(check=_issues_result_of, condition=_cases_with_results))
