"""Who may do what in a service hall (docs/security.md, "Who sees what").

A hall belongs to its service centre's org unit (`Hall.org_path`); its windows and tickets
follow it. Window staff (窗口人员) and hall managers (大厅管理员) granted at the centre, or
above it, act there; a window's staff act at the window they opened (services
`_require_at_window`), a hall manager at any. Supervisors see the halls of their area.
Taking a number is open to anyone and needs no action; confirming a priority lane or
issuing a number for someone is `hall.issue_ticket`.

Appointments: the citizen's own (owner), and the hall's staff and the intake clerks of the
centre, who book for a walk-in who wants to come back (`appointment.book_for_walk_in`, on
the hall) and may cancel or move a booking (`appointment.change`)."""

from yiwang.identity import policy
from yiwang.identity.roles import Role

from .models import Appointment, Hall, ServiceCategory, Ticket, Window

STAFF = {Role.HALL_MANAGER, Role.WINDOW_STAFF}

policy.define("hall.view", {*STAFF, Role.SUPERVISOR})
policy.define("hall.operate_window", STAFF)
policy.define("hall.issue_ticket", STAFF)
policy.define("hall.manage", {Role.HALL_MANAGER})
# The day's appointments of a hall (who is expected when): its managers, and its window
# staff read-only — they check people in and take their numbers. Not supervisors: the list
# names people, and their figures come from the rollups.
policy.define("hall.view_appointments", STAFF)
BOOKERS = {*STAFF, Role.CLERK}
policy.define("appointment.view", {*BOOKERS, Role.SUPERVISOR}, owner=True)
policy.define("appointment.change", BOOKERS, owner=True)
policy.define("appointment.book_for_walk_in", BOOKERS)

policy.register(
    Hall,
    policy.Subject(
        org_path=lambda hall: hall.org_path,
        org_path_lookup="org_path",
        view_action="hall.view",
    ),
)
for model in (Window, Ticket, ServiceCategory):
    policy.register(
        model,
        policy.Subject(
            org_path=lambda row: row.hall.org_path,
            org_path_lookup="hall__org_path",
            view_action="hall.view",
        ),
    )
policy.register(
    Appointment,
    policy.Subject(
        org_path=lambda row: row.hall.org_path,
        org_path_lookup="hall__org_path",
        owner_id=lambda row: row.citizen_id,
        owner_lookup="citizen_id",
        view_action="appointment.view",
    ),
)
