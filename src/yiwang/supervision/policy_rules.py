"""Who may watch and steer (DESIGN.md §8): supervisors see their org subtree."""

from yiwang.identity import policy
from yiwang.identity.roles import Role

policy.define("supervision.view", {Role.SUPERVISOR})
policy.define("supervision_order.issue", {Role.SUPERVISOR})
# The department the order is addressed to answers it.
policy.define("supervision_order.respond", {Role.CHIEF})
policy.define("supervision_order.view", {Role.SUPERVISOR, Role.CHIEF})
