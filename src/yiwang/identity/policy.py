"""The one policy module (DESIGN.md §8): `can(user, action, obj)` and `scope(user, qs)`.

An action names the roles that may perform it. A role is granted at an org unit and reaches
that unit's subtree, so a check is "does the user hold one of the roles at an ancestor of the
object's org?". Owners (a citizen and their own data) are a second way in. Each model tells
the policy where its org is and who owns it by registering a `Subject`.

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


@dataclass(frozen=True)
class Rule:
    """An extra way in that another app opens on an action: `check(user, obj)` for one
    object, `condition(user)` as a Q on the action's model for `scope()`. Example: an
    approver with a task on a case may view that case (workflow.policy_rules)."""

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


def define(name: str, roles: Iterable[Role], *, owner: bool = False) -> None:
    _actions[name] = Action(frozenset(roles), owner)


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


def is_authenticated(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active)


def has_role(user, *roles: Role) -> bool:
    """Holds one of these roles anywhere (for menus and pages without one object)."""
    if not is_authenticated(user):
        return False
    return user.is_superuser or bool(grants_of(user).paths(roles))


def can(user, action_name: str, obj=None) -> bool:
    act = action(action_name)
    if not is_authenticated(user):
        return False
    if user.is_superuser:
        return True
    if obj is None:
        return bool(grants_of(user).paths(act.roles))
    subject = _subject_of(obj)
    if act.owner and subject.owner_id(obj) == user.pk:
        return True
    if subject.outside_org_tree:
        return bool(grants_of(user).paths(act.roles)) or _by_rule(user, action_name, obj)
    org_path = subject.org_path(obj)
    if org_path and any(org_path.startswith(p) for p in grants_of(user).paths(act.roles)):
        return True
    return _by_rule(user, action_name, obj)


def require(user, action_name: str, obj=None) -> None:
    """Raise unless `can`. Outsiders get 404, insiders without the right get 403."""
    if can(user, action_name, obj):
        return
    if obj is not None:
        view = _subject_of(obj).view_action
        if not view or view == action_name or not can(user, view, obj):
            raise Http404
    raise PermissionDenied


def scope(user, queryset: QuerySet, action_name: str | None = None) -> QuerySet:
    """The rows of `queryset` the user may act on (default: may view)."""
    subject = _subjects[queryset.model]
    act = action(action_name or subject.view_action)
    if not is_authenticated(user):
        return queryset.none()
    if user.is_superuser:
        return queryset
    condition = Q(pk__in=[])
    if subject.outside_org_tree and grants_of(user).paths(act.roles):
        return queryset
    for rule in _rules.get(action_name or subject.view_action, ()):
        condition |= rule.condition(user)
    if subject.org_path_lookup:
        for path in grants_of(user).paths(act.roles):
            condition |= Q(**{f"{subject.org_path_lookup}__startswith": path})
    if act.owner and subject.owner_lookup:
        condition |= Q(**{subject.owner_lookup: user.pk})
    return queryset.filter(condition)
