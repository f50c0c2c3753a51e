"""Working days on the Chinese calendar (docs/architecture.md, "Time").

Sources, strongest first:

1. `DayOverride` rows — an operator's local data, edited in the admin or loaded with
   `yiwang import-holidays`; they win over the package for any date;
2. the chinesecalendar package (State Council holidays and 调休 make-up workdays);
3. the weekday rule: Monday–Friday work, Saturday and Sunday rest.

A year is *covered* when the package has it or an operator loaded its complete schedule
(a `CalendarYear` row). An uncovered year is never silently guessed: the plain functions
raise `UncoveredYear`; with `provisional=True` they count it by weekends (plus any overrides
already entered for it); the `*_checked` variants never raise and say whether the answer is
provisional, so a case deadline can be shown as "节假日安排未公布，期限为暂定" and recomputed
when the year is imported (see `signals.schedule_changed`).

Speed: the package data and the override tables are merged into one in-memory dict per
process. A version token in the Django cache says when to reload it: services bump it on
every change. The token expires after `VERSION_TTL` seconds, so processes that do not share
a cache (local-memory cache, several workers) pick up a change within that time; with Redis
they pick it up at once. A call costs one cache read, never a query per day.
"""

import datetime
import uuid
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from chinese_calendar import constants as _package
from django.core.cache import cache
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

# Time limits are counted in Beijing time whatever the server's TIME_ZONE says.
SHANGHAI = ZoneInfo("Asia/Shanghai")
PROVISIONAL_NOTICE = _("节假日安排未公布，期限为暂定")
VERSION_KEY = "yiwang:workdays:version"
VERSION_TTL = 60

PACKAGE_FIRST_YEAR = min(day.year for day in _package.holidays)
PACKAGE_LAST_YEAR = max(day.year for day in _package.holidays)
# The package's own rule: a listed make-up workday wins over a listed holiday.
_PACKAGE_DAYS: dict[datetime.date, bool] = {day: False for day in _package.holidays} | {
    day: True for day in _package.workdays
}
_ONE_DAY = datetime.timedelta(days=1)


class UncoveredYear(Exception):
    """A date falls in a year whose holiday schedule is neither in the package nor imported."""

    code = "calendar_year_uncovered"

    def __init__(self, year: int):
        self.year = year
        super().__init__(gettext("%(year)d年的节假日安排尚未公布或未导入") % {"year": year})


@dataclass(frozen=True)
class Deadline:
    """A deadline date; `provisional` when part of the count ran through an uncovered year
    (listed in `uncovered_years`) and was made by weekends only."""

    date: datetime.date
    provisional: bool = False
    uncovered_years: tuple[int, ...] = ()

    @property
    def instant(self) -> datetime.datetime:
        return deadline_instant(self.date)

    @property
    def notice(self) -> str:
        return str(PROVISIONAL_NOTICE) if self.provisional else ""

    def as_dict(self) -> dict:
        """The API's shape: the date, the instant with offset, the flag and its words."""
        return {
            "date": self.date.isoformat(),
            "at": self.instant.isoformat(),
            "provisional": self.provisional,
            "notice": self.notice,
        }


@dataclass(frozen=True)
class WorkdayCount:
    days: int
    provisional: bool = False
    uncovered_years: tuple[int, ...] = ()

    @property
    def notice(self) -> str:
        return str(PROVISIONAL_NOTICE) if self.provisional else ""


# --- public functions ---------------------------------------------------------------------


def is_workday(day, *, provisional: bool = False) -> bool:
    """Whether people work on `day`. Raises `UncoveredYear` for a year no source covers,
    unless `provisional`: then weekdays work and weekends rest (overrides still apply)."""
    return _is_workday(_as_date(day), _snapshot(), None if not provisional else set())


def listed(day) -> bool | None:
    """What the sources say of `day` itself: True for a listed working day (a 调休 make-up
    day when it falls on a weekend), False for a listed day off (a holiday, weekends inside
    it included), None when only the weekday rule speaks. A hall's opening hours read this
    (yiwang.halls.hours): a normal Saturday may be open, a holiday Saturday is not."""
    return _snapshot().days.get(_as_date(day))


def add_workdays(day, n: int, *, provisional: bool = False) -> datetime.date:
    """The n-th working day after `day` (which itself is not counted); `n == 0` gives `day`.
    A negative n counts backwards: the |n|-th working day before `day`.
    Raises `UncoveredYear` naming the first uncovered year reached, unless `provisional`."""
    return _add(_as_date(day), n, _snapshot(), None if not provisional else set())


def add_workdays_checked(day, n: int) -> Deadline:
    """`add_workdays` that never raises: provisional through uncovered years, and says so."""
    uncovered: set[int] = set()
    result = _add(_as_date(day), n, _snapshot(), uncovered)
    return Deadline(result, bool(uncovered), tuple(sorted(uncovered)))


def workdays_between(start, end, *, provisional: bool = False) -> int:
    """The number of working days in (start, end]: after `start`, up to and including `end`.
    Negative when `end` is before `start` (e.g. working days overdue). Raises
    `UncoveredYear` unless `provisional`."""
    return _between(_as_date(start), _as_date(end), _snapshot(), None if not provisional else set())


def workdays_between_checked(start, end) -> WorkdayCount:
    """`workdays_between` that never raises: provisional through uncovered years."""
    uncovered: set[int] = set()
    days = _between(_as_date(start), _as_date(end), _snapshot(), uncovered)
    return WorkdayCount(days, bool(uncovered), tuple(sorted(uncovered)))


def deadline_instant(day) -> datetime.datetime:
    """The last instant of `day` in Asia/Shanghai: 23:59:59.999999+08:00.

    docs/architecture.md ("Time") says deadlines are "end of the working day". We take the end of the
    calendar day rather than office closing time: halls close at different hours, online
    submissions are accepted until midnight, and a case is not overdue while its last day
    lasts. A case is overdue when now > this instant."""
    return datetime.datetime.combine(_as_date(day), datetime.time.max, tzinfo=SHANGHAI)


def is_covered(year: int) -> bool:
    """Whether the package or an imported schedule covers `year`."""
    return year in _snapshot().covered


def covered_years() -> list[int]:
    """Every covered year, ascending."""
    return sorted(_snapshot().covered)


def package_years() -> range:
    """The years the installed chinesecalendar package covers."""
    return range(PACKAGE_FIRST_YEAR, PACKAGE_LAST_YEAR + 1)


def refresh() -> None:
    """Make every process reload the local tables (services call this on every change)."""
    cache.set(VERSION_KEY, uuid.uuid4().hex, VERSION_TTL)
    _state.snapshot = None


# --- internals ----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Snapshot:
    token: str | None
    days: dict[datetime.date, bool]
    covered: frozenset[int]


class _State:
    snapshot: _Snapshot | None = None


_state = _State()


def _current_token() -> str | None:
    token = cache.get(VERSION_KEY)
    if token is None:
        cache.add(VERSION_KEY, uuid.uuid4().hex, VERSION_TTL)
        token = cache.get(VERSION_KEY)  # another process may have won the race
    return token


def _snapshot() -> _Snapshot:
    token = _current_token()
    snapshot = _state.snapshot
    if snapshot is None or token is None or snapshot.token != token:
        snapshot = _load(token)
        _state.snapshot = snapshot
    return snapshot


def _load(token: str | None) -> _Snapshot:
    from .models import CalendarYear, DayOverride

    days = dict(_PACKAGE_DAYS)
    days.update(DayOverride.objects.values_list("date", "is_workday"))
    covered = set(package_years())
    covered.update(CalendarYear.objects.values_list("year", flat=True))
    return _Snapshot(token, days, frozenset(covered))


def _as_date(value) -> datetime.date:
    if isinstance(value, datetime.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(SHANGHAI)
        return value.date()
    if isinstance(value, datetime.date):
        return value
    raise TypeError(f"expected a date, got {type(value).__name__}")


def _is_workday(day: datetime.date, snapshot: _Snapshot, uncovered: set[int] | None) -> bool:
    """`uncovered` None means strict (raise); a set means provisional (collect the years)."""
    if day.year not in snapshot.covered:
        if uncovered is None:
            raise UncoveredYear(day.year)
        uncovered.add(day.year)
    listed = snapshot.days.get(day)
    return day.weekday() < 5 if listed is None else listed


def _add(day: datetime.date, n: int, snapshot: _Snapshot, uncovered: set[int] | None):
    step = _ONE_DAY if n >= 0 else -_ONE_DAY
    remaining = abs(n)
    while remaining:
        day += step
        if _is_workday(day, snapshot, uncovered):
            remaining -= 1
    return day


def _between(start, end, snapshot: _Snapshot, uncovered: set[int] | None) -> int:
    if end < start:
        return -_between(end, start, snapshot, uncovered)
    count = 0
    day = start
    while day < end:
        day += _ONE_DAY
        count += _is_workday(day, snapshot, uncovered)
    return count
