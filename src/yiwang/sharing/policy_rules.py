"""Who may ask the base libraries at all. Whether a particular look-up is allowed — an
active case or task for that subject in the staff member's scope — is decided per look-up
by sharing.services.lookup, which logs the answer either way."""

from yiwang.identity import policy
from yiwang.identity.roles import Role

# Staff who handle cases: the window (受理) and the departments (审查, 决定, 制证).
policy.define("sharing.lookup", {Role.CLERK, Role.APPROVER, Role.CHIEF, Role.ISSUER})
