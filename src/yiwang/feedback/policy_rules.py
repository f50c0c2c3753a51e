"""Who may do what with ratings and rectifications (DESIGN.md §8)."""

from yiwang.identity import policy
from yiwang.identity.roles import Role

# The responsible department explains and rectifies a bad review.
policy.define("rectification.respond", {Role.CHIEF, Role.APPROVER})
# The supervisor verifies the rectification and records the return call (回访).
policy.define("rectification.verify", {Role.SUPERVISOR})
policy.define("rectification.view", {Role.CHIEF, Role.APPROVER, Role.SUPERVISOR})
policy.define("evaluation.view", {Role.CHIEF, Role.APPROVER, Role.SUPERVISOR})
