"""Who may do what with ratings and rectifications (docs/security.md, "Who sees what").

A rating and its rectification belong to the responsible department (`department_path`):
the department's staff see and answer for their subtree. Supervisors watch by the agreed
rule "place_path OR department_path" (the actions' `watchers`): a district supervisor sees
everything, a street supervisor what was handled at its street's service points. The
applicant's own rating is read through the case (services.may_rate), not through these
actions."""

from yiwang.identity import policy
from yiwang.identity.roles import Role

from .models import Evaluation, Rectification

# The responsible department explains and rectifies a bad review.
policy.define("rectification.respond", {Role.CHIEF, Role.APPROVER})
# The supervisor verifies the rectification and records the return call (回访).
WATCH = {Role.SUPERVISOR}
policy.define("rectification.verify", {Role.SUPERVISOR}, watchers=WATCH)
policy.define("rectification.view", {Role.CHIEF, Role.APPROVER, Role.SUPERVISOR}, watchers=WATCH)
policy.define("evaluation.view", {Role.CHIEF, Role.APPROVER, Role.SUPERVISOR}, watchers=WATCH)

policy.register(
    Evaluation,
    policy.Subject(
        org_path=lambda e: e.department_path,
        org_path_lookup="department_path",
        watched_paths=lambda e: (e.department_path, e.place_path),
        watched_lookups=("department_path", "place_path"),
        view_action="evaluation.view",
    ),
)
policy.register(
    Rectification,
    policy.Subject(
        org_path=lambda r: r.department_path,
        org_path_lookup="department_path",
        watched_paths=lambda r: (r.department_path, r.place_path),
        watched_lookups=("department_path", "place_path"),
        view_action="rectification.view",
    ),
)
