"""Read queries for licence pages and the API: the holder's wallet and the issuing side's
list. Scoped, one query per list (the wallet's enterprise check is a subquery)."""

from django.db.models import Q

from yiwang.identity import policy
from yiwang.identity.roles import Role

from .models import License, ShareLink

STAFF_ROLES = (Role.ISSUER, Role.CHIEF)


def _held_by(user):
    from yiwang.identity.services import enterprises_of

    # The enterprise ids as a list, not a subquery: with plain values on both sides of the
    # OR, PostgreSQL combines the two holder indexes instead of scanning every licence.
    enterprise_ids = list(enterprises_of(user).values_list("pk", flat=True))
    return License.objects.filter(
        Q(holder_person_id=user.pk) | Q(holder_enterprise_id__in=enterprise_ids)
    )


def wallet(user):
    """Final licences the user holds, and those of enterprises they are an authorised agent
    of today. Only the holder's side: staff rights do not put anyone's licences here."""
    if not policy.is_authenticated(user):
        return License.objects.none()
    return (
        _held_by(user)
        .filter(final=True)
        .select_related("license_type", "issuer", "holder_enterprise")
        .order_by("holder_enterprise_id", "license_type_id", "-issued_on", "-pk")
    )


def in_making(user):
    """Licences drafted from the user's approved cases that the issuer has not confirmed
    yet (制证中): the holder sees they are coming, never their unsigned content."""
    if not policy.is_authenticated(user):
        return License.objects.none()
    return (
        _held_by(user)
        .filter(final=False)
        .select_related("license_type", "issuer", "case")
        .order_by("-created_at", "-pk")
    )


def wallet_licence(user, pk) -> License:
    """One licence of the wallet, or License.DoesNotExist (a 404 to the caller)."""
    return wallet(user).select_related("replaced_by").get(pk=pk)


def share_links(licence: License):
    return ShareLink.objects.filter(license=licence).order_by("-created_at", "-pk")


def may_manage(user) -> bool:
    """Holds a role that issues, confirms, revokes or replaces licences somewhere."""
    return policy.has_role(user, *STAFF_ROLES)


def staff_licences(user, action: str = "license.view"):
    return policy.scope(
        user, License.objects.select_related("license_type", "issuer"), action
    ).order_by("-created_at", "-pk")


def drafts_to_confirm(user):
    return staff_licences(user, "license.confirm").filter(final=False)
