"""Human-readable case numbers: 办件 + date + a six-digit sequence of the day, e.g.
YW20261123000042.

The day's counter is advanced by one upsert (`INSERT … ON CONFLICT … DO UPDATE … RETURNING`,
on SQLite ≥ 3.35 and PostgreSQL alike), which locks its row until the transaction ends. So
concurrent submits never share a number, and a submit takes its numbers near the end of its
transaction, to hold that lock for as short a time as possible."""

from django.db import connection
from django.utils import timezone

from .models import Case, CaseNumberCounter

PREFIX = "YW"


def reserve(day, count: int = 1) -> list[str]:
    """The next `count` numbers of `day`, in order. Holds the day's counter row until commit:
    call it at the end of the transaction."""
    table = connection.ops.quote_name(CaseNumberCounter._meta.db_table)
    with connection.cursor() as cursor:
        # The table name is the model's own, quoted; the values are parameters.
        upsert = (
            f"INSERT INTO {table} (day, last) VALUES (%s, %s) "  # noqa: S608
            f"ON CONFLICT (day) DO UPDATE SET last = {table}.last + excluded.last "
            "RETURNING last"
        )
        cursor.execute(
            upsert,
            [day, count],
        )
        last = cursor.fetchone()[0]
    return [f"{PREFIX}{day:%Y%m%d}{n:06d}" for n in range(last - count + 1, last + 1)]


def next_number(today=None) -> str:
    return reserve(today or timezone.localdate())[0]


def assign(cases: list[Case], day, *, save: bool = True) -> None:
    """Give each case without a number the next one of `day`: one upsert, one update
    (none with `save=False`: the caller writes `number` with the case's other changes)."""
    unnumbered = [case for case in cases if not case.number]
    if not unnumbered:
        return
    for case, number in zip(unnumbered, reserve(day, len(unnumbered)), strict=True):
        case.number = number
    if save:
        Case.objects.bulk_update(unnumbered, ["number"])
