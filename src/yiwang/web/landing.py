"""Where staff land after signing in: on their workbench, at the queue they use most — the
last workbench queue they opened, while their roles still open it; before they have opened
one, the main queue of their role (docs/security.md, "Who sees what": the window's intake
queue, the hall manager's figures of their hall, the hall window's calling page, the
approvers' task inbox, the issuer's result queue, the supervisor's dashboard, the catalogue).

An explicit ?next= on the sign-in page still wins (identity.views.LoginView)."""

from yiwang.identity import policy


def _may(action):
    return lambda user: policy.can(user, action)


def _staffs_windows(user) -> bool:
    from yiwang.identity.roles import Role

    return policy.has_role(user, Role.WINDOW_STAFF)


def _may_manage_licences(user) -> bool:
    from yiwang.licenses import selectors

    return selectors.may_manage(user)


# A role's main queue, first match wins (a clerk who also approves starts at the window).
MAIN_QUEUES = [
    ("intake_queue", _may("case.intake")),
    ("my_hall", _may("hall.manage")),  # the managed hall's figures (halls.figures_views)
    ("window_workbench", _staffs_windows),
    ("task_inbox", _may("task.handle")),
    ("result_queue", _may("delivery.issue")),
    # The 12345 line: a dispatcher's queue, a unit's appeals, the agent's console.
    ("hotline_dispatch_queue", _may("hotline.dispatch")),
    ("hotline_unit_queue", _may("hotline.handle")),
    ("hotline_console", _may("hotline.record")),
    ("supervision_dashboard", _may("supervision.view")),
    ("catalog_workbench", _may("catalog.view_drafts")),
]
# Every page that counts as a queue when opened, and who may open it.
QUEUES = dict(
    MAIN_QUEUES
    + [
        ("task_department", _may("task.view_department")),
        ("warned_cases", _may("case.view_warned")),
        ("staff_licences", _may_manage_licences),
        ("supervision_cases", _may("supervision.view")),
        ("supervision_orders", _may("supervision_order.view")),
        ("rectification_list", _may("rectification.view")),
        ("evaluation_list", _may("evaluation.view")),
        ("hotline_callbacks", _may("hotline.callback")),
        ("hotline_hotspots", _may("hotline.supervise")),
    ]
)


def queue_for(user) -> str | None:
    """The URL name of the queue `user` lands on; None: the workbench's home."""
    remembered = getattr(user, "last_queue", "")
    if remembered in QUEUES and QUEUES[remembered](user):
        return remembered
    if user.is_superuser:  # may open everything: no role says which
        return None
    return next((name for name, may in MAIN_QUEUES if may(user)), None)


def remember(request, response) -> None:
    """After a staff member opened a queue page: keep it as the one they land on. One
    UPDATE when it changes, none while they stay on the same queue."""
    from yiwang.identity.models import User

    match = getattr(request, "resolver_match", None)
    user = request.user
    if (
        match is None
        or match.url_name not in QUEUES
        or request.method != "GET"
        or response.status_code != 200
        or not user.is_authenticated
        or user.last_queue == match.url_name
    ):
        return
    User.objects.filter(pk=user.pk).update(last_queue=match.url_name)
    user.last_queue = match.url_name
