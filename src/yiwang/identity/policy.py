"""The one policy module (docs/security.md, "Who sees what"): `can(user, action, obj)` for
one object and `scope(user, queryset, action)` for a list. Nothing else in the code builds
an org-scope filter (tests/identity/test_one_scope_builder.py keeps it so).

An action names the roles that may perform it. A role is granted at an org unit and reaches
that unit's subtree, so a check is "does the user hold one of the roles at an ancestor of the
object's org?". Owners (a citizen and their own data) are a second way in. Each model tells
the policy, once, where its org is and who owns it by registering a `Subject` in its app's
policy_rules.py.

Views and API endpoints call `require()`, which answers 404 to someone who may not even know
the object exists, and 403 only to someone who can see it but not do this to it.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404

from .roles import Role


@dataclass(frozen=True)
class Action:
    roles: frozenset[Role]
    owner: bool = False  # the object's owner may do it too
    # Roles that reach a row through every org it is related to (the subject's
    # `watched_paths`), not only its own org: the agreed rule for supervisors, "service
    # point OR responsible department" (docs/supervision.md).
    watchers: frozenset[Role] = frozenset()
    # Each row names the one role that acts on it (the subject's `role_lookup`), e.g. an
    # approval task is handled by an approver or by a chief, never by both.
    row_role: bool = False


def _no_paths(obj) -> Iterable[str]:
    return ()


@dataclass(frozen=True)
class Subject:
    """How the policy finds a model's org and owner."""

    org_path: Callable[[object], str | None]
    org_path_lookup: str | None  # ORM lookup of the org path, for scope()
    owner_id: Callable[[object], int | None] = lambda obj: None
    owner_lookup: str | None = None
    view_action: str = ""
    # Objects outside the org tree (a citizen) are reached by holding the role anywhere.
    outside_org_tree: bool = False
    # Every org path a row is related to, for an action's `watchers` (its own org included):
    # the paths of one object, and their ORM lookups for scope().
    watched_paths: Callable[[object], Iterable[str]] = _no_paths
    watched_lookups: tuple[str, ...] = ()
    # The field naming the role that acts on a row, for actions with `row_role`.
    role_of: Callable[[object], str | None] = lambda obj: None
    role_lookup: str | None = None


@dataclass(frozen=True)
class Rule:
    """An extra way in that another app opens on an action: `check(user, obj)` for one
    object, `condition(user)` as a Q on the action's model for `scope()`. Example: an
    approver with a task on a case may view that case (workflow.policy_rules). A condition
    that needs another model's scope takes it from `scope()` as a subquery."""

    check: Callable[[object, object], bool]
    condition: Callable[[object], Q]


_actions: dict[str, Action] = {}
_subjects: dict[type, Subject] = {}
_rules: dict[str, list[Rule]] = {}


@dataclass
class _Grants:
    paths_by_role: dict[str, list[str]] = field(default_factory=dict)

    def paths(self, roles: Iterable[str]) -> list[str]:
        return [p for r in roles for p in self.paths_by_role.get(r, ())]


def define(
    name: str,
    roles: Iterable[Role],
    *,
    owner: bool = False,
    watchers: Iterable[Role] = (),
    row_role: bool = False,
) -> None:
    roles = frozenset(roles)
    watchers = frozenset(watchers)
    if not watchers <= roles:
        raise ValueError(f"watchers of {name!r} must be among its roles")
    _actions[name] = Action(roles, owner, watchers, row_role)


def register(model: type, subject: Subject) -> None:
    _subjects[model] = subject


def allow(action_name: str, rule: Rule) -> None:
    """Open an extra way in on an action (see `Rule`); the role rules still apply."""
    _rules.setdefault(action_name, []).append(rule)


def _by_rule(user, action_name: str, obj) -> bool:
    return any(rule.check(user, obj) for rule in _rules.get(action_name, ()))


def action(name: str) -> Action:
    try:
        return _actions[name]
    except KeyError:
        raise LookupError(f"unknown policy action {name!r}") from None


def grants_of(user) -> _Grants:
    """The user's active grants as org paths per role, cached on the user for the request."""
    cached = getattr(user, "_yiwang_grants", None)
    if cached is not None:
        return cached
    from .models import RoleGrant

    grants = _Grants()
    rows = RoleGrant.objects.active().filter(user_id=user.pk).values_list("role", "org__path")
    for role, path in rows:
        grants.paths_by_role.setdefault(role, []).append(path)
    user._yiwang_grants = grants
    return grants


def forget_grants(user) -> None:
    if hasattr(user, "_yiwang_grants"):
        del user._yiwang_grants


def _subject_of(obj) -> Subject:
    for klass in obj.__class__.__mro__:  # __class__ sees through lazy request.user
        if klass in _subjects:
            return _subjects[klass]
    raise LookupError(f"{type(obj).__name__} is not registered with the policy")


def _subject_of_model(model: type) -> Subject:
    for klass in model.__mro__:
        if klass in _subjects:
            return _subjects[klass]
    raise LookupError(f"{model.__name__} is not registered with the policy")


def is_authenticated(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active)


def has_role(user, *roles: Role) -> bool:
    """Holds one of these roles anywhere (for menus and pages without one object). Prefer
    `can(user, action)`: the roles of an action are listed once, in policy_rules."""
    if not is_authenticated(user):
        return False
    return user.is_superuser or bool(grants_of(user).paths(roles))


def _reached(paths: Iterable[str], granted: list[str]) -> bool:
    return any(path and path.startswith(p) for path in paths for p in granted)


def _within(granted: list[str], lookups: Iterable[str]) -> Q:
    condition = Q(pk__in=[])
    for lookup in lookups:
        for path in granted:
            condition |= Q(**{f"{lookup}__startswith": path})
    return condition


def _role_sets(act: Action, subject: Subject, role: str | None = None):
    """(roles, how each reaches a row) for an action on a subject: plain roles through the
    row's own org, watchers through every org it is related to."""
    roles = act.roles if role is None else act.roles & {role}
    watchers = roles & act.watchers if subject.watched_lookups else frozenset()
    return roles - watchers, watchers


def can(user, action_name: str, obj=None, *, roles: Iterable[Role] | None = None) -> bool:
    """May the user do this (to this object)? `roles` narrows the action to grants of those
    roles only (no owner, no extra rules)."""
    act = _narrowed(action_name, roles)
    if not is_authenticated(user):
        return False
    if user.is_superuser:
        return True
    if obj is None:
        return bool(grants_of(user).paths(act.roles))
    subject = _subject_of(obj)
    if act.owner and subject.owner_id(obj) == user.pk:
        return True
    rules = action_name if roles is None else None
    if subject.outside_org_tree:
        return bool(grants_of(user).paths(act.roles)) or (
            rules is not None and _by_rule(user, rules, obj)
        )
    grants = grants_of(user)
    plain, watchers = _role_sets(act, subject, subject.role_of(obj) if act.row_role else None)
    if _reached([subject.org_path(obj) or ""], grants.paths(plain)):
        return True
    if watchers and _reached(subject.watched_paths(obj), grants.paths(watchers)):
        return True
    return rules is not None and _by_rule(user, rules, obj)


def require(user, action_name: str, obj=None) -> None:
    """Raise unless `can`. Outsiders get 404, insiders without the right get 403."""
    if can(user, action_name, obj):
        return
    if obj is not None:
        view = _subject_of(obj).view_action
        if not view or view == action_name or not can(user, view, obj):
            raise Http404
    raise PermissionDenied


def _narrowed(action_name: str | None, roles: Iterable[Role] | None) -> Action:
    if roles is None:
        return action(action_name)
    roles = frozenset(roles)
    if action_name is None:
        return Action(roles)
    act = action(action_name)
    return Action(act.roles & roles, False, act.watchers & roles, act.row_role)


def scope(
    user,
    queryset: QuerySet,
    action_name: str | None = None,
    *,
    roles: Iterable[Role] | None = None,
) -> QuerySet:
    """The rows of `queryset` the user may act on (default: may view). With `roles`, only
    grants of those roles count (narrowing the action if one is named), and neither the
    owner nor another app's extra rules open a way in: "the tasks of the departments where I
    am an approver or a chief", not "the tasks I may view"."""
    subject = _subject_of_model(queryset.model)
    name = action_name or (subject.view_action if roles is None else None)
    act = _narrowed(name, roles)
    if not is_authenticated(user):
        return queryset.none()
    if user.is_superuser:
        return queryset
    grants = grants_of(user)
    condition = Q(pk__in=[])
    if subject.outside_org_tree and grants.paths(act.roles):
        return queryset
    if roles is None:
        for rule in _rules.get(name, ()):
            condition |= rule.condition(user)
    if subject.org_path_lookup:
        per_role = [(r,) for r in sorted(act.roles)] if act.row_role else [None]
        for one in per_role:
            plain, watchers = _role_sets(act, subject, one[0] if one else None)
            reach = _within(grants.paths(sorted(plain)), [subject.org_path_lookup])
            reach |= _within(grants.paths(sorted(watchers)), subject.watched_lookups)
            if one:
                reach &= Q(**{subject.role_lookup: one[0]})
            condition |= reach
    if act.owner and subject.owner_lookup:
        condition |= Q(**{subject.owner_lookup: user.pk})
    return queryset.filter(condition)


def holders_at(role: Role, org_path: str) -> QuerySet:
    """The active grants of `role` that reach an org (at it or one of its ancestors)."""
    from .models import RoleGrant

    parts = [p for p in org_path.split("/") if p]
    ancestors = ["".join(f"{p}/" for p in parts[: i + 1]) for i in range(len(parts))]
    return RoleGrant.objects.active().filter(role=role, org__path__in=ancestors)


def copied_paths() -> list[tuple[type, str]]:
    """Every column that holds a copy of an org's path, as (model, field): the registered
    org-path lookups that need no join. identity.tree rewrites them when an org moves."""
    from .models import OrgUnit

    found = []
    for model, subject in _subjects.items():
        if model is OrgUnit:
            continue
        for lookup in (subject.org_path_lookup, *subject.watched_lookups):
            if lookup and "__" not in lookup and (model, lookup) not in found:
                found.append((model, lookup))
    return found
