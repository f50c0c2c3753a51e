"""Who may watch and steer (DESIGN.md §8): supervisors see their org subtree."""

from django.db.models import Q

from yiwang.identity import policy
from yiwang.identity.roles import Role

from .models import SupervisionOrder

policy.define("supervision.view", {Role.SUPERVISOR})
policy.define("supervision_order.issue", {Role.SUPERVISOR})
# The department the order is addressed to answers it.
policy.define("supervision_order.respond", {Role.CHIEF})
policy.define("supervision_order.view", {Role.SUPERVISOR, Role.CHIEF})


# --- supervision orders (督办单) --------------------------------------------------------------
# An order lives in the tree at the department it is addressed to: the department's chiefs
# answer it, supervisors above the department see and steer it. An order about a case is
# also reached by the supervisors whose subtree holds the case's service point or its
# responsible department (the agreed scoping rule), so a street supervisor steers orders
# about cases handled at their street even when a district department decides them.
# `supervision_order.issue` also covers accepting (close) and sending back a response.

policy.register(
    SupervisionOrder,
    policy.Subject(
        org_path=lambda order: order.department_path,
        org_path_lookup="department_path",
        view_action="supervision_order.view",
    ),
)


def _supervisor_paths(user) -> list[str]:
    if not policy.is_authenticated(user):
        return []
    return policy.grants_of(user).paths([Role.SUPERVISOR])


def _case_in_scope(user, order) -> bool:
    paths = _supervisor_paths(user)
    if not paths or not order.case_id:
        return False
    case = order.case
    department_path = case.department.path if case.department_id else ""
    return any(
        case.place_path.startswith(p) or (department_path and department_path.startswith(p))
        for p in paths
    )


def _orders_on_cases_in_scope(user) -> Q:
    condition = Q(pk__in=[])
    for path in _supervisor_paths(user):
        condition |= Q(case__place_path__startswith=path)
        condition |= Q(case__department__path__startswith=path)
    return condition


for _action in ("supervision_order.view", "supervision_order.issue"):
    policy.allow(_action, policy.Rule(check=_case_in_scope, condition=_orders_on_cases_in_scope))
