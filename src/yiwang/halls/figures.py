"""The hall's figures (docs/halls.md, "Figures"): what the hall manager watches live, and what
a day of a hall adds up to for the daily rollup (supervision.rollups keeps those rows, the
history of the manager's page and the hall section of the supervision dashboard).

Everything is aggregated in SQL: a handful of GROUP BY queries on the indexed (hall, day)
of the tickets, whatever their number. Definitions:

- wait: from taking the number to its first call (`first_called_at - taken_at`), over the
  tickets called at least once; service time: `finished_at - started_at` of tickets done;
- no-show rate: no-shows ÷ (done + no-shows) — of the tickets whose visit ended at a window;
- estimate error: |the wait estimated when the number was taken − the real wait|, over the
  tickets called that had an estimate; its median and 90th percentile (nearest rank:
  `percentile_disc` on PostgreSQL, the same rank by ORDER BY … OFFSET elsewhere);
- ratings: window ratings (feedback, subject "ticket") given on the day, per hall.
"""

import datetime
import math
from dataclasses import dataclass, field

from django.db import connection
from django.db.models import (
    Aggregate,
    Avg,
    Count,
    F,
    FloatField,
    Func,
    Max,
    Min,
    Q,
    Sum,
)
from django.db.models.functions import Abs
from django.utils import timezone

from yiwang.feedback.models import BAD_LEVELS, SATISFIED_LEVELS, Evaluation

from .models import Hall, Ticket, Window
from .models import TicketStatus as T
from .services import local

# The manager's page: the error's longer view, and the history it charts.
ERROR_DAYS = 30
HISTORY_DAYS = 60


class Seconds(Func):
    """Seconds from one moment to a later one: `Seconds(later, earlier)`, a float."""

    arity = 2
    output_field = FloatField()

    def as_sqlite(self, compiler, connection, **extra):
        # Django keeps SQLite datetimes as ISO text in UTC, which julianday() reads.
        return self.as_sql(
            compiler,
            connection,
            template="((julianday(%(expressions)s)) * 86400.0)",
            arg_joiner=") - julianday(",
            **extra,
        )

    def as_postgresql(self, compiler, connection, **extra):
        return self.as_sql(
            compiler,
            connection,
            template="EXTRACT(EPOCH FROM (%(expressions)s))::float",
            arg_joiner=" - ",
            **extra,
        )


class PercentileDisc(Aggregate):
    """PostgreSQL's ordered-set aggregate: the first value at or above the fraction."""

    function = "percentile_disc"
    template = "%(function)s(%(fraction)s) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()

    def __init__(self, expression, fraction: float, **extra):
        super().__init__(expression, fraction=float(fraction), **extra)


def wait() -> Seconds:
    return Seconds(F("first_called_at"), F("taken_at"))


def service() -> Seconds:
    return Seconds(F("finished_at"), F("started_at"))


def estimate_error() -> Abs:
    return Abs(F("estimate_seconds") - wait())


ESTIMATED = Q(estimate_seconds__isnull=False, first_called_at__isnull=False)


def _rank(n: int, fraction: float) -> int:
    """The 0-based nearest rank of `fraction` among n sorted values (percentile_disc's)."""
    return max(math.ceil(fraction * n) - 1, 0)


def percentiles(queryset, expression, fractions=(0.5, 0.9)) -> tuple[int, list[float | None]]:
    """(how many rows, the value of `expression` at each fraction) over `queryset`: one
    aggregate on PostgreSQL, a count and one indexed ORDER BY … OFFSET per fraction
    elsewhere."""
    queryset = queryset.order_by()
    if connection.vendor == "postgresql":
        found = queryset.aggregate(
            n=Count("pk"),
            **{f"p{i}": PercentileDisc(expression, f) for i, f in enumerate(fractions)},
        )
        return found["n"], [found[f"p{i}"] for i in range(len(fractions))]
    n = queryset.count()
    if not n:
        return 0, [None for _f in fractions]
    ordered = (
        queryset.annotate(_value=expression).order_by("_value").values_list("_value", flat=True)
    )
    return n, [ordered[_rank(n, f)] for f in fractions]


# --- live: the manager's page --------------------------------------------------------------


@dataclass
class CategoryNow:
    letter: str
    name: str
    waiting: int = 0
    longest_wait: float | None = None  # seconds, of the one waiting longest


@dataclass
class WindowNow:
    number: int
    label: str
    status: str
    status_label: str
    staff: str
    current: str
    served: int = 0
    ratings: int = 0
    satisfied: int = 0

    @property
    def satisfaction(self) -> float | None:
        return self.satisfied / self.ratings if self.ratings else None


@dataclass
class Error:
    n: int
    median: float | None
    p90: float | None


@dataclass
class Live:
    hall: Hall
    at: datetime.datetime
    categories: list[CategoryNow]
    windows: list[WindowNow]
    taken: int = 0
    waiting: int = 0
    at_windows: int = 0  # called or being served
    served: int = 0
    no_shows: int = 0
    longest_wait: float | None = None
    average_wait: float | None = None
    average_service: float | None = None
    error_today: Error = field(default_factory=lambda: Error(0, None, None))
    error_30_days: Error = field(default_factory=lambda: Error(0, None, None))
    ratings: int = 0
    ratings_satisfied: int = 0
    ratings_bad: int = 0

    @property
    def no_show_rate(self) -> float | None:
        ended = self.served + self.no_shows
        return self.no_shows / ended if ended else None

    @property
    def satisfaction(self) -> float | None:
        return self.ratings_satisfied / self.ratings if self.ratings else None

    def windows_in(self, status: str) -> int:
        return sum(1 for w in self.windows if w.status == status)


def live(hall: Hall, now: datetime.datetime | None = None) -> Live:
    """The hall now and so far today: nine queries, whatever the number of tickets."""
    now = now or timezone.now()
    today = local(now).date()
    tickets = Ticket.objects.filter(hall=hall, day=today)
    figures = Live(hall=hall, at=now, categories=[], windows=[])

    # 1. The categories and 2. what waits in each, the longest wait.
    by_category = {
        row["category_id"]: row
        for row in tickets.filter(status=T.WAITING)
        .order_by()
        .values("category_id")
        .annotate(n=Count("pk"), oldest=Min("taken_at"))
    }
    for category in hall.categories.filter(is_active=True).order_by("position", "letter"):
        row = by_category.get(category.pk, {})
        oldest = row.get("oldest")
        figures.categories.append(
            CategoryNow(
                letter=category.letter,
                name=category.name,
                waiting=row.get("n", 0),
                longest_wait=(now - oldest).total_seconds() if oldest else None,
            )
        )
    waits = [c.longest_wait for c in figures.categories if c.longest_wait is not None]
    figures.longest_wait = max(waits) if waits else None

    # 3. The day's counts and averages, in one pass over the day's tickets.
    day = tickets.order_by().aggregate(
        taken=Count("pk"),
        waiting=Count("pk", filter=Q(status=T.WAITING)),
        at_windows=Count("pk", filter=Q(status__in=[T.CALLED, T.SERVING])),
        served=Count("pk", filter=Q(status=T.DONE)),
        no_shows=Count("pk", filter=Q(status=T.NO_SHOW)),
        average_wait=Avg(wait(), filter=Q(first_called_at__isnull=False)),
        average_service=Avg(
            service(), filter=Q(status=T.DONE, started_at__isnull=False, finished_at__isnull=False)
        ),
    )
    figures.taken, figures.waiting = day["taken"], day["waiting"]
    figures.at_windows, figures.served, figures.no_shows = (
        day["at_windows"],
        day["served"],
        day["no_shows"],
    )
    figures.average_wait, figures.average_service = day["average_wait"], day["average_service"]

    # 4–5. The estimate's error today and over 30 days (percentiles: 1 or 3 queries each).
    n, (median, p90) = percentiles(tickets.filter(ESTIMATED), estimate_error())
    figures.error_today = Error(n, median, p90)
    since = today - datetime.timedelta(days=ERROR_DAYS - 1)
    month = Ticket.objects.filter(hall=hall, day__gte=since, day__lte=today).filter(ESTIMATED)
    n, (median, p90) = percentiles(month, estimate_error())
    figures.error_30_days = Error(n, median, p90)

    # 6. The windows and who staffs them, 7. what each served today, 8. each one's ratings
    # over 30 days (a window's rating follows the ticket it served).
    served = dict(
        tickets.filter(status=T.DONE, window__isnull=False)
        .order_by()
        .values("window_id")
        .annotate(n=Count("pk"))
        .values_list("window_id", "n")
    )
    rated = {
        row["ticket__window_id"]: row
        for row in Evaluation.objects.filter(
            ticket__hall=hall, rated_on__gte=since, rated_on__lte=today
        )
        .order_by()
        .values("ticket__window_id")
        .annotate(n=Count("pk"), good=Count("pk", filter=Q(level__in=SATISFIED_LEVELS)))
    }
    for window in (
        Window.objects.filter(hall=hall)
        .select_related("staff", "current_ticket")
        .order_by("number")
    ):
        ratings = rated.get(window.pk, {})
        figures.windows.append(
            WindowNow(
                number=window.number,
                label=str(window),
                status=window.status,
                status_label=window.get_status_display(),
                staff=window.staff.display_name if window.staff_id else "",
                current=window.current_ticket.number if window.current_ticket_id else "",
                served=served.get(window.pk, 0),
                ratings=ratings.get("n", 0),
                satisfied=ratings.get("good", 0),
            )
        )

    # 9. Today's window ratings.
    ratings = Evaluation.objects.filter(ticket__hall=hall, rated_on=today).aggregate(
        n=Count("pk"),
        good=Count("pk", filter=Q(level__in=SATISFIED_LEVELS)),
        bad=Count("pk", filter=Q(level__in=BAD_LEVELS)),
    )
    figures.ratings = ratings["n"]
    figures.ratings_satisfied = ratings["good"]
    figures.ratings_bad = ratings["bad"]
    return figures


# --- per day: the rollup's rows -------------------------------------------------------------

DAILY_FIELDS = (
    "taken",
    "served",
    "no_shows",
    "closed",
    "waited",
    "wait_seconds",
    "longest_wait_seconds",
    "serviced",
    "service_seconds",
    "estimated",
    "estimate_error_seconds",
    "estimate_error_median",
    "estimate_error_p90",
    "ratings",
    "ratings_satisfied",
    "ratings_bad",
    "rating_points",
)


def daily(first: datetime.date, last: datetime.date) -> dict[tuple[int, datetime.date], dict]:
    """{(hall id, day): counts} for every hall and day first..last with tickets or window
    ratings: one GROUP BY for the tickets, one for the percentiles of the estimate's error
    (PostgreSQL; elsewhere the errors are read in order), one for the ratings."""
    rows: dict[tuple[int, datetime.date], dict] = {}

    def row(hall_id, day) -> dict:
        return rows.setdefault((hall_id, day), dict.fromkeys(DAILY_FIELDS, 0))

    tickets = Ticket.objects.filter(day__gte=first, day__lte=last).order_by()
    called = Q(first_called_at__isnull=False)
    done = Q(status=T.DONE, started_at__isnull=False, finished_at__isnull=False)
    for found in tickets.values("hall_id", "day").annotate(
        taken=Count("pk"),
        served=Count("pk", filter=Q(status=T.DONE)),
        no_shows=Count("pk", filter=Q(status=T.NO_SHOW)),
        closed=Count("pk", filter=Q(status__in=[T.CLOSED, T.CANCELLED])),
        waited=Count("pk", filter=called),
        wait_seconds=Sum(wait(), filter=called),
        longest_wait_seconds=Max(wait(), filter=called),
        serviced=Count("pk", filter=done),
        service_seconds=Sum(service(), filter=done),
        estimated=Count("pk", filter=ESTIMATED),
        estimate_error_seconds=Sum(estimate_error(), filter=ESTIMATED),
    ):
        counts = row(found.pop("hall_id"), found.pop("day"))
        for name, value in found.items():
            counts[name] = round(value or 0)

    estimated = tickets.filter(ESTIMATED)
    if connection.vendor == "postgresql":
        for found in estimated.values("hall_id", "day").annotate(
            median=PercentileDisc(estimate_error(), 0.5), p90=PercentileDisc(estimate_error(), 0.9)
        ):
            counts = row(found["hall_id"], found["day"])
            counts["estimate_error_median"] = round(found["median"])
            counts["estimate_error_p90"] = round(found["p90"])
    else:
        errors: dict[tuple[int, datetime.date], list[float]] = {}
        for hall_id, day, error in (
            estimated.annotate(error=estimate_error())
            .order_by("hall_id", "day", "error")
            .values_list("hall_id", "day", "error")
            .iterator(chunk_size=5000)
        ):
            errors.setdefault((hall_id, day), []).append(error)
        for key, values in errors.items():
            counts = row(*key)
            counts["estimate_error_median"] = round(values[_rank(len(values), 0.5)])
            counts["estimate_error_p90"] = round(values[_rank(len(values), 0.9)])

    for found in (
        Evaluation.objects.filter(ticket__isnull=False, rated_on__gte=first, rated_on__lte=last)
        .order_by()
        .values("ticket__hall_id", "rated_on")
        .annotate(
            ratings=Count("pk"),
            ratings_satisfied=Count("pk", filter=Q(level__in=SATISFIED_LEVELS)),
            ratings_bad=Count("pk", filter=Q(level__in=BAD_LEVELS)),
            rating_points=Sum("level"),
        )
    ):
        counts = row(found.pop("ticket__hall_id"), found.pop("rated_on"))
        counts.update(found)
    return rows


def first_day() -> datetime.date | None:
    """The first day of any ticket (a full rebuild of the rollups starts there or earlier)."""
    return Ticket.objects.aggregate(d=Min("day"))["d"]
