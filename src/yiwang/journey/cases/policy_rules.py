from yiwang.identity import policy
from yiwang.identity.roles import Role

from .models import Case

# Applicants see and act on their own cases; window clerks on cases handled at a service
# point in their subtree (the district centre sees district-level items, a street centre its
# street's); supervisors watch everything in their subtree.
policy.define("case.view", {Role.CLERK, Role.WINDOW_STAFF, Role.SUPERVISOR}, owner=True)
policy.define("case.edit", set(), owner=True)
policy.define("case.intake", {Role.CLERK})
policy.define("case.file_for_walk_in", {Role.CLERK})
policy.register(
    Case,
    policy.Subject(
        org_path=lambda case: case.place_path,
        org_path_lookup="place_path",
        owner_id=lambda case: case.applicant_id,
        owner_lookup="applicant_id",
        view_action="case.view",
        # For watchers (supervision.view): the service point OR the responsible department.
        watched_paths=lambda case: (
            case.place_path,
            case.department.path if case.department_id else "",
        ),
        watched_lookups=("place_path", "department__path"),
    ),
)
