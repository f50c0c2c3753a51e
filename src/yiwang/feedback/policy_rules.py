"""Who may do what with ratings and rectifications (DESIGN.md §8).

A rating and its rectification belong to the responsible department (`department_path`):
the department's staff see and answer for their subtree. Supervisors watch by the agreed
rule "place_path OR department_path": a district supervisor sees everything, a street
supervisor what was handled at its street's service points. The applicant's own rating is
read through the case (services.may_rate), not through these actions."""

from django.db.models import Q

from yiwang.identity import policy
from yiwang.identity.roles import Role

from .models import Evaluation, Rectification

# The responsible department explains and rectifies a bad review.
policy.define("rectification.respond", {Role.CHIEF, Role.APPROVER})
# The supervisor verifies the rectification and records the return call (回访).
policy.define("rectification.verify", {Role.SUPERVISOR})
policy.define("rectification.view", {Role.CHIEF, Role.APPROVER, Role.SUPERVISOR})
policy.define("evaluation.view", {Role.CHIEF, Role.APPROVER, Role.SUPERVISOR})

policy.register(
    Evaluation,
    policy.Subject(
        org_path=lambda e: e.department_path,
        org_path_lookup="department_path",
        view_action="evaluation.view",
    ),
)
policy.register(
    Rectification,
    policy.Subject(
        org_path=lambda r: r.department_path,
        org_path_lookup="department_path",
        view_action="rectification.view",
    ),
)


def _supervised_places(user) -> list[str]:
    if not policy.is_authenticated(user):
        return []
    return policy.grants_of(user).paths([Role.SUPERVISOR])


def _at_supervised_place(user, obj) -> bool:
    place = getattr(obj, "place_path", "") or ""
    return bool(place) and any(place.startswith(p) for p in _supervised_places(user))


def _supervised_place_rows(user) -> Q:
    condition = Q(pk__in=[])
    for path in _supervised_places(user):
        condition |= Q(place_path__startswith=path)
    return condition


_BY_PLACE = policy.Rule(check=_at_supervised_place, condition=_supervised_place_rows)
for _action in ("evaluation.view", "rectification.view", "rectification.verify"):
    policy.allow(_action, _BY_PLACE)
