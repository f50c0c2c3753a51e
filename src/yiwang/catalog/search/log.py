"""The search log: what citizens searched, how many results they got and whether they opened
one, so catalogue admins can review misses (zero results) and abandoned searches (no click).

No personal data: the user is never stored, and a query's long digit runs (ID numbers, phone
numbers, case numbers) and e-mail addresses are masked before it is stored (《中华人民共和国
个人信息保护法》第六条: collection limited to what the purpose needs). One row per normalised
query and day, added to by a single upsert, so a million searches a day stay a few thousand
rows and no search waits on another query's row.
"""

import datetime
import re

from django.db import connection
from django.db.models import Max, Q, Sum
from django.utils import timezone

from ..models import SearchQueryDay
from . import text

MAX_QUERY = 100
MASK = "#"
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")
# An ID number (17 digits and a check digit or X), a phone, a bank card: five digits or more,
# spaces and hyphens between them included.
_DIGITS = re.compile(r"\d(?:[\d\s-]{3,}\d)(?:x(?![a-z]))?")


def redact(raw: str) -> str:
    """The query as stored: normalised, e-mail addresses and runs of five or more digits
    replaced by #. 身份证 110101199003070011 丢了 → 身份证 # 丢了."""
    query = " ".join(text.normalise(raw)[:MAX_QUERY].split())
    query = _EMAIL.sub(MASK, query)
    query = _DIGITS.sub(lambda m: MASK if sum(c.isdigit() for c in m[0]) >= 5 else m[0], query)
    return query


_UPSERT = (
    "INSERT INTO catalog_searchqueryday (day, query, searches, zero_results, clicks, results)"
    " VALUES (%s, %s, %s, %s, %s, %s) ON CONFLICT (day, query) DO UPDATE SET"
    " searches = catalog_searchqueryday.searches + excluded.searches,"
    " zero_results = catalog_searchqueryday.zero_results + excluded.zero_results,"
    " clicks = catalog_searchqueryday.clicks + excluded.clicks,"
    " results = CASE WHEN excluded.searches > 0 THEN excluded.results"
    " ELSE catalog_searchqueryday.results END"
)


def _add(query: str, *, searches=0, zero=0, clicks=0, results=0) -> None:
    if not query:
        return
    day = timezone.localdate()
    with connection.cursor() as cursor:
        cursor.execute(_UPSERT, [day, query, searches, zero, clicks, results])


def record_search(raw: str, results: int) -> None:
    """A search with its result count (items and bundles shown)."""
    _add(redact(raw), searches=1, zero=int(results == 0), results=results)


def record_click(raw: str) -> None:
    """A result of the query was opened."""
    _add(redact(raw), clicks=1)


def misses(days: int = 30, *, kind: str = "zero"):
    """Queries of the last `days` days that found nothing (kind="zero") or were never
    followed by a click (kind="no_click"), most searched first: (query, searches, clicks,
    results) rows to paginate."""
    since = timezone.localdate() - datetime.timedelta(days=days - 1)
    rows = (
        SearchQueryDay.objects.filter(day__gte=since)
        .values("query")
        .annotate(
            total=Sum("searches"),
            zero=Sum("zero_results"),
            opened=Sum("clicks"),
            found=Max("results"),
        )
        .filter(total__gt=0)
    )
    if kind == "zero":
        rows = rows.filter(zero__gt=0)
    else:
        rows = rows.filter(Q(opened=0) & Q(found__gt=0))
    return rows.order_by("-total", "query")
