# ruff: noqa: F811 (pytest fixtures imported from tests.supervision.figures)
"""Daily rollups and live figures: each event of a case lands on its own Asia/Shanghai
day under its key (department, service point, item, level), counted from the source
tables; a refresh is idempotent; a dirty day is counted again; the set-based rebuild
gives exactly what day-by-day refreshes give."""

import datetime
import io

import pytest
from django.core.management import call_command
from django.db.models import Sum

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
from yiwang.feedback import services as feedback
from yiwang.identity.models import OrgUnit
from yiwang.journey.cases import services as cases
from yiwang.journey.cases.models import Case
from yiwang.journey.workflow import clocks
from yiwang.supervision import rollups
from yiwang.supervision.models import DailyRollup, DirtyDay, LiveFigure
from yiwang.workdays.signals import schedule_changed

pytestmark = pytest.mark.django_db


def figures(day, **key) -> dict:
    """The day's counts summed over the rows matching `key` (item code etc.)."""
    rows = DailyRollup.objects.filter(day=day)
    if "item" in key:
        rows = rows.filter(item__code=key["item"])
    totals = rows.aggregate(**{name: Sum(name) for name in rollups.DAILY_COUNTS})
    return {name: value for name, value in totals.items() if value}


def refresh(*days):
    for day in days:
        rollups.refresh(day)


def test_a_case_lands_on_the_days_it_was_received_accepted_and_concluded(desk):
    case = desk.file(FOOD, MONDAY)
    desk.accept(case, TUESDAY)
    desk.finish(case, THURSDAY)  # promised 5 working days from Tuesday: on time
    refresh(MONDAY, TUESDAY, WEDNESDAY, THURSDAY)

    assert figures(MONDAY) == {"received": 1}
    assert figures(TUESDAY) == {"accepted": 1}
    assert figures(WEDNESDAY) == {}
    assert figures(THURSDAY) == {"concluded": 1, "concluded_on_time": 1}
    row = DailyRollup.objects.get(day=MONDAY)
    assert (row.department.code, row.place.code, row.item.code, row.level) == (
        "990101-SCJ",
        "990101-ZWZX",
        FOOD,
        "district",
    )
    assert (row.department_path, row.place_path) == (row.department.path, row.place.path)


def test_a_case_concluded_after_its_promised_day_is_late(desk):
    on_time = desk.finish(desk.accept(desk.file(MAIN, MONDAY), MONDAY), MONDAY)
    late = desk.accept(desk.file(MAIN, MONDAY), MONDAY)  # promised the same day
    desk.finish(late, TUESDAY)
    refresh(MONDAY, TUESDAY)

    assert on_time.status == "approved"
    assert figures(MONDAY) == {
        "received": 2,
        "accepted": 2,
        "concluded": 1,
        "concluded_on_time": 1,
    }
    assert figures(TUESDAY) == {"concluded": 1}


def test_a_bundle_counts_each_item_and_not_the_journey(desk, staff):
    citizen = staff["citizen"]
    with on(MONDAY, 9):
        parent = cases.start_bundle_case("YJS-0001", by=citizen)
        from tests.journey.workflow.conftest import _provide_everything

        _provide_everything(parent, citizen)
    with on(MONDAY, 10):
        cases.submit(parent.pk, by=citizen)
    desk.notice(parent, TUESDAY)
    refresh(MONDAY, TUESDAY)

    assert figures(MONDAY) == {"received": 4}
    # The one notice of the journey is on the parent: each of its four items had to wait.
    assert figures(TUESDAY) == {"notices": 4}
    assert DailyRollup.objects.filter(day=TUESDAY).count() == 4


def test_an_art_32_lapse_is_a_deemed_acceptance_on_the_day_it_was_deemed(desk):
    case = desk.file(MAIN, MONDAY)
    # 5 working days from Monday 9 June: due Monday 16; deemed on Tuesday 17.
    deemed_day = datetime.date(2025, 6, 17)
    with on(deemed_day, 1):
        assert cases.deem_overdue_accepted() == [case.pk]
    refresh(deemed_day)

    assert figures(deemed_day) == {"accepted": 1, "deemed_accepted": 1}


def test_a_second_notice_is_a_repeated_notice(desk):
    case = desk.file(MAIN, MONDAY)
    desk.notice(case, MONDAY)
    desk.resubmit(case, TUESDAY)
    desk.notice(case, WEDNESDAY, again=True)
    desk.resubmit(case, THURSDAY)
    desk.accept(case, FRIDAY)
    refresh(MONDAY, TUESDAY, WEDNESDAY, THURSDAY, FRIDAY)

    assert figures(MONDAY) == {"received": 1, "notices": 1}
    assert figures(TUESDAY) == {}  # a resubmission is not a new receipt
    assert figures(WEDNESDAY) == {"notices": 1, "repeated_notices": 1}
    assert figures(FRIDAY) == {"accepted": 1}


def test_the_second_return_of_a_case_counts_once_on_its_day(desk):
    case = desk.accept(desk.file(FOOD, MONDAY), MONDAY)
    desk.complete(case, MONDAY)  # 审查 → 现场核查
    desk.complete(case, TUESDAY, decision="return", opinion="现场核查前请补充平面图。")
    desk.complete(case, TUESDAY, hour=16)
    desk.complete(case, WEDNESDAY, decision="return", opinion="仍缺少设备布局图。")
    desk.complete(case, THURSDAY)
    desk.complete(case, THURSDAY, hour=16, decision="return", opinion="第三次退回。")
    refresh(MONDAY, TUESDAY, WEDNESDAY, THURSDAY)

    assert "repeated_returns" not in figures(TUESDAY)
    assert figures(WEDNESDAY) == {"repeated_returns": 1}
    assert "repeated_returns" not in figures(THURSDAY)  # the third is the same case again


def test_ratings_count_levels_and_a_bad_one_opens_a_rectification(desk):
    good = desk.finish(desk.accept(desk.file(MAIN, MONDAY), MONDAY), MONDAY)
    fair = desk.finish(desk.accept(desk.file(MAIN, MONDAY, applicant="citizen2"), MONDAY), MONDAY)
    bad = desk.finish(desk.accept(desk.file(SIGN, MONDAY), MONDAY), TUESDAY)
    desk.rate(good, TUESDAY, 5)
    desk.rate(fair, TUESDAY, 3)
    desk.rate(bad, TUESDAY, 1)
    refresh(TUESDAY)

    day = figures(TUESDAY)
    assert (day["ratings"], day["ratings_satisfied"], day["ratings_bad"]) == (3, 2, 1)
    assert day["rating_points"] == 9
    assert (day["rectifications_opened"], day.get("rectifications_closed", 0)) == (1, 0)
    bad_row = DailyRollup.objects.get(day=TUESDAY, item__code=SIGN)
    assert (bad_row.department.code, bad_row.ratings_bad, bad_row.rectifications_opened) == (
        "990101-CGW",
        1,
        1,
    )


def test_a_rectification_closed_later_is_counted_on_its_opening_day(desk, staff):
    case = desk.finish(desk.accept(desk.file(SIGN, MONDAY), MONDAY), MONDAY)
    evaluation = desk.rate(case, MONDAY, 2)
    rollups.run_cycle(MONDAY)
    assert figures(MONDAY)["rectifications_opened"] == 1
    assert "rectifications_closed" not in figures(MONDAY)

    rectification = evaluation.rectification
    with on(THURSDAY):
        feedback.respond(
            rectification.pk,
            by=staff["head-cgw"],
            explanation="窗口人员未一次告知。",
            measures="已培训窗口人员。",
        )
        feedback.verify(rectification.pk, by=staff["supervisor"], accept=True)
        feedback.record_callback(
            rectification.pk, by=staff["supervisor"], reached=True, satisfied=True
        )
    assert DirtyDay.objects.filter(day=MONDAY).exists()

    with on(THURSDAY, 17):
        rollups.run_cycle()
    assert figures(MONDAY)["rectifications_closed"] == 1
    assert not DirtyDay.objects.exists()


def test_refreshing_a_day_twice_gives_the_same_rows(desk):
    desk.finish(desk.accept(desk.file(MAIN, MONDAY), MONDAY), MONDAY)
    desk.file(STREET_ITEM, MONDAY, street=True)
    rollups.refresh(MONDAY)
    first = list(DailyRollup.objects.values(*rollups.DAILY_COUNTS, "item_id", "place_id"))
    rollups.refresh(MONDAY)
    again = list(DailyRollup.objects.values(*rollups.DAILY_COUNTS, "item_id", "place_id"))

    assert len(first) == 2
    assert sorted(first, key=str) == sorted(again, key=str)


def test_a_day_counted_before_an_event_is_counted_again_by_the_job(desk):
    with on(MONDAY, 9, 30):
        rollups.run_cycle()
    assert figures(MONDAY) == {}
    desk.file(MAIN, MONDAY)
    with on(MONDAY, 11):
        result = rollups.run_cycle()
    assert result["days"] == [MONDAY - datetime.timedelta(days=1), MONDAY]
    assert figures(MONDAY) == {"received": 1}


def test_a_dirty_day_is_counted_again_and_forgotten(desk):
    desk.file(MAIN, MONDAY)
    rollups.mark_dirty(MONDAY)
    rollups.mark_dirty(MONDAY)  # idempotent
    assert DirtyDay.objects.count() == 1
    with on(FRIDAY, 12):
        result = rollups.run_cycle()

    assert MONDAY in result["days"]
    assert figures(MONDAY) == {"received": 1}
    assert not DirtyDay.objects.exists()


def test_live_figures_are_open_work_now(desk, settings):
    settings.YIWANG_IDLE_TASK_WORKDAYS = 3
    waiting = desk.file(MAIN, MONDAY)  # at the window: not in progress yet
    overdue = desk.accept(desk.file(MAIN, MONDAY), MONDAY)  # due Monday
    fresh = desk.accept(desk.file(FOOD, MONDAY), MONDAY)  # due five working days later
    done = desk.finish(desk.accept(desk.file(MAIN, MONDAY), MONDAY), MONDAY)
    with on(WEDNESDAY, 8):
        clocks.refresh_warnings()
        rollups.refresh_live()

    live = LiveFigure.objects.aggregate(**{name: Sum(name) for name in rollups.LIVE_COUNTS})
    assert live == {"in_progress": 2, "yellow": 0, "red": 1, "idle_tasks": 0}
    assert LiveFigure.objects.get(red=1).item.code == MAIN

    # Pushed on Monday, untouched: idle once three working days have passed (Thursday
    # counts Tue, Wed, Thu).
    with on(THURSDAY, 8):
        rollups.refresh_live()
    assert LiveFigure.objects.aggregate(n=Sum("idle_tasks"))["n"] == 2
    assert {waiting.pk, done.pk}.isdisjoint(
        set(rollups.idle_tasks(THURSDAY).values_list("case_id", flat=True))
    )
    assert set(rollups.idle_tasks(THURSDAY).values_list("case_id", flat=True)) == {
        overdue.pk,
        fresh.pk,
    }
    assert not rollups.idle_tasks(WEDNESDAY).exists()

    desk.complete(fresh, THURSDAY, hour=10)  # pushed on to the next stage today: not idle
    with on(THURSDAY, 11):
        rollups.refresh_live()
    assert LiveFigure.objects.aggregate(n=Sum("idle_tasks"))["n"] == 1


def test_a_suspended_case_is_in_progress_but_its_task_is_not_idle(desk, staff):
    case = desk.accept(desk.file(FOOD, MONDAY), MONDAY)
    with on(MONDAY, 14):
        clocks.suspend(
            case.pk,
            by=staff["approver"],
            kind="inspection",
            reason="委托检验机构现场核查。",
            expected_workdays=5,
        )
    with on(FRIDAY, 12):
        rollups.refresh_live()

    row = LiveFigure.objects.get()
    assert (row.in_progress, row.idle_tasks) == (1, 0)


def test_the_set_based_rebuild_equals_refreshing_day_by_day(desk):
    desk.finish(desk.accept(desk.file(FOOD, MONDAY), TUESDAY), THURSDAY)
    late = desk.accept(desk.file(MAIN, MONDAY, applicant="citizen2"), MONDAY)
    desk.finish(late, WEDNESDAY)
    desk.rate(late, THURSDAY, 1)
    desk.file(STREET_ITEM, TUESDAY, street=True)
    days = [MONDAY + datetime.timedelta(days=n) for n in range(5)]
    refresh(*days)

    def snapshot():
        return sorted(
            DailyRollup.objects.values_list("day", "item_id", "place_id", *rollups.DAILY_COUNTS)
        )

    by_day = snapshot()
    DailyRollup.objects.all().delete()
    with on(FRIDAY, 18):
        written = rollups.rebuild()

    assert written == len(by_day) > 0
    assert snapshot() == by_day


def test_the_command_rebuilds_from_a_day(desk):
    desk.file(MAIN, MONDAY)
    desk.file(MAIN, WEDNESDAY)
    out = io.StringIO()
    with on(FRIDAY, 18):
        call_command("rebuild_rollups", "--since", WEDNESDAY.isoformat(), stdout=out)

    assert "1" in out.getvalue()
    assert figures(WEDNESDAY) == {"received": 1}
    assert figures(MONDAY) == {}  # before --since: untouched


def test_the_job_counts_the_past_once_on_a_new_installation(desk):
    desk.file(MAIN, MONDAY)
    assert not DailyRollup.objects.exists()
    with on(FRIDAY, 18):
        rollups.run_cycle()
    assert figures(MONDAY) == {"received": 1}


def test_the_street_centre_is_a_street_level_key(desk):
    desk.file(STREET_ITEM, MONDAY, street=True)
    rollups.refresh(MONDAY)
    row = DailyRollup.objects.get()
    assert row.level == "street"
    assert row.place == OrgUnit.objects.get(code="990101001-BMZX")
    assert row.place_path.startswith(OrgUnit.objects.get(code="990101001").path)


def test_the_job_is_registered():
    from yiwang.core import schedule
    from yiwang.supervision import jobs  # noqa: F401

    assert "yiwang.supervision.jobs.refresh_rollups" in {job.name for job in schedule.jobs()}


def test_unused_cases_do_not_appear(desk):
    # A draft has no submission: nothing to count.
    with on(MONDAY):
        from tests.journey.workflow.conftest import published

        cases.start_case(published(MAIN).pk, by=desk.staff["citizen"])
    rollups.refresh(MONDAY)
    assert not DailyRollup.objects.exists()
    assert Case.objects.count() == 1


def test_a_holiday_import_that_moves_a_deadline_counts_the_conclusion_day_again(desk):
    late = desk.accept(desk.file(MAIN, MONDAY), MONDAY)  # promised the same day
    desk.finish(late, TUESDAY)
    refresh(MONDAY, TUESDAY)
    assert figures(TUESDAY) == {"concluded": 1}
    # The import moved the (provisional) promise to Tuesday, as cases' recompute does.
    Case.objects.filter(pk=late.pk).update(promised_due_on=TUESDAY)
    schedule_changed.send(sender=None, years=[2026])  # another year: nothing to count
    assert not DirtyDay.objects.exists()
    schedule_changed.send(sender=None, years=[2025])
    assert list(DirtyDay.objects.values_list("day", flat=True)) == [TUESDAY]
    with on(FRIDAY, 12):
        rollups.run_cycle()
    assert figures(TUESDAY) == {"concluded": 1, "concluded_on_time": 1}
