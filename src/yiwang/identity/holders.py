"""Who holds a role at a place, cached: every approval stage pushed to a department tells
everyone who can take it, and asking the database each time cost a join per push.

The answer is kept in the cache (shared between processes when the cache is Redis, as in
production) under a generation number. Every change that can alter an answer moves the
generation on, so the next question is asked afresh: a grant saved or deleted, a user
saved (made inactive), an org saved or moved (identity.services.move_org calls `forget`).
A grant that merely runs out (`valid_until`) is seen within TTL seconds. Used to address
notifications only — authorisation always reads the grants themselves (policy)."""

from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from . import policy
from .models import OrgUnit, RoleGrant, User

GENERATION = "identity:holders:generation"
TTL = 60


def _generation() -> int:
    return cache.get_or_set(GENERATION, 1, timeout=None)


def _key(role: str, org_path: str) -> str:
    return f"identity:holders:{_generation()}:{role}:{org_path}"


def _asked(role: str, org_path: str):
    grants = policy.holders_at(role, org_path).values_list("user_id", flat=True)
    return User.objects.filter(pk__in=grants, is_active=True).order_by("pk")


def holder_ids(role: str, org_path: str) -> list[int]:
    """Ids of the active users holding `role` at the org or one of its ancestors."""
    key = _key(role, org_path)
    ids = cache.get(key)
    if ids is None:
        ids = list(_asked(role, org_path).values_list("pk", flat=True))
        cache.set(key, ids, TTL)
    return ids


def holders(role: str, org_path: str) -> list[User]:
    """The same people as users, in one statement whether the answer was cached or not."""
    key = _key(role, org_path)
    ids = cache.get(key)
    if ids is None:
        users = list(_asked(role, org_path))
        cache.set(key, [u.pk for u in users], TTL)
        return users
    return list(User.objects.filter(pk__in=ids).order_by("pk")) if ids else []


def forget() -> None:
    """Every cached answer is stale from now on (and again when the change commits, so a
    question asked meanwhile by another process does not keep the old answer)."""

    def bump():
        try:
            cache.incr(GENERATION)
        except ValueError:
            cache.set(GENERATION, 2, timeout=None)

    bump()
    transaction.on_commit(bump)


@receiver(post_save, sender=RoleGrant)
@receiver(post_delete, sender=RoleGrant)
@receiver(post_save, sender=OrgUnit)
def _grant_or_org_changed(sender, **kwargs):
    forget()


@receiver(post_save, sender=User)
def _user_changed(sender, instance, update_fields=None, **kwargs):
    if update_fields is None or "is_active" in update_fields:
        forget()
