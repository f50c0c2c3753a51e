"""Daily rollups and live figures (see models.py). Other apps call `mark_dirty` when
something dated on a past day changes, so the rollup job counts that day again.

What is counted, per Asia/Shanghai day and key (responsible department, service point,
item; the level is the service point's), always from the source tables with range queries
on the moment of the event (indexed, cases migration 0005), and only for cases that have
an item version (a 一件事 parent has none; each of its children counts):

- received: the first submission (`Case.submitted_at`; a resubmission after a supplement
  notice is not a new receipt);
- accepted: acceptance (`accepted_at`), deemed acceptances (行政许可法 第三十二条,
  `deemed_accepted`) included, on the day the system deemed them accepted;
- refused: 不予受理 on its day (`concluded_at` of a refused case);
- notices: 一次性告知 notices issued (a bundle's notice is on the parent: it counts for
  each of its items); repeated notices are a case's 2nd and later ones;
- concluded: 办结 (approved, approved with tolerance, denied — and so also a licence
  revoked later) on its day; on time when that day is on or before `promised_due_on`
  (a case without a promised deadline cannot be late);
- repeated returns: a case's 2nd return (`ApprovalTask.decision == "return"`), on the day
  that task was completed — so each case returned more than once counts once;
- ratings (`Charge.rated_on`): how many, satisfied (基本满意 and better), bad (不满意,
  非常不满意) and the sum of levels (5 非常满意 … 1 非常不满意). A rating counts once for
  every department that handled the case: a 一件事 journey's rating for each member item;
- rectifications opened on the day (`Rectification.created_on`) and, of those, how many
  are closed now (feedback marks the opening day dirty when one closes).

Service halls have their own daily rows (`HallDailyRollup`, one per hall and day, counted by
`halls.figures.daily`: numbers taken, served, no-shows, wait and service time sums, the
estimate's error, window ratings), written in the same transactions as the rest.

Live figures are open work now, per key, replaced each cycle:

- in progress (在办): accepted, in review or suspended (特别程序). Cases still waiting at
  the window (submitted, supplement) are not in progress yet: their clock has not
  started, and an Art. 32 lapse shows up as a deemed acceptance;
- yellow / red: the case's warning (`Case.warning`, set by the workflow's warning job);
- idle tasks: open approval tasks of running cases (not suspended) neither pushed nor
  claimed within the last YIWANG_IDLE_TASK_WORKDAYS working days.
"""

import datetime
from collections import defaultdict
from collections.abc import Iterable

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, Exists, IntegerField, Min, OuterRef, Q, Subquery, Sum
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone

from yiwang.feedback.models import (
    BAD_LEVELS,
    SATISFIED_LEVELS,
    Charge,
    Evaluation,
    Rectification,
    RectificationStatus,
)
from yiwang.halls import figures as hall_figures
from yiwang.halls.models import Hall
from yiwang.identity.models import OrgUnit
from yiwang.journey.cases.models import Case, Status, SupplementNotice, Warning
from yiwang.journey.workflow.models import OPEN_TASK, ApprovalTask, Decision
from yiwang.workdays import calendar

from .models import DailyRollup, DirtyDay, HallDailyRollup, LiveFigure, MonthlyRollup

TZ = calendar.SHANGHAI
IN_PROGRESS = (Status.ACCEPTED, Status.IN_REVIEW, Status.SUSPENDED)
RUNNING = (Status.ACCEPTED, Status.IN_REVIEW)  # clocks that run: tasks there can be idle
CONCLUDED = (Status.APPROVED, Status.APPROVED_TOLERATED, Status.DENIED, Status.REVOKED)

DAILY_COUNTS = (
    "received",
    "accepted",
    "deemed_accepted",
    "refused",
    "notices",
    "repeated_notices",
    "concluded",
    "concluded_on_time",
    "repeated_returns",
    "ratings",
    "ratings_satisfied",
    "ratings_bad",
    "rating_points",
    "rectifications_opened",
    "rectifications_closed",
)
LIVE_COUNTS = ("in_progress", "yellow", "red", "idle_tasks")

# Every writer of rollups takes this PostgreSQL advisory lock first, so two workers never
# interleave a delete and an insert of the same rows. SQLite's IMMEDIATE transactions
# (settings.DATABASES) serialise writers already.
_LOCK_KEY = 0x5957_0007
Key = tuple[int | None, int, int]  # department, place, item


def mark_dirty(day: datetime.date) -> None:
    """Ask the rollup job to count `day` again on its next cycle (idempotent)."""
    DirtyDay.objects.update_or_create(day=day)


def mark_deadline_years_dirty(years: Iterable[int]) -> int:
    """A holiday schedule changed for `years`: deadlines in them may have moved (cases
    recompute their provisional ones), so a concluded case's on-time judgement may have
    changed. Mark the days such cases concluded on; returns how many. Rare (an operator's
    import), so a scan of the deadlines is acceptable."""
    in_years = Q()
    for year in years:
        in_years |= Q(
            promised_due_on__range=(datetime.date(year, 1, 1), datetime.date(year, 12, 31))
        )
    if not in_years:
        return 0
    days = (
        Case.objects.filter(in_years, concluded_at__isnull=False, item_version__isnull=False)
        .annotate(day=_day_of("concluded_at"))
        .values_list("day", flat=True)
        .distinct()
    )
    marked = sorted(set(days))
    for day in marked:
        mark_dirty(day)
    return len(marked)


def today() -> datetime.date:
    from yiwang.journey.workflow import clocks  # tests travel in time through clocks.today

    return clocks.today()


def _start(day: datetime.date) -> datetime.datetime:
    """Midnight at the start of `day` in Asia/Shanghai."""
    return datetime.datetime.combine(day, datetime.time.min, tzinfo=TZ)


def _window(first: datetime.date, last: datetime.date) -> tuple[datetime.datetime, ...]:
    return _start(first), _start(last + datetime.timedelta(days=1))


def _lock() -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_LOCK_KEY])


# --- counting -------------------------------------------------------------------------------


class _Tally:
    """Counts per (day, key), summed from several sources."""

    def __init__(self):
        self.rows: dict[tuple[datetime.date, Key], dict[str, int]] = defaultdict(
            lambda: dict.fromkeys(DAILY_COUNTS, 0)
        )

    def add(self, rows: Iterable[dict], *, day: str, key: tuple[str, str, str]) -> None:
        for row in rows:
            day_value = row[day]
            if isinstance(day_value, datetime.datetime):  # some backends return datetimes
                day_value = day_value.date()
            counts = self.rows[(day_value, tuple(row[k] for k in key))]
            for name in DAILY_COUNTS:
                if row.get(name):
                    counts[name] += row[name]


CASE_KEY = ("department_id", "place_id", "item_version__item_id")


def _day_of(field: str) -> TruncDate:
    return TruncDate(field, tzinfo=TZ)


def _by_day_and_key(queryset, field: str, key=CASE_KEY, **counts):
    """GROUP BY the Shanghai day of `field` and the key, with `counts` as aggregates."""
    return (
        queryset.order_by()
        .annotate(event_day=_day_of(field))
        .values("event_day", *key)
        .annotate(**counts)
    )


def _count(first: datetime.date, last: datetime.date) -> _Tally:
    """Every daily count for the days first..last (inclusive), set-based: one GROUP BY per
    source, each a range query on the indexed moment of its event."""
    lo, hi = _window(first, last)
    tally = _Tally()
    cases = Case.objects.filter(item_version__isnull=False)

    received = cases.filter(submitted_at__gte=lo, submitted_at__lt=hi)
    tally.add(
        _by_day_and_key(received, "submitted_at", received=Count("pk")),
        day="event_day",
        key=CASE_KEY,
    )

    accepted = cases.filter(accepted_at__gte=lo, accepted_at__lt=hi)
    tally.add(
        _by_day_and_key(
            accepted,
            "accepted_at",
            accepted=Count("pk"),
            deemed_accepted=Count("pk", filter=Q(deemed_accepted=True)),
        ),
        day="event_day",
        key=CASE_KEY,
    )

    ended = cases.filter(
        concluded_at__gte=lo, concluded_at__lt=hi, status__in=[*CONCLUDED, Status.REFUSED]
    )
    concluded = Q(status__in=CONCLUDED)
    on_time = Q(promised_due_on__isnull=True) | Q(promised_due_on__gte=_day_of("concluded_at"))
    tally.add(
        _by_day_and_key(
            ended,
            "concluded_at",
            refused=Count("pk", filter=Q(status=Status.REFUSED)),
            concluded=Count("pk", filter=concluded),
            concluded_on_time=Count("pk", filter=concluded & on_time),
        ),
        day="event_day",
        key=CASE_KEY,
    )

    # 一次性告知: on a single case, or on a bundle's parent for each of its items.
    notices = SupplementNotice.objects.filter(issued_at__gte=lo, issued_at__lt=hi).annotate(
        repeated=Exists(
            SupplementNotice.objects.filter(case_id=OuterRef("case_id"), pk__lt=OuterRef("pk"))
        )
    )
    notice_counts = {
        "notices": Count("pk"),
        "repeated_notices": Count("pk", filter=Q(repeated=True)),
    }
    own = ("case__department_id", "case__place_id", "case__item_version__item_id")
    tally.add(
        _by_day_and_key(
            notices.filter(case__item_version__isnull=False), "issued_at", own, **notice_counts
        ),
        day="event_day",
        key=own,
    )
    children = (
        "case__children__department_id",
        "case__children__place_id",
        "case__children__item_version__item_id",
    )
    tally.add(
        _by_day_and_key(
            notices.filter(
                case__item_version__isnull=True, case__children__item_version__isnull=False
            ),
            "issued_at",
            children,
            **notice_counts,
        ),
        day="event_day",
        key=children,
    )

    # A case's 2nd return: the return with exactly one earlier return on the same case.
    earlier_returns = (
        ApprovalTask.objects.filter(
            case_id=OuterRef("case_id"), decision=Decision.RETURN, pk__lt=OuterRef("pk")
        )
        .order_by()
        .values("case_id")
        .annotate(n=Count("pk"))
        .values("n")
    )
    second_returns = (
        ApprovalTask.objects.filter(
            decision=Decision.RETURN, completed_at__gte=lo, completed_at__lt=hi
        )
        .annotate(earlier=Coalesce(Subquery(earlier_returns, output_field=IntegerField()), 0))
        .filter(earlier=1, case__item_version__isnull=False)
    )
    task_key = ("case__department_id", "case__place_id", "case__item_version__item_id")
    tally.add(
        _by_day_and_key(second_returns, "completed_at", task_key, repeated_returns=Count("pk")),
        day="event_day",
        key=task_key,
    )

    rating_key = ("department_id", "place_id", "item_id")
    ratings = (
        Charge.objects.filter(
            rated_on__gte=first, rated_on__lte=last, place__isnull=False, item__isnull=False
        )
        .order_by()
        .values("rated_on", *rating_key)
        .annotate(
            ratings=Count("pk"),
            ratings_satisfied=Count("pk", filter=Q(level__in=SATISFIED_LEVELS)),
            ratings_bad=Count("pk", filter=Q(level__in=BAD_LEVELS)),
            rating_points=Sum("level"),
        )
    )
    tally.add(ratings, day="rated_on", key=rating_key)

    # Under the rating's key, so a department's rectification rate is of its own ratings.
    rectification_key = (
        "evaluation__department_id",
        "evaluation__place_id",
        "evaluation__item_id",
    )
    rectifications = (
        Rectification.objects.filter(
            created_on__gte=first,
            created_on__lte=last,
            evaluation__place__isnull=False,
            evaluation__item__isnull=False,
        )
        .order_by()
        .values("created_on", *rectification_key)
        .annotate(
            rectifications_opened=Count("pk"),
            rectifications_closed=Count("pk", filter=Q(status=RectificationStatus.CLOSED)),
        )
    )
    tally.add(rectifications, day="created_on", key=rectification_key)
    return tally


def _orgs(ids: set[int]) -> dict[int, tuple[str, str]]:
    """path and level of each org unit (the org tree is small)."""
    rows = OrgUnit.objects.filter(pk__in=[i for i in ids if i is not None])
    return {pk: (path, level) for pk, path, level in rows.values_list("pk", "path", "level")}


def _key_fields(key: Key, orgs) -> dict:
    department_id, place_id, item_id = key
    place_path, level = orgs[place_id]
    return {
        "department_id": department_id,
        "department_path": orgs[department_id][0] if department_id in orgs else "",
        "place_id": place_id,
        "place_path": place_path,
        "item_id": item_id,
        "level": level,
    }


def _daily_rows(tally: _Tally) -> list[DailyRollup]:
    keys = [key for _day, key in tally.rows]
    orgs = _orgs({k[0] for k in keys} | {k[1] for k in keys})
    return [
        DailyRollup(day=day, **_key_fields(key, orgs), **counts)
        for (day, key), counts in tally.rows.items()
        if any(counts.values())
    ]


# --- writing --------------------------------------------------------------------------------


def _write_halls(first: datetime.date, last: datetime.date) -> int:
    """Replace the halls' rows of the days first..last (inside the caller's transaction and
    lock)."""
    counted = hall_figures.daily(first, last)
    places = dict(
        Hall.objects.filter(pk__in={hall_id for hall_id, _day in counted}).values_list(
            "pk", "org_id"
        )
    )
    paths = _orgs(set(places.values()))
    rows = [
        HallDailyRollup(
            hall_id=hall_id,
            day=day,
            place_id=places[hall_id],
            place_path=paths[places[hall_id]][0],
            **counts,
        )
        for (hall_id, day), counts in counted.items()
    ]
    HallDailyRollup.objects.filter(day__gte=first, day__lte=last).delete()
    HallDailyRollup.objects.bulk_create(rows, batch_size=1000)
    return len(rows)


def month_of(day: datetime.date) -> datetime.date:
    return day.replace(day=1)


def month_end(month: datetime.date) -> datetime.date:
    following = (month + datetime.timedelta(days=32)).replace(day=1)
    return following - datetime.timedelta(days=1)


def _write_month(month: datetime.date) -> int:
    """Replace the month's MonthlyRollup rows by the sums of its daily rows (inside the
    caller's transaction and lock)."""
    key = ("department_id", "department_path", "place_id", "place_path", "item_id", "level")
    sums = (
        DailyRollup.objects.filter(day__gte=month, day__lte=month_end(month))
        .order_by()
        .values(*key)
        .annotate(**{name: Sum(name) for name in DAILY_COUNTS})
    )
    rows = [MonthlyRollup(month=month, **row) for row in sums]
    MonthlyRollup.objects.filter(month=month).delete()
    MonthlyRollup.objects.bulk_create(rows, batch_size=2000)
    return len(rows)


def refresh(day: datetime.date) -> int:
    """Count `day` again and replace its rows, and its month's, in one transaction
    (idempotent; two workers refreshing the same day take turns). Returns the number of
    daily rows written."""
    with transaction.atomic():
        _lock()
        rows = _daily_rows(_count(day, day))
        DailyRollup.objects.filter(day=day).delete()
        DailyRollup.objects.bulk_create(rows, batch_size=1000)
        _write_month(month_of(day))
        _write_halls(day, day)
    return len(rows)


def first_day() -> datetime.date | None:
    """The earliest day anything counted happened (for a full rebuild)."""
    found = [
        Case.objects.filter(item_version__isnull=False).aggregate(d=Min("submitted_at"))["d"],
        Evaluation.objects.aggregate(d=Min("rated_on"))["d"],
        hall_figures.first_day(),
    ]
    days = [timezone.localdate(d, TZ) if isinstance(d, datetime.datetime) else d for d in found]
    days = [d for d in days if d is not None]
    return min(days) if days else None


def rebuild(since: datetime.date | None = None, until: datetime.date | None = None) -> int:
    """Count every day from `since` (default: the first day anything happened, and then
    older rows are dropped too) to `until` (default today) set-based, a calendar month
    per transaction, and replace their daily and monthly rows. Live figures are refreshed
    too, so a rebuilt dashboard is complete. Returns the number of daily rows written."""
    until = until or today()
    full = since is None
    since = since or first_day() or until
    written = 0
    if full:
        DailyRollup.objects.filter(day__lt=since).delete()
        MonthlyRollup.objects.filter(month__lt=month_of(since)).delete()
        HallDailyRollup.objects.filter(day__lt=since).delete()
    start = since
    while start <= until:  # a calendar month (or what of it is asked) per transaction
        end = min(month_end(start), until)
        with transaction.atomic():
            _lock()
            rows = _daily_rows(_count(start, end))
            DailyRollup.objects.filter(day__gte=start, day__lte=end).delete()
            DailyRollup.objects.bulk_create(rows, batch_size=2000)
            _write_month(month_of(start))
            _write_halls(start, end)
        written += len(rows)
        start = end + datetime.timedelta(days=1)
    refresh_live()
    return written


def refresh_live(day: datetime.date | None = None) -> int:
    """Replace the live figures with open work now. Returns the number of rows."""
    day = day or today()
    counts: dict[Key, dict[str, int]] = defaultdict(lambda: dict.fromkeys(LIVE_COUNTS, 0))
    open_cases = (
        Case.objects.filter(item_version__isnull=False, status__in=IN_PROGRESS)
        .order_by()
        .values(*CASE_KEY)
        .annotate(
            in_progress=Count("pk"),
            yellow=Count("pk", filter=Q(warning=Warning.YELLOW)),
            red=Count("pk", filter=Q(warning=Warning.RED)),
        )
    )
    for row in open_cases:
        key = tuple(row[k] for k in CASE_KEY)
        for name in ("in_progress", "yellow", "red"):
            counts[key][name] += row[name]
    task_key = ("case__department_id", "case__place_id", "case__item_version__item_id")
    for row in idle_tasks(day).order_by().values(*task_key).annotate(n=Count("pk")):
        counts[tuple(row[k] for k in task_key)]["idle_tasks"] += row["n"]
    orgs = _orgs({k[0] for k in counts} | {k[1] for k in counts})
    rows = [LiveFigure(**_key_fields(key, orgs), **values) for key, values in counts.items()]
    with transaction.atomic():
        _lock()
        LiveFigure.objects.all().delete()
        LiveFigure.objects.bulk_create(rows, batch_size=1000)
    return len(rows)


def idle_since(day: datetime.date | None = None) -> datetime.datetime:
    """Tasks last pushed or claimed before this moment have been idle for at least
    YIWANG_IDLE_TASK_WORKDAYS working days on `day`."""
    day = day or today()
    last_quiet_day = calendar.add_workdays_checked(day, -settings.YIWANG_IDLE_TASK_WORKDAYS).date
    return _start(last_quiet_day + datetime.timedelta(days=1))


def idle_tasks(day: datetime.date | None = None, *, joined: bool = True):
    """Open approval tasks of running cases with no activity (pushed, claimed) for
    YIWANG_IDLE_TASK_WORKDAYS working days. `joined=False` leaves the case's conditions
    (running, with an item version) to the caller's query on cases."""
    cutoff = idle_since(day)
    tasks = ApprovalTask.objects.filter(status__in=OPEN_TASK, created_at__lt=cutoff).filter(
        Q(started_at__isnull=True) | Q(started_at__lt=cutoff)
    )
    if joined:
        tasks = tasks.filter(case__status__in=RUNNING, case__item_version__isnull=False)
    return tasks


def run_cycle(day: datetime.date | None = None) -> dict:
    """The job: today and yesterday (an event late last night), every day marked dirty,
    then the live figures. Safe to run twice, and by two workers at once."""
    day = day or today()
    if not DailyRollup.objects.exists():
        # A new installation, or one upgraded from before the figures: count the past once.
        rebuild(until=day)
    dirty = list(DirtyDay.objects.values_list("pk", "day", "marked_at"))
    days = {day, day - datetime.timedelta(days=1)} | {d for _pk, d, _at in dirty}
    for each in sorted(days):
        refresh(each)
    for pk, _day, marked_at in dirty:
        # Marked again while we counted? Then it stays for the next cycle.
        DirtyDay.objects.filter(pk=pk, marked_at=marked_at).delete()
    live = refresh_live(day)
    return {"days": sorted(days), "live": live}
