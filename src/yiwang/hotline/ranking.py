"""The weekly ranking of the line's units (docs/hotline.md, "Supervision, hotspots and the
weekly report"), with the same weeks, thresholds and interview flags (约谈) as the ranking
of departments (supervision.selectors.ranking, docs/supervision.md):

- acceptance (签收率): of the appeals dispatched to a unit as lead unit in the week, the
  share it accepted by its `accept_by` day (2 working days); a return (退单) counts as
  not accepted;
- on-time rate (按期办结率): of the appeals whose reply was approved (answered) in the
  week, the share the unit replied to by `due_on`;
- satisfaction (满意率): of the appeals rated in the week, the share rated 满意 or 基本满意.

Units are ranked by on-time rate, then satisfaction, then acceptance. A unit is flagged
for interview when its on-time rate is below YIWANG_INTERVIEW_ON_TIME_BELOW, its
satisfaction below YIWANG_INTERVIEW_SATISFACTION_BELOW, or its acceptance below the
on-time threshold (both are about keeping time); without appeals for a figure in the week,
it has no rate and is not flagged for it.

Three GROUP BY queries a week, whatever the number of appeals (each filtered on a time
column of the week), and one for the units' names."""

import datetime
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Count, F, Q
from django.db.models.functions import TruncDate

from yiwang.identity import policy
from yiwang.identity.models import OrgUnit
from yiwang.supervision.selectors import Period, week_label, week_of
from yiwang.workdays.calendar import SHANGHAI

from .models import Appeal, AppealUnit, Resolution, Satisfaction, UnitRole, UnitStatus

SUPERVISE = "hotline.supervise"
SATISFIED = (Satisfaction.SATISFIED, Satisfaction.BASIC)

__all__ = ["Period", "Ranking", "UnitRow", "ranking", "week_label", "week_of", "week_span"]


def _rate(part: int, whole: int) -> float | None:
    return part / whole if whole else None


@dataclass
class UnitRow:
    code: str
    name: str
    dispatched: int = 0
    accepted_on_time: int = 0
    returned: int = 0
    answered: int = 0
    answered_on_time: int = 0
    rated: int = 0
    satisfied: int = 0
    rank: int = 0
    flags: list[str] = field(default_factory=list)  # "acceptance", "on_time", "satisfaction"

    @property
    def acceptance_rate(self) -> float | None:
        return _rate(self.accepted_on_time, self.dispatched)

    @property
    def on_time_rate(self) -> float | None:
        return _rate(self.answered_on_time, self.answered)

    @property
    def satisfaction_rate(self) -> float | None:
        return _rate(self.satisfied, self.rated)

    @property
    def late(self) -> int:
        return self.answered - self.answered_on_time

    @property
    def flagged(self) -> bool:
        return bool(self.flags)

    def add(self, other: "UnitRow") -> None:
        for name in (
            "dispatched",
            "accepted_on_time",
            "returned",
            "answered",
            "answered_on_time",
            "rated",
            "satisfied",
        ):
            setattr(self, name, getattr(self, name) + getattr(other, name))


@dataclass
class Ranking:
    year: int
    week: int
    period: Period
    rows: list[UnitRow]
    totals: UnitRow
    on_time_below: float
    satisfaction_below: float
    acceptance_below: float
    previous: str
    next: str | None

    @property
    def label(self) -> str:
        return week_label(self.year, self.week)


def week_span(year: int, week: int) -> tuple[datetime.datetime, datetime.datetime, Period]:
    monday = datetime.date.fromisocalendar(year, week, 1)
    start = datetime.datetime.combine(monday, datetime.time.min, tzinfo=SHANGHAI)
    return start, start + datetime.timedelta(days=7), Period(monday, monday + datetime.timedelta(6))


def flags_of(row: UnitRow, on_time_below: float, satisfaction_below: float) -> list[str]:
    """The interview flags of a row (the department ranking's rule, per figure)."""
    flags = []
    if row.acceptance_rate is not None and row.acceptance_rate < on_time_below:
        flags.append("acceptance")
    if row.on_time_rate is not None and row.on_time_rate < on_time_below:
        flags.append("on_time")
    if row.satisfaction_rate is not None and row.satisfaction_rate < satisfaction_below:
        flags.append("satisfaction")
    return flags


def figures(user, start: datetime.datetime, end: datetime.datetime) -> dict[int, UnitRow]:
    """Each lead unit's counts between start and end, in the user's scope."""
    rows: dict[int, UnitRow] = {}

    def row(org_id) -> UnitRow:
        return rows.setdefault(org_id, UnitRow(code="", name=""))

    units = policy.scope(user, AppealUnit.objects.all(), SUPERVISE).filter(
        role=UnitRole.LEAD, dispatched_at__gte=start, dispatched_at__lt=end
    )
    accepted_day = TruncDate("appeal__accepted_at", tzinfo=SHANGHAI)
    for found in (
        units.annotate(accepted_day=accepted_day)
        .order_by()
        .values("org_id")
        .annotate(
            dispatched=Count("pk"),
            accepted_on_time=Count(
                "pk",
                filter=Q(is_current=True, accepted_day__lte=F("appeal__accept_by"))
                & ~Q(status=UnitStatus.RETURNED),
            ),
            returned=Count("pk", filter=Q(status=UnitStatus.RETURNED)),
        )
    ):
        one = row(found["org_id"])
        one.dispatched = found["dispatched"]
        one.accepted_on_time = found["accepted_on_time"]
        one.returned = found["returned"]

    appeals = policy.scope(user, Appeal.objects.all(), SUPERVISE).filter(lead_unit__isnull=False)
    answered = appeals.filter(answered_at__gte=start, answered_at__lt=end).exclude(
        resolution=Resolution.DIRECT
    )
    replied_day = TruncDate("replied_at", tzinfo=SHANGHAI)
    for found in (
        answered.annotate(replied_day=replied_day)
        .order_by()
        .values("lead_unit_id")
        .annotate(
            answered=Count("pk"),
            on_time=Count("pk", filter=Q(replied_day__lte=F("due_on"))),
        )
    ):
        one = row(found["lead_unit_id"])
        one.answered, one.answered_on_time = found["answered"], found["on_time"]

    rated = appeals.filter(rated_at__gte=start, rated_at__lt=end).exclude(satisfaction="")
    for found in (
        rated.order_by()
        .values("lead_unit_id")
        .annotate(rated=Count("pk"), satisfied=Count("pk", filter=Q(satisfaction__in=SATISFIED)))
    ):
        one = row(found["lead_unit_id"])
        one.rated, one.satisfied = found["rated"], found["satisfied"]

    for org_id, code, name in OrgUnit.objects.filter(pk__in=list(rows)).values_list(
        "pk", "code", "name"
    ):
        rows[org_id].code, rows[org_id].name = code, name
    return rows


def ranking(user, year: int, week: int, *, today: datetime.date | None = None) -> Ranking:
    """The units of the user's scope ranked over one ISO week (Monday–Sunday, Asia/Shanghai)."""
    from . import services

    today = today or services.today()
    start, end, span = week_span(year, week)
    rows = list(figures(user, start, end).values())

    def order(r: UnitRow):
        return (
            r.on_time_rate is None,
            -(r.on_time_rate or 0),
            r.satisfaction_rate is None,
            -(r.satisfaction_rate or 0),
            r.acceptance_rate is None,
            -(r.acceptance_rate or 0),
            -r.answered,
            r.code,
        )

    on_time_below = settings.YIWANG_INTERVIEW_ON_TIME_BELOW
    satisfaction_below = settings.YIWANG_INTERVIEW_SATISFACTION_BELOW
    totals = UnitRow(code="", name="")
    ranked = sorted(rows, key=order)
    for n, r in enumerate(ranked, start=1):
        r.rank = n
        r.flags = flags_of(r, on_time_below, satisfaction_below)
        totals.add(r)
    previous = span.first - datetime.timedelta(days=7)
    following = span.first + datetime.timedelta(days=7)
    return Ranking(
        year=year,
        week=week,
        period=span,
        rows=ranked,
        totals=totals,
        on_time_below=on_time_below,
        satisfaction_below=satisfaction_below,
        acceptance_below=on_time_below,
        previous=week_label(*previous.isocalendar()[:2]),
        next=week_label(*following.isocalendar()[:2]) if following <= today else None,
    )
