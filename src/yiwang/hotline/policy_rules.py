"""Who may do what on the 12345 line (docs/hotline.md, "Appeals: the line's only door").

The line is one per district, so its agents (话务员) and dispatchers (派单员) work all of
it: an appeal is theirs to record, dispatch and call back wherever it comes from, even
before it has a unit or an area (`_line_wide`). Handlers (承办人) are granted at a unit and
reach its subtree: they act on an appeal through its lead unit (`Appeal.unit_path`) or as
an assisting unit (a current `AppealUnit`, `_through_units`). Supervisors (电子监察员)
watch an appeal through its lead unit and through its area (street or community). The
citizen who filed it owns it.

A caller on a confidential 举报 stays hidden from the handling units whatever they may do
to the appeal (selectors.caller_visible_to)."""

from django.db.models import Q

from yiwang.identity import policy
from yiwang.identity.roles import Role

from .models import Appeal, AppealUnit, Article

AGENT, DISPATCHER, HANDLER, SUPERVISOR = (
    Role.HOTLINE_AGENT,
    Role.DISPATCHER,
    Role.HANDLER,
    Role.SUPERVISOR,
)
LINE = frozenset({AGENT, DISPATCHER})

# Record an appeal, answer it on the spot, withdraw it for a caller.
policy.define("hotline.record", {AGENT, DISPATCHER})
# Dispatch (派单), merge duplicates, review replies, decide extensions.
policy.define("hotline.dispatch", {DISPATCHER})
# A unit's work: accept or return (签收/退单), opinions, replies, extension requests.
policy.define("hotline.handle", {HANDLER})
policy.define(
    "hotline.view", {AGENT, DISPATCHER, SUPERVISOR, HANDLER}, owner=True, watchers={SUPERVISOR}
)
# Internal notes: the staff who may view it, never the citizen.
policy.define("hotline.note", {AGENT, DISPATCHER, SUPERVISOR, HANDLER}, watchers={SUPERVISOR})
# Return calls (回访).
policy.define("hotline.callback", {AGENT, DISPATCHER})
# The knowledge base: dispatchers, and the handlers of an article's owner unit.
policy.define("hotline.knowledge", {DISPATCHER, HANDLER})
# Supervision of the line: overdue and returned appeals, 督办, rankings, hotspots.
policy.define("hotline.supervise", {SUPERVISOR, DISPATCHER}, watchers={SUPERVISOR})
# Withdrawing: the citizen who filed it, or an agent for a caller on the phone.
policy.define("hotline.withdraw", {AGENT, DISPATCHER}, owner=True)


def _line_wide(roles: frozenset[Role]) -> policy.Rule:
    """Holders of these roles anywhere act on every appeal (and article) of the line."""

    def holds(user) -> bool:
        return bool(policy.grants_of(user).paths(sorted(roles)))

    return policy.Rule(
        check=lambda user, obj: holds(user),
        # Q() would vanish when OR-ed with the other ways in: a condition true on every row.
        condition=lambda user: Q(pk__isnull=False) if holds(user) else Q(pk__in=[]),
    )


def current_units(appeal: Appeal) -> list[AppealUnit]:
    """The appeal's current units (lead first), read once per appeal object: services load
    them with the appeal and leave them here."""
    cached = getattr(appeal, "_current_units", None)
    if cached is None:
        cached = list(
            AppealUnit.objects.filter(appeal_id=appeal.pk, is_current=True)
            .select_related("org")
            .order_by("-role", "id")
        )
        appeal._current_units = cached
    return cached


def units_of(user, appeal: Appeal) -> list[AppealUnit]:
    """The current units of the appeal the user acts for as a handler (lead first)."""
    return [
        unit
        for unit in current_units(appeal)
        if policy.can(user, "hotline.handle", unit, roles={HANDLER})
    ]


def _through_units() -> policy.Rule:
    """A handler reaches an appeal where their unit is a current assisting (or lead) unit."""

    def condition(user) -> Q:
        units = AppealUnit.objects.filter(is_current=True)
        reached = policy.scope(user, units, "hotline.handle", roles={HANDLER})
        return Q(pk__in=reached.values("appeal_id"))

    return policy.Rule(
        check=lambda user, obj: isinstance(obj, Appeal) and bool(units_of(user, obj)),
        condition=condition,
    )


for name in ("hotline.record", "hotline.view", "hotline.note", "hotline.withdraw"):
    policy.allow(name, _line_wide(LINE))
policy.allow("hotline.dispatch", _line_wide(frozenset({DISPATCHER})))
policy.allow("hotline.supervise", _line_wide(frozenset({DISPATCHER})))
policy.allow("hotline.callback", _line_wide(LINE))
policy.allow("hotline.knowledge", _line_wide(frozenset({DISPATCHER})))
for name in ("hotline.handle", "hotline.view", "hotline.note"):
    policy.allow(name, _through_units())


policy.register(
    Appeal,
    policy.Subject(
        org_path=lambda appeal: appeal.unit_path,
        org_path_lookup="unit_path",
        owner_id=lambda appeal: appeal.citizen_id,
        owner_lookup="citizen_id",
        view_action="hotline.view",
        # Supervisors watch an appeal through its lead unit and its area; the area's path
        # is registered here so that moving an org rewrites it too (identity.tree).
        watched_paths=lambda appeal: (appeal.unit_path, appeal.area_path),
        watched_lookups=("unit_path", "area_path"),
    ),
)
policy.register(
    AppealUnit,
    policy.Subject(
        org_path=lambda unit: unit.org_path,
        org_path_lookup="org_path",
        view_action="hotline.view",
    ),
)
policy.register(
    Article,
    policy.Subject(
        org_path=lambda article: article.owner.path if article.owner_id else "",
        org_path_lookup="owner__path",
        view_action="hotline.knowledge",
    ),
)
