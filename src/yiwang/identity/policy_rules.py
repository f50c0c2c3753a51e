"""What each role may do with identity objects. Other apps define their own rules."""

from . import policy
from .models import OrgUnit, RoleGrant, User
from .roles import ALL_STAFF_ROLES, Role

policy.define("org.view", ALL_STAFF_ROLES)
policy.define("org.manage_staff", {Role.OPERATOR})
# Giving someone who cannot sign in a temporary password (services.reset_staff_password).
policy.define("account.reset_password", {Role.OPERATOR})
policy.register(
    OrgUnit,
    policy.Subject(
        org_path=lambda org: org.path,
        org_path_lookup="path",
        view_action="org.view",
    ),
)
policy.register(
    RoleGrant,
    policy.Subject(
        org_path=lambda g: g.org.path,
        org_path_lookup="org__path",
        view_action="org.view",
    ),
)

# A person's own record; at the window a clerk identifies walk-in applicants by ID number
# (代办). Any other look-up of the population library goes through sharing.services.lookup:
# only for a case the staff member handles, with a purpose, logged where the person sees it.
policy.define("person.view", {Role.CLERK, Role.WINDOW_STAFF}, owner=True)
policy.define("person.lookup", {Role.CLERK})
policy.define("person.reveal_id_number", {Role.CLERK}, owner=True)
policy.register(
    User,
    policy.Subject(
        # Citizens belong to no org unit: a window clerk anywhere may identify a walk-in
        # applicant (sharing.services.identify_walk_in logs it as “窗口代办身份核验”); every
        # other base-data look-up is narrowed to subjects of the staff's own cases.
        org_path=lambda u: None,
        org_path_lookup=None,
        outside_org_tree=True,
        owner_id=lambda u: u.pk,
        owner_lookup="pk",
        view_action="person.view",
    ),
)

policy.define("workbench.use", ALL_STAFF_ROLES)
