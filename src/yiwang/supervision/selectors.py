"""Read queries of 电子监察: the figures of a supervisor's scope over a period, the weekly
ranking of departments, and the cases behind a figure.

Figures are read from DailyRollup (what happened on each day) and LiveFigure (open work
now) only — a constant number of queries whatever the number of cases. Only the
drill-down list reads cases, one page at a time in index order.

Scope (agreed for figures and lists): a supervisor granted at org P sees rows whose
service point OR responsible department lies in P's subtree; a superuser sees all."""

import datetime
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import (
    Count,
    Exists,
    IntegerField,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
)
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from yiwang.feedback.models import BAD_LEVELS, SATISFIED_LEVELS, Charge, Rectification
from yiwang.identity import policy
from yiwang.identity.models import OrgKind, OrgLevel, OrgUnit
from yiwang.journey.cases.models import Case, Status, SupplementNotice, Warning
from yiwang.journey.workflow.models import ApprovalTask, Decision

from . import rollups
from .models import DailyRollup, HallDailyRollup, LiveFigure, MonthlyRollup

VIEW = "supervision.view"
# At most this many days in one custom period (the rollups stay small, but a decade of
# daily chart points helps no one).
MAX_PERIOD_DAYS = 5 * 366
TOP_ITEMS = 20

PRESETS = [
    ("week", _("本周")),
    ("month", _("本月")),
    ("30d", _("近30天")),
    ("year", _("本年")),
]
LEVELS = list(OrgLevel.choices)


# --- who sees what --------------------------------------------------------------------------


def may_view(user) -> bool:
    return policy.can(user, VIEW)


def _scoped(user, queryset: QuerySet) -> QuerySet:
    """The rows the user watches (service point OR responsible department in their subtree;
    identity.policy, action supervision.view)."""
    return policy.scope(user, queryset, VIEW)


# --- periods and filters --------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    first: datetime.date
    last: datetime.date
    preset: str = "custom"

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1

    def as_query(self) -> dict:
        if self.preset != "custom":
            return {"period": self.preset}
        return {"period": "custom", "from": self.first.isoformat(), "to": self.last.isoformat()}


def period(preset: str | None = None, first=None, last=None, *, today=None) -> Period:
    """A preset (本周, 本月, 近30天, 本年) or a custom from–to, inclusive; ends no later than
    today. Unknown or broken input gives 近30天, which always shows a month of work (本月
    is nearly empty on the first days of a month)."""
    today = today or rollups.today()
    if preset == "custom" or (preset in (None, "") and (first or last)):
        try:
            first = _as_day(first) or today.replace(day=1)
            last = min(_as_day(last) or today, today)
        except ValueError:
            first = last = None
        if first and last and first <= last and (last - first).days < MAX_PERIOD_DAYS:
            return Period(first, last, "custom")
        preset = "30d"
    if preset == "week":
        return Period(today - datetime.timedelta(days=today.weekday()), today, "week")
    if preset == "month":
        return Period(today.replace(day=1), today, "month")
    if preset == "year":
        return Period(today.replace(month=1, day=1), today, "year")
    return Period(today - datetime.timedelta(days=29), today, "30d")


def _as_day(value) -> datetime.date | None:
    if not value:
        return None
    if isinstance(value, datetime.date):
        return value
    return datetime.date.fromisoformat(str(value))


@dataclass(frozen=True)
class Filters:
    department: str = ""  # org code of the responsible department
    item: str = ""  # item code
    level: str = ""  # OrgLevel of the service point

    @classmethod
    def of(cls, data) -> "Filters":
        level = data.get("level") or ""
        return cls(
            department=(data.get("department") or "").strip()[:64],
            item=(data.get("item") or "").strip()[:32],
            level=level if level in OrgLevel.values else "",
        )

    def rollup_q(self) -> Q:
        condition = Q()
        if self.department:
            condition &= Q(department__code=self.department)
        if self.item:
            condition &= Q(item__code=self.item)
        if self.level:
            condition &= Q(level=self.level)
        return condition

    def case_q(self) -> Q:
        condition = Q()
        if self.department:
            condition &= Q(department__code=self.department)
        if self.item:
            condition &= Q(item_version__item__code=self.item)
        if self.level:
            condition &= Q(place__level=self.level)
        return condition

    def as_query(self) -> dict:
        return {
            k: v
            for k, v in (
                ("department", self.department),
                ("item", self.item),
                ("level", self.level),
            )
            if v
        }


def departments_in_scope(user) -> QuerySet:
    """Departments for the filter: those in the user's subtree (all for a district)."""
    queryset = _scoped(user, OrgUnit.objects.filter(kind=OrgKind.DEPARTMENT, is_active=True))
    return queryset.order_by("code").only("code", "name")


# --- figures --------------------------------------------------------------------------------

PERIOD_SUMS = {name: Coalesce(Sum(name), 0) for name in rollups.DAILY_COUNTS}
LIVE_SUMS = {name: Coalesce(Sum(name), 0) for name in rollups.LIVE_COUNTS}


def _rate(part: int, whole: int) -> float | None:
    return part / whole if whole else None


@dataclass
class Row:
    """Figures of one department, one item, or the whole scope."""

    code: str = ""
    name: str = ""
    counts: dict = field(default_factory=lambda: dict.fromkeys(rollups.DAILY_COUNTS, 0))
    live: dict = field(default_factory=lambda: dict.fromkeys(rollups.LIVE_COUNTS, 0))

    def add(self, counts: dict, live: dict) -> None:
        for name in rollups.DAILY_COUNTS:
            self.counts[name] += counts.get(name, 0)
        for name in rollups.LIVE_COUNTS:
            self.live[name] += live.get(name, 0)

    def __getattr__(self, name):
        # Template access: row.received, row.red …
        for source in ("counts", "live"):
            values = self.__dict__.get(source, {})
            if name in values:
                return values[name]
        raise AttributeError(name)

    @property
    def late(self) -> int:
        return self.counts["concluded"] - self.counts["concluded_on_time"]

    @property
    def overdue(self) -> int:
        """Red now (open and past the promised deadline) plus concluded late in the period."""
        return self.live["red"] + self.late

    @property
    def on_time_rate(self) -> float | None:
        return _rate(self.counts["concluded_on_time"], self.counts["concluded"])

    @property
    def satisfaction_rate(self) -> float | None:
        return _rate(self.counts["ratings_satisfied"], self.counts["ratings"])

    @property
    def rectification_rate(self) -> float | None:
        return _rate(self.counts["rectifications_closed"], self.counts["rectifications_opened"])

    @property
    def average_level(self) -> float | None:
        return _rate(self.counts["rating_points"], self.counts["ratings"])

    def as_dict(self) -> dict:
        return {
            "code": self.code,
            "name": self.name,
            **self.counts,
            **self.live,
            "late": self.late,
            "overdue": self.overdue,
            "on_time_rate": self.on_time_rate,
            "satisfaction_rate": self.satisfaction_rate,
            "rectification_rate": self.rectification_rate,
        }


HALL_SUMS = (
    "taken",
    "served",
    "no_shows",
    "waited",
    "wait_seconds",
    "serviced",
    "service_seconds",
    "estimated",
    "estimate_error_seconds",
    "ratings",
    "ratings_satisfied",
    "ratings_bad",
)


@dataclass
class HallRow:
    """A service hall's figures over a period (sums of its HallDailyRollup rows)."""

    name: str
    code: str = ""
    taken: int = 0
    served: int = 0
    no_shows: int = 0
    waited: int = 0
    wait_seconds: int = 0
    serviced: int = 0
    service_seconds: int = 0
    estimated: int = 0
    estimate_error_seconds: int = 0
    ratings: int = 0
    ratings_satisfied: int = 0
    ratings_bad: int = 0
    longest_wait_seconds: int = 0

    def add(self, row: dict) -> None:
        for name in HALL_SUMS:
            setattr(self, name, getattr(self, name) + (row.get(name) or 0))
        self.longest_wait_seconds = max(
            self.longest_wait_seconds, row.get("longest_wait_seconds") or 0
        )

    @property
    def no_show_rate(self) -> float | None:
        return _rate(self.no_shows, self.served + self.no_shows)

    @property
    def average_wait(self) -> float | None:
        return self.wait_seconds / self.waited if self.waited else None

    @property
    def average_service(self) -> float | None:
        return self.service_seconds / self.serviced if self.serviced else None

    @property
    def average_estimate_error(self) -> float | None:
        return self.estimate_error_seconds / self.estimated if self.estimated else None

    @property
    def satisfaction_rate(self) -> float | None:
        return _rate(self.ratings_satisfied, self.ratings)


def halls(user, period: Period) -> list[HallRow]:
    """The service halls in the user's scope over the period: one GROUP BY on their daily
    rows (a hall's day is one row, so a year is 365 rows a hall)."""
    rows = (
        _scoped(user, HallDailyRollup.objects.all())
        .filter(day__gte=period.first, day__lte=period.last)
        .order_by()
        .values("hall_id", "hall__name", "place__code")
        .annotate(
            **{name: Sum(name) for name in HALL_SUMS},
            longest_wait_seconds=Max("longest_wait_seconds"),
        )
    )
    found = []
    for row in rows:
        hall = HallRow(name=row["hall__name"], code=row["place__code"])
        hall.add(row)
        found.append(hall)
    return sorted(found, key=lambda h: h.code)


def hall_days(hall, first: datetime.date, last: datetime.date) -> list[HallDailyRollup]:
    """A hall's daily rows first..last, oldest first (the hall manager's history; the
    caller has checked the manager may see the hall)."""
    return list(
        HallDailyRollup.objects.filter(hall=hall, day__gte=first, day__lte=last).order_by("day")
    )


@dataclass
class Dashboard:
    period: Period
    filters: Filters
    totals: Row
    by_department: list[Row]
    by_item: list[Row]
    items_total: int
    series: list[dict]
    series_unit: str = "day"  # or "month" for periods longer than DAILY_SERIES_DAYS
    refreshed_at: datetime.datetime | None = None
    halls: list[HallRow] = field(default_factory=list)
    halls_total: HallRow | None = None


def refreshed_at() -> datetime.datetime | None:
    """When the rollup job last replaced the live figures (every cycle)."""
    return LiveFigure.objects.aggregate(at=Max("refreshed_at"))["at"]


def rollups_for(user, period: Period, filters: Filters = Filters()) -> QuerySet:
    """The daily rows of the period in the user's scope."""
    return _scoped(user, DailyRollup.objects.all()).filter(
        filters.rollup_q(), day__gte=period.first, day__lte=period.last
    )


def live_for(user, filters: Filters = Filters()) -> QuerySet:
    return _scoped(user, LiveFigure.objects.all()).filter(filters.rollup_q())


def pieces(period: Period, *, today=None) -> tuple[list[datetime.date], list[Period]]:
    """The period as whole months (read from MonthlyRollup) and the days left over at its
    ends (read from DailyRollup). A month counts as whole when the period covers it up to
    its end or up to today: nothing is dated after today."""
    today = today or rollups.today()
    months, days = [], []
    cursor = period.first
    while cursor <= period.last:
        month = rollups.month_of(cursor)
        end = rollups.month_end(month)
        if cursor == month and period.last >= min(end, today):
            months.append(month)
            cursor = end + datetime.timedelta(days=1)
        else:
            stop = min(end, period.last)
            days.append(Period(cursor, stop))
            cursor = stop + datetime.timedelta(days=1)
    return months, days


def _period_sets(user, period: Period, filters: Filters) -> list[QuerySet]:
    """At most two querysets whose rows together count the period exactly once."""
    months, days = pieces(period)
    sets = []
    if months:
        sets.append(
            _scoped(user, MonthlyRollup.objects.all()).filter(filters.rollup_q(), month__in=months)
        )
    if days:
        spans = Q(pk__in=[])
        for span in days:
            spans |= Q(day__gte=span.first, day__lte=span.last)
        sets.append(_scoped(user, DailyRollup.objects.all()).filter(filters.rollup_q(), spans))
    return sets


def _grouped(user, period, filters, key: tuple[str, ...]) -> dict:
    """{key values: [period counts, live counts]}: a GROUP BY on the monthly and the daily
    rows of the period (each when needed) and one on the live figures."""
    merged: dict[tuple, list[dict]] = {}
    for rows in _period_sets(user, period, filters):
        for row in rows.order_by().values(*key).annotate(**PERIOD_SUMS):
            counts = merged.setdefault(tuple(row[k] for k in key), [{}, {}])[0]
            for name in rollups.DAILY_COUNTS:
                counts[name] = counts.get(name, 0) + row[name]
    for row in live_for(user, filters).order_by().values(*key).annotate(**LIVE_SUMS):
        merged.setdefault(tuple(row[k] for k in key), [{}, {}])[1] = row
    return merged


def _rows(merged: dict, unnamed: str) -> list[Row]:
    rows = []
    for (_pk, code, name), (counts, live) in merged.items():
        row = Row(code=code or "", name=name or code or str(unnamed))
        row.add(counts, live)
        rows.append(row)
    return rows


def by_department(user, period: Period, filters: Filters = Filters()) -> list[Row]:
    merged = _grouped(
        user, period, filters, ("department_id", "department__code", "department__name")
    )
    rows = _rows(merged, _("未指定部门"))
    return sorted(rows, key=lambda r: (r.code == "", r.code))


def by_item(user, period: Period, filters: Filters = Filters()) -> list[Row]:
    """Every item with figures, the most overdue first."""
    merged = _grouped(user, period, filters, ("item_id", "item__code", "item__published__name"))
    rows = _rows(merged, "")
    return sorted(rows, key=lambda r: (-r.overdue, -r.red, -r.concluded, r.code))


# Up to this many days the chart has a point a day; longer periods a point a month.
DAILY_SERIES_DAYS = 62


def series_unit(period: Period) -> str:
    return "day" if period.days <= DAILY_SERIES_DAYS else "month"


def series(user, period: Period, filters: Filters = Filters()) -> list[dict]:
    """Received and concluded per day of the period (every day, zeros included); for a
    period longer than DAILY_SERIES_DAYS, per month (`day` is then the month's first day)."""
    sums = {"received": Sum("received"), "concluded": Sum("concluded")}
    found: dict[datetime.date, dict] = {}
    if series_unit(period) == "day":
        rows = rollups_for(user, period, filters).order_by().values("day").annotate(**sums)
        found = {r["day"]: r for r in rows}
        buckets = [period.first + datetime.timedelta(days=n) for n in range(period.days)]
    else:
        for rows in _period_sets(user, period, filters):
            field = "month" if rows.model is MonthlyRollup else "day"
            for row in rows.order_by().values(field).annotate(**sums):
                bucket = found.setdefault(rollups.month_of(row[field]), {})
                for name in sums:
                    bucket[name] = bucket.get(name, 0) + (row[name] or 0)
        buckets, month = [], rollups.month_of(period.first)
        while month <= period.last:
            buckets.append(month)
            month = rollups.month_end(month) + datetime.timedelta(days=1)
    return [
        {
            "day": bucket,
            "received": found.get(bucket, {}).get("received") or 0,
            "concluded": found.get(bucket, {}).get("concluded") or 0,
        }
        for bucket in buckets
    ]


def dashboard(
    user, period: Period, filters: Filters = Filters(), *, top: int = TOP_ITEMS
) -> Dashboard:
    """Everything the dashboard shows, in at most ten queries (the halls one) (plus the user's grants),
    whatever the number of cases or the length of the period."""
    departments = by_department(user, period, filters)
    items = by_item(user, period, filters)
    hall_rows = halls(user, period)
    hall_total = HallRow(name=str(_("合计")))
    for row in hall_rows:
        hall_total.add(vars(row))
    totals = Row(name=str(_("合计")))
    for row in departments:
        totals.add(row.counts, row.live)
    return Dashboard(
        period=period,
        filters=filters,
        totals=totals,
        by_department=departments,
        by_item=items[:top] if top else items,
        items_total=len(items),
        series=series(user, period, filters),
        series_unit=series_unit(period),
        refreshed_at=refreshed_at(),
        halls=hall_rows,
        halls_total=hall_total,
    )


# --- the weekly ranking ---------------------------------------------------------------------


def week_of(value: str | None, *, today=None) -> tuple[int, int]:
    """ISO (year, week) from "YYYY-Www"; for anything else the last complete week, the one a
    weekly ranking is read for (the current week is one click further). A week more than
    MAX_PERIOD_DAYS back is "anything else": nothing was recorded then, and a week of year 1
    cannot even be turned into UTC (OverflowError, a server error)."""
    today = today or rollups.today()
    if value:
        try:
            day = datetime.date.fromisoformat(f"{value.strip()}-1")
        except ValueError:
            day = None
        if day is not None and (today - day).days <= MAX_PERIOD_DAYS and day <= today:
            year, week, _day = day.isocalendar()
            return year, week
    year, week, _day = (today - datetime.timedelta(days=7)).isocalendar()
    return year, week


def week_label(year: int, week: int) -> str:
    return f"{year}-W{week:02d}"


@dataclass
class RankRow:
    rank: int
    row: Row
    flag_on_time: bool
    flag_satisfaction: bool

    @property
    def flagged(self) -> bool:
        return self.flag_on_time or self.flag_satisfaction


@dataclass
class Ranking:
    year: int
    week: int
    period: Period
    rows: list[RankRow]
    on_time_below: float
    satisfaction_below: float
    previous: str
    next: str | None

    @property
    def label(self) -> str:
        return week_label(self.year, self.week)


def ranking(user, year: int, week: int, *, today=None) -> Ranking:
    """Departments ranked by on-time rate, then satisfaction rate, in one ISO week. A
    department below YIWANG_INTERVIEW_ON_TIME_BELOW or _SATISFACTION_BELOW is flagged for
    interview (约谈); without concluded cases (or ratings) that week it has no rate and is
    not flagged for it."""
    today = today or rollups.today()
    monday = datetime.date.fromisocalendar(year, week, 1)
    span = Period(monday, monday + datetime.timedelta(days=6), "week")
    rows = (
        rollups_for(user, span)
        .filter(department__isnull=False)
        .order_by()
        .values("department_id", "department__code", "department__name")
        .annotate(**PERIOD_SUMS)
    )
    departments = []
    for row in rows:
        figures = Row(code=row["department__code"], name=row["department__name"])
        figures.add(row, {})
        departments.append(figures)

    def order(r: Row):
        on_time, satisfaction = r.on_time_rate, r.satisfaction_rate
        return (
            on_time is None,
            -(on_time or 0),
            satisfaction is None,
            -(satisfaction or 0),
            -r.concluded,
            r.code,
        )

    on_time_below = settings.YIWANG_INTERVIEW_ON_TIME_BELOW
    satisfaction_below = settings.YIWANG_INTERVIEW_SATISFACTION_BELOW
    ranked = [
        RankRow(
            rank=n,
            row=r,
            flag_on_time=r.on_time_rate is not None and r.on_time_rate < on_time_below,
            flag_satisfaction=(
                r.satisfaction_rate is not None and r.satisfaction_rate < satisfaction_below
            ),
        )
        for n, r in enumerate(sorted(departments, key=order), start=1)
    ]
    previous = monday - datetime.timedelta(days=7)
    following = monday + datetime.timedelta(days=7)
    return Ranking(
        year=year,
        week=week,
        period=span,
        rows=ranked,
        on_time_below=on_time_below,
        satisfaction_below=satisfaction_below,
        previous=week_label(*previous.isocalendar()[:2]),
        next=week_label(*following.isocalendar()[:2]) if following <= today else None,
    )


# --- the cases behind a figure --------------------------------------------------------------

CONCLUDED = rollups.CONCLUDED
LIVE_FIGURES = {"in_progress", "yellow", "red", "overdue", "idle"}

FIGURES = {
    "in_progress": _("在办"),
    "yellow": _("黄牌预警"),
    "red": _("红牌超期"),
    "overdue": _("超期在办"),
    "idle": _("环节滞留"),
    "received": _("收件"),
    "accepted": _("受理"),
    "deemed": _("逾期视为受理"),
    "refused": _("不予受理"),
    "notices": _("补正告知"),
    "repeated_notice": _("重复补正告知"),
    "returned": _("多次退回"),
    "concluded": _("办结"),
    "on_time": _("按时办结"),
    "late": _("超期办结"),
    "ratings": _("已评价"),
    "satisfied": _("满意评价"),
    "bad_rating": _("差评"),
    "rectifications": _("差评整改"),
    "rectified": _("已整改"),
}


def _between(field_name: str, period: Period) -> Q:
    first, last = rollups._window(period.first, period.last)
    return Q(**{f"{field_name}__gte": first, f"{field_name}__lt": last})


# A figure's events (notices, returns, ratings …) are read first when they are this few:
# the cases are then fetched by primary key instead of scanning cases for a match.
FEW_EVENTS = 5_000


def _ids(values: QuerySet):
    """The ids as a list when they are few (one indexed query), else the subquery."""
    found = list(values.order_by()[: FEW_EVENTS + 1])
    return found if len(found) <= FEW_EVENTS else values


def _notice_cases(period: Period, *, repeated: bool) -> Q:
    notices = SupplementNotice.objects.filter(_between("issued_at", period))
    if repeated:
        notices = notices.filter(
            Exists(
                SupplementNotice.objects.filter(case_id=OuterRef("case_id"), pk__lt=OuterRef("pk"))
            )
        )
    ids = _ids(notices.values_list("case_id", flat=True).distinct())
    return Q(pk__in=ids) | Q(parent_id__in=ids)


def _second_returns(period: Period) -> Q:
    earlier = (
        ApprovalTask.objects.filter(
            case_id=OuterRef("case_id"), decision=Decision.RETURN, pk__lt=OuterRef("pk")
        )
        .order_by()
        .values("case_id")
        .annotate(n=Count("pk"))
        .values("n")
    )
    tasks = (
        ApprovalTask.objects.filter(decision=Decision.RETURN)
        .filter(_between("completed_at", period))
        .annotate(earlier=Coalesce(Subquery(earlier, output_field=IntegerField()), 0))
        .filter(earlier=1)
    )
    return Q(pk__in=_ids(tasks.values_list("case_id", flat=True)))


def _rated(period: Period, levels=None) -> Q:
    """Cases rated in the period. A 一件事 journey is rated once, on its parent, and counts
    for each member item (feedback.Charge): every member's case stands for it here."""
    charges = Charge.objects.filter(rated_on__gte=period.first, rated_on__lte=period.last)
    if levels is not None:
        charges = charges.filter(level__in=levels)
    return Q(pk__in=_ids(charges.values_list("case_id", flat=True)))


def _rated_cases(ratings: QuerySet, case: str, item: str) -> Q:
    ids = _ids(ratings.values_list(case, flat=True))
    own = Q(pk__in=ids)
    journey = Q(parent_id__in=ids) & Exists(
        ratings.filter(**{case: OuterRef("parent_id"), item: OuterRef("item_version__item_id")})
    )
    return own | journey


def _rectified(period: Period, closed: bool = False) -> Q:
    rectifications = Rectification.objects.filter(
        created_on__gte=period.first, created_on__lte=period.last, evaluation__case__isnull=False
    )
    if closed:
        rectifications = rectifications.filter(status="closed")
    return _rated_cases(rectifications, "evaluation__case_id", "evaluation__item_id")


def _figure(figure: str, period: Period) -> tuple[Q, tuple[str, ...]]:
    """The condition of a figure's cases and the (indexed) order they are listed in."""
    open_now = Q(status__in=rollups.IN_PROGRESS)
    urgent = ("promised_due_on", "pk")
    concluded = Q(status__in=CONCLUDED) & _between("concluded_at", period)
    late_recent = ("-concluded_at", "-pk")
    on_time = Q(promised_due_on__isnull=True) | Q(
        promised_due_on__gte=rollups._day_of("concluded_at")
    )
    recent = ("-pk",)
    table = {
        "in_progress": lambda: (open_now, urgent),
        "yellow": lambda: (open_now & Q(warning=Warning.YELLOW), urgent),
        "red": lambda: (open_now & Q(warning=Warning.RED), urgent),
        "overdue": lambda: (open_now & Q(warning=Warning.RED), urgent),
        "idle": lambda: (
            Q(status__in=rollups.RUNNING)
            & Q(pk__in=_ids(rollups.idle_tasks(joined=False).values_list("case_id", flat=True))),
            urgent,
        ),
        "received": lambda: (_between("submitted_at", period), ("-submitted_at", "-pk")),
        "accepted": lambda: (_between("accepted_at", period), ("-accepted_at", "-pk")),
        "deemed": lambda: (
            _between("accepted_at", period) & Q(deemed_accepted=True),
            ("-accepted_at", "-pk"),
        ),
        "refused": lambda: (
            Q(status=Status.REFUSED) & _between("concluded_at", period),
            late_recent,
        ),
        "notices": lambda: (_notice_cases(period, repeated=False), recent),
        "repeated_notice": lambda: (_notice_cases(period, repeated=True), recent),
        "returned": lambda: (_second_returns(period), recent),
        "concluded": lambda: (concluded, late_recent),
        "on_time": lambda: (concluded & on_time, late_recent),
        "late": lambda: (concluded & ~on_time, late_recent),
        "ratings": lambda: (_rated(period), recent),
        "satisfied": lambda: (_rated(period, SATISFIED_LEVELS), recent),
        "bad_rating": lambda: (_rated(period, BAD_LEVELS), recent),
        "rectifications": lambda: (_rectified(period), recent),
        "rectified": lambda: (_rectified(period, closed=True), recent),
    }
    return table[figure]()


def cases_behind(user, figure: str, period: Period, filters: Filters = Filters()) -> QuerySet:
    """The cases a figure counts, in the user's scope, in index order. Unknown figure:
    ValueError. Outside the scope a case is simply not there."""
    if figure not in FIGURES:
        raise ValueError(figure)
    if not may_view(user):
        return Case.objects.none()
    condition, order = _figure(figure, period)
    return (
        _scoped(user, Case.objects.filter(item_version__isnull=False))
        .filter(filters.case_q(), condition)
        .select_related("department", "place", "item_version__item")
        .order_by(*order)
    )
