"""Who may watch and steer (docs/supervision.md): supervisors see their org subtree, by the
agreed rule "service point OR responsible department" (the actions' `watchers`)."""

from yiwang.identity import policy
from yiwang.identity.roles import Role

from .models import DailyRollup, HallDailyRollup, LiveFigure, MonthlyRollup, SupervisionOrder

policy.define("supervision.view", {Role.SUPERVISOR}, watchers={Role.SUPERVISOR})
policy.define("supervision_order.issue", {Role.SUPERVISOR}, watchers={Role.SUPERVISOR})
# The department the order is addressed to answers it.
policy.define("supervision_order.respond", {Role.CHIEF})
policy.define("supervision_order.view", {Role.SUPERVISOR, Role.CHIEF}, watchers={Role.SUPERVISOR})

# Figures are counted per service point and responsible department: a supervisor above
# either sees the row.
for _model in (DailyRollup, MonthlyRollup, LiveFigure):
    policy.register(
        _model,
        policy.Subject(
            org_path=lambda row: row.place_path,
            org_path_lookup="place_path",
            watched_paths=lambda row: (row.place_path, row.department_path),
            watched_lookups=("place_path", "department_path"),
            view_action="supervision.view",
        ),
    )

# A hall's day belongs to the hall's centre: supervisors above it see the row.
policy.register(
    HallDailyRollup,
    policy.Subject(
        org_path=lambda row: row.place_path,
        org_path_lookup="place_path",
        view_action="supervision.view",
    ),
)


# --- supervision orders (督办单) --------------------------------------------------------------
# An order lives in the tree at the department it is addressed to: the department's chiefs
# answer it, supervisors above the department see and steer it. An order about a case is
# also reached by the supervisors whose subtree holds the case's service point or its
# responsible department (the agreed scoping rule), so a street supervisor steers orders
# about cases handled at their street even when a district department decides them.
# `supervision_order.issue` also covers accepting (close) and sending back a response.


def _order_paths(order) -> tuple[str, ...]:
    if not order.case_id:
        return (order.department_path,)
    case = order.case
    department_path = case.department.path if case.department_id else ""
    return (order.department_path, case.place_path, department_path)


policy.register(
    SupervisionOrder,
    policy.Subject(
        org_path=lambda order: order.department_path,
        org_path_lookup="department_path",
        watched_paths=_order_paths,
        watched_lookups=("department_path", "case__place_path", "case__department__path"),
        view_action="supervision_order.view",
    ),
)
