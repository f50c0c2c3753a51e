# ruff: noqa: F811 (pytest fixtures imported from tests.supervision.figures)
"""Figures for a supervisor's scope: rates over a period, the scope by service point or
department, the weekly ranking's interview flags, the cases behind each figure, and a
constant number of queries whatever the number of rows."""

import datetime

import pytest

from tests.supervision.figures import (  # noqa: F401 (fixtures)
    FOOD,
    FRIDAY,
    MAIN,
    MONDAY,
    SIGN,
    STREET_ITEM,
    THURSDAY,
    TUESDAY,
    WEDNESDAY,
    catalog,
    desk,
    on,
    staff,
)
from yiwang.identity.models import OrgUnit
from yiwang.journey.workflow import clocks
from yiwang.supervision import rollups, selectors
from yiwang.supervision.models import DailyRollup

pytestmark = pytest.mark.django_db

WEEK = selectors.Period(MONDAY, FRIDAY, "custom")
ALL = selectors.Filters()


def count_week():
    for n in range(5):
        rollups.refresh(MONDAY + datetime.timedelta(days=n))


@pytest.fixture
def district(desk):
    """市场监管局: one case on time, one late, one red; 城管委: one on time but rated
    badly; and one case at 和平街道's centre (市场监管局's item, street level), rated well."""
    made = {}
    made["on_time"] = desk.finish(desk.accept(desk.file(MAIN, MONDAY), MONDAY), MONDAY)
    made["late"] = desk.accept(desk.file(MAIN, MONDAY, applicant="citizen2"), MONDAY)
    desk.finish(made["late"], TUESDAY)
    made["red"] = desk.accept(desk.file(MAIN, TUESDAY), TUESDAY)  # due Tuesday, still open
    made["sign"] = desk.finish(desk.accept(desk.file(SIGN, MONDAY), MONDAY), WEDNESDAY)
    desk.rate(made["sign"], THURSDAY, 1)
    made["street"] = desk.file(STREET_ITEM, MONDAY, street=True)
    desk.accept(made["street"], MONDAY)
    made["street"] = desk.finish(made["street"], MONDAY)
    desk.rate(made["street"], TUESDAY, 5)
    with on(FRIDAY, 8):
        clocks.refresh_warnings()
        rollups.refresh_live()
    count_week()
    return made


def test_rates_over_a_period(district, staff):
    data = selectors.dashboard(staff["supervisor"], WEEK, ALL)
    t = data.totals

    assert (t.received, t.concluded, t.concluded_on_time, t.late) == (5, 4, 3, 1)
    assert t.on_time_rate == pytest.approx(0.75)
    assert (t.ratings, t.ratings_satisfied, t.ratings_bad) == (2, 1, 1)
    assert t.satisfaction_rate == pytest.approx(0.5)
    assert (t.rectifications_opened, t.rectification_rate) == (1, 0.0)
    assert (t.in_progress, t.red) == (1, 1)
    scj = next(r for r in data.by_department if r.code == "990101-SCJ")
    cgw = next(r for r in data.by_department if r.code == "990101-CGW")
    assert (scj.concluded, scj.late, scj.red, scj.overdue) == (3, 1, 1, 2)
    assert (cgw.on_time_rate, cgw.satisfaction_rate) == (1.0, 0.0)
    # The most overdue item first: 个体工商户设立登记 (one red, one late).
    assert data.by_item[0].code == MAIN
    assert [d["received"] for d in data.series] == [4, 1, 0, 0, 0]


def test_a_street_supervisor_sees_only_their_streets_rows(district, staff):
    street = selectors.dashboard(staff["street-supervisor"], WEEK, ALL)
    district_wide = selectors.dashboard(staff["supervisor"], WEEK, ALL)

    assert street.totals.received == 1
    assert [r.code for r in street.by_department] == ["990101-SCJ"]
    assert [r.code for r in street.by_item] == [STREET_ITEM]
    assert street.totals.satisfaction_rate == 1.0
    assert district_wide.totals.received == 5
    heping = OrgUnit.objects.get(code="990101001").path
    visible = selectors.rollups_for(staff["street-supervisor"], WEEK)
    assert visible.exists()
    assert all(r.place_path.startswith(heping) for r in visible)


def test_a_department_path_in_scope_counts_too(district, staff, user_named):
    """The agreed rule is place OR department: a supervisor granted at 市场监管局 sees its
    cases wherever they were handled."""
    from yiwang.identity import services as identity

    scj = OrgUnit.objects.get(code="990101-SCJ")
    watcher = user_named("reviewer-scj")
    identity.grant_role(watcher, "supervisor", scj)
    data = selectors.dashboard(watcher, WEEK, ALL)
    assert [r.code for r in data.by_department] == ["990101-SCJ"]
    assert data.totals.received == 4  # three at the district centre, one at the street


def test_filters_narrow_the_figures(district, staff):
    supervisor = staff["supervisor"]
    by_level = selectors.dashboard(supervisor, WEEK, selectors.Filters(level="street"))
    by_department = selectors.dashboard(
        supervisor, WEEK, selectors.Filters(department="990101-CGW")
    )
    by_item = selectors.dashboard(supervisor, WEEK, selectors.Filters(item=MAIN))

    assert by_level.totals.received == 1
    assert by_department.totals.received == 1
    assert by_item.totals.received == 3


def test_periods():
    today = datetime.date(2026, 12, 2)  # a Wednesday
    assert selectors.period("week", today=today) == selectors.Period(
        datetime.date(2026, 11, 30), today, "week"
    )
    assert selectors.period("month", today=today).first == datetime.date(2026, 12, 1)
    assert selectors.period("30d", today=today).days == 30
    assert selectors.period("year", today=today).first == datetime.date(2026, 1, 1)
    custom = selectors.period("custom", "2026-03-01", "2026-03-31", today=today)
    assert (custom.first, custom.last, custom.preset) == (
        datetime.date(2026, 3, 1),
        datetime.date(2026, 3, 31),
        "custom",
    )
    # Broken or backwards input falls back to this month; the future is cut at today.
    assert selectors.period("custom", "2026-04-01", "2026-03-01", today=today).preset == "30d"
    assert selectors.period("custom", "yesterday", "", today=today).preset == "30d"
    assert selectors.period("custom", "2026-11-01", "2027-01-01", today=today).last == today


def ids(queryset):
    return set(queryset.values_list("pk", flat=True))


def test_the_drill_down_lists_exactly_the_cases_behind_a_figure(district, staff):
    supervisor = staff["supervisor"]

    def behind(figure, **filters):
        return ids(selectors.cases_behind(supervisor, figure, WEEK, selectors.Filters(**filters)))

    made = district
    assert behind("red") == behind("overdue") == {made["red"].pk}
    assert behind("in_progress") == {made["red"].pk}
    assert behind("late") == {made["late"].pk}
    assert behind("on_time") == {made["on_time"].pk, made["street"].pk, made["sign"].pk}
    assert behind("concluded") == behind("late") | behind("on_time")
    assert behind("bad_rating") == behind("rectifications") == {made["sign"].pk}
    assert behind("ratings") == {made["sign"].pk, made["street"].pk}
    assert behind("received") == {c.pk for c in made.values()}
    assert behind("concluded", department="990101-CGW") == {made["sign"].pk}
    assert behind("concluded", level="street") == {made["street"].pk}
    assert behind("deemed") == behind("returned") == behind("repeated_notice") == set()


def test_the_drill_down_is_empty_outside_the_scope(district, staff, user_named):
    street = staff["street-supervisor"]
    assert ids(selectors.cases_behind(street, "red", WEEK)) == set()
    assert ids(selectors.cases_behind(street, "concluded", WEEK)) == {district["street"].pk}
    citizen = user_named("citizen")
    assert not selectors.cases_behind(citizen, "concluded", WEEK).exists()


def test_figures_and_their_drill_downs_agree(district, staff):
    """Each card's number is the length of the list it links to."""
    supervisor = staff["supervisor"]
    t = selectors.dashboard(supervisor, WEEK, ALL).totals
    pairs = {
        "in_progress": t.in_progress,
        "red": t.red,
        "yellow": t.yellow,
        "received": t.received,
        "accepted": t.accepted,
        "concluded": t.concluded,
        "late": t.late,
        "on_time": t.concluded_on_time,
        "ratings": t.ratings,
        "bad_rating": t.ratings_bad,
        "rectifications": t.rectifications_opened,
    }
    for figure, number in pairs.items():
        assert selectors.cases_behind(supervisor, figure, WEEK).count() == number, figure


def test_the_drill_down_of_returns_and_repeated_notices(desk, staff):
    returned = desk.accept(desk.file(FOOD, MONDAY), MONDAY)
    desk.complete(returned, MONDAY)
    desk.complete(returned, TUESDAY, decision="return", opinion="请补充平面图。")
    desk.complete(returned, TUESDAY, hour=16)
    desk.complete(returned, WEDNESDAY, decision="return", opinion="仍缺少设备布局图。")
    noticed = desk.file(MAIN, MONDAY)
    desk.notice(noticed, MONDAY)
    desk.resubmit(noticed, TUESDAY)
    desk.notice(noticed, WEDNESDAY, again=True)
    count_week()
    supervisor = staff["supervisor"]
    t = selectors.dashboard(supervisor, WEEK, ALL).totals

    assert (t.repeated_returns, t.repeated_notices, t.notices) == (1, 1, 2)
    assert ids(selectors.cases_behind(supervisor, "returned", WEEK)) == {returned.pk}
    assert ids(selectors.cases_behind(supervisor, "repeated_notice", WEEK)) == {noticed.pk}
    tuesday = selectors.Period(TUESDAY, TUESDAY)
    assert not selectors.cases_behind(supervisor, "returned", tuesday).exists()


def test_the_ranking_flags_departments_below_the_thresholds(district, staff, settings):
    settings.YIWANG_INTERVIEW_ON_TIME_BELOW = 0.8
    settings.YIWANG_INTERVIEW_SATISFACTION_BELOW = 0.9
    year, week, _day = MONDAY.isocalendar()
    with on(FRIDAY, 18):
        ranking = selectors.ranking(staff["supervisor"], year, week)

    rows = {r.row.code: r for r in ranking.rows}
    assert [r.rank for r in ranking.rows] == list(range(1, len(ranking.rows) + 1))
    scj, cgw = rows["990101-SCJ"], rows["990101-CGW"]
    # 市场监管局: 2 of 3 on time (66.7 %): flagged; its one rating is satisfied: not flagged.
    assert (scj.row.on_time_rate, scj.flag_on_time) == (pytest.approx(2 / 3), True)
    assert (scj.row.satisfaction_rate, scj.flag_satisfaction) == (1.0, False)
    # 城管委: on time, so ranked first, but rated badly: flagged for satisfaction.
    assert (cgw.row.on_time_rate, cgw.flag_on_time, cgw.flag_satisfaction) == (1.0, False, True)
    assert (cgw.rank, scj.rank) == (1, 2)
    assert ranking.label == "2025-W24"
    assert (ranking.previous, ranking.next) == ("2025-W23", None)


def test_a_department_without_concluded_cases_or_ratings_is_not_flagged(desk, staff):
    desk.file(SIGN, MONDAY)  # received only
    count_week()
    year, week, _day = MONDAY.isocalendar()
    with on(FRIDAY, 18):
        ranking = selectors.ranking(staff["supervisor"], year, week)

    (only,) = ranking.rows
    assert (only.row.on_time_rate, only.row.satisfaction_rate) == (None, None)
    assert not only.flagged


def test_week_of():
    today = datetime.date(2025, 6, 12)
    assert selectors.week_of("2025-W20", today=today) == (2025, 20)
    assert selectors.week_of("2025-W30", today=today) == (
        2025,
        23,
    )  # the future: the last complete week
    assert selectors.week_of("nonsense", today=today) == (2025, 23)
    assert selectors.week_of(None, today=today) == (2025, 23)
    # more than MAX_PERIOD_DAYS back (year 1 cannot even be turned into UTC): no week
    assert selectors.week_of("0001-W01", today=today) == (2025, 23)
    assert selectors.week_of("2020-W24", today=today) == (2020, 24)


def _grow(rows: int) -> None:
    """Many more rollup rows (a busier district): copies of the existing ones on earlier
    days, which the period still covers."""
    keys = {(r.department_id, r.place_id, r.item_id): r for r in DailyRollup.objects.all()}
    template = list(keys.values())
    copies = []
    for n in range(rows):
        source = template[n % len(template)]
        copies.append(
            DailyRollup(
                day=MONDAY - datetime.timedelta(days=1 + n // len(template)),
                department_id=source.department_id,
                department_path=source.department_path,
                place_id=source.place_id,
                place_path=source.place_path,
                item_id=source.item_id,
                level=source.level,
                received=3,
                concluded=2,
                concluded_on_time=1,
                ratings=2,
                ratings_satisfied=1,
            )
        )
    DailyRollup.objects.bulk_create(copies)
    for month in {rollups.month_of(c.day) for c in copies}:
        rollups._write_month(month)


def test_the_dashboard_reads_a_constant_number_of_queries(
    district, staff, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    supervisor = staff["supervisor"]
    year = selectors.Period(MONDAY - datetime.timedelta(days=200), FRIDAY)
    with CaptureQueriesContext(connection) as small:
        selectors.dashboard(supervisor, year, ALL)
        selectors.ranking(supervisor, *MONDAY.isocalendar()[:2])
    _grow(600)
    supervisor = type(supervisor).objects.get(pk=supervisor.pk)  # grants read again
    with django_assert_max_num_queries(len(small.captured_queries)):
        data = selectors.dashboard(supervisor, year, ALL)
        selectors.ranking(supervisor, *MONDAY.isocalendar()[:2])
    assert data.totals.received == 5 + 600 * 3
    assert len(small.captured_queries) <= 12  # grants, 10 for the dashboard, 1 for the ranking


def test_whole_months_are_read_from_the_monthly_rollup():
    today = datetime.date(2026, 12, 2)
    year = selectors.period("year", today=today)
    months, days = selectors.pieces(year, today=today)
    assert months == [datetime.date(2026, m, 1) for m in range(1, 13)]  # December up to today
    assert days == []
    span = selectors.Period(datetime.date(2026, 3, 15), datetime.date(2026, 6, 10))
    months, days = selectors.pieces(span, today=today)
    assert months == [datetime.date(2026, 4, 1), datetime.date(2026, 5, 1)]
    assert [(d.first, d.last) for d in days] == [
        (datetime.date(2026, 3, 15), datetime.date(2026, 3, 31)),
        (datetime.date(2026, 6, 1), datetime.date(2026, 6, 10)),
    ]


def test_a_long_period_agrees_with_its_days(desk, staff):
    """Months from MonthlyRollup plus the days at the ends give what the days give."""
    may = datetime.date(2025, 5, 20)
    july = datetime.date(2025, 7, 8)
    desk.finish(desk.accept(desk.file(MAIN, may), may), may)
    desk.finish(desk.accept(desk.file(FOOD, MONDAY), MONDAY), TUESDAY)
    desk.accept(desk.file(MAIN, july, applicant="citizen2"), july)
    with on(datetime.date(2025, 7, 31), 18):
        rollups.rebuild()
        span = selectors.Period(datetime.date(2025, 5, 10), datetime.date(2025, 7, 31))
        assert selectors.pieces(span)[0] == [datetime.date(2025, 6, 1), datetime.date(2025, 7, 1)]
        data = selectors.dashboard(staff["supervisor"], span, ALL)
    daily = selectors.rollups_for(staff["supervisor"], span)
    assert data.totals.received == sum(r.received for r in daily) == 3
    assert data.totals.concluded == sum(r.concluded for r in daily) == 2
    assert data.series_unit == "month"
    assert [(p["day"], p["received"]) for p in data.series] == [
        (datetime.date(2025, 5, 1), 1),
        (datetime.date(2025, 6, 1), 1),
        (datetime.date(2025, 7, 1), 1),
    ]
