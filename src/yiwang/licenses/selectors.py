"""Read queries for licence pages and the API: the holder's wallet and the issuing side's
list (scoped, one query per list), and the live row behind a scanned QR code."""

from django.db import connections, router
from django.db.models import Q

from yiwang.core import prepared
from yiwang.identity import policy

from .models import License, ShareLink


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
    return policy.can(user, "license.issue")


def staff_licences(user, action: str = "license.view"):
    return policy.scope(
        user, License.objects.select_related("license_type", "issuer"), action
    ).order_by("-created_at", "-pk")


def drafts_to_confirm(user):
    return staff_licences(user, "license.confirm").filter(final=False)


# What the verdict on a scanned QR code needs from the licence; the rest loads lazily if
# someone asks (a replaced licence's successor, for its number).
VERDICT_FIELDS = (
    "id",
    "status",
    "valid_until",
    "payload_hash",
    "signature",
    "revoked_at",
    "replaced_by",
)


# Per database vendor: the SQL, the attnames in the model's field order (the order
# Model.from_db expects) and each column's converters.
_verdict_queries: dict[str, tuple[str, tuple[str, ...], tuple]] = {}


def _verdict_query(conn) -> tuple[str, tuple[str, ...], tuple]:
    made = _verdict_queries.get(conn.vendor)
    if made is not None:
        return made
    meta, quote = License._meta, conn.ops.quote_name
    fields = [f for f in meta.concrete_fields if f.name in VERDICT_FIELDS]
    # Only the model's own (quoted) names go into the text; the number is a parameter.
    sql = (
        f"SELECT {', '.join(quote(f.column) for f in fields)} "  # noqa: S608
        f"FROM {quote(meta.db_table)} "
        f"WHERE {quote(meta.get_field('number').column)} = %s "
        f"AND {quote(meta.get_field('final').column)} = %s"
    )
    converters = []
    for field in fields:
        col = field.get_col(meta.db_table)
        found = (*conn.ops.get_db_converters(col), *col.get_db_converters(conn))
        converters.append(tuple((convert, col) for convert in found))
    made = (sql, tuple(f.attname for f in fields), tuple(converters))
    _verdict_queries[conn.vendor] = made
    return made


def _verdict_cursor(conn):
    """The verdict query is prepared on PostgreSQL (core.prepared)."""
    return prepared.cursor(conn)


def verdict_licence(number: str) -> License | None:
    """The final licence with this number, holding only VERDICT_FIELDS, or None.

    This runs for every scan of every QR code: one row by the unique number. The SQL is
    made once instead of being compiled by the ORM per request (compiling cost more than
    running the query); the row becomes a License the way the ORM makes one — the
    backend's converters (SQLite's dates arrive as text), then Model.from_db with the other
    fields deferred."""
    db = router.db_for_read(License)
    conn = connections[db]
    sql, attnames, converters = _verdict_query(conn)
    with _verdict_cursor(conn) as cursor:
        cursor.execute(sql, [number, True])
        row = cursor.fetchone()
    if row is None:
        return None
    values = []
    for value, column_converters in zip(row, converters, strict=True):
        for convert, col in column_converters:
            value = convert(value, col, conn)
        values.append(value)
    return License.from_db(db, attnames, values)
