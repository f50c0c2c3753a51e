"""Clocks: suspensions move every deadline by exactly the working days paused (Art. 45),
extensions need the head (Art. 42), warnings turn yellow then red."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from tests.statements import exactly, fresh
from yiwang.core.machines import TransitionError
from yiwang.journey.cases.models import Status, Warning
from yiwang.journey.workflow import clocks, services
from yiwang.journey.workflow.models import ApprovalTask
from yiwang.notify.models import Message
from yiwang.workdays import calendar

FRIDAY = datetime.date(2025, 6, 6)  # resumes after a weekend
BEFORE_NATIONAL_DAY = datetime.date(2025, 9, 30)  # resumes after 国庆 2025 (Oct 1–8)


def open_task(case):
    return ApprovalTask.objects.get(case=case, status__in=["pending", "active"])


def deadlines(case):
    case.refresh_from_db()
    return case.promised_due_on, case.statutory_due_on, open_task(case).due_on


def pause(case, by, on_day, start, end):
    on_day(start)
    clocks.suspend(case.pk, by=by, kind="inspection", reason="现场核查", expected_workdays=3)
    on_day(end)
    return clocks.resume(case.pk, by=by)


@pytest.mark.parametrize("start", [FRIDAY, BEFORE_NATIONAL_DAY], ids=["weekend", "holiday"])
def test_three_working_days_paused_move_every_deadline_by_three(
    accepted_case, people, on_day, start
):
    case = accepted_case("CGW-XK-0001")
    before = deadlines(case)
    end = calendar.add_workdays(start, 3)
    assert (end - start).days > 3  # the pause spans a weekend or a holiday
    suspension = pause(case, people["reviewer-cgw"], on_day, start, end)
    assert suspension.paused_workdays == 3
    after = deadlines(case)
    for old, new in zip(before, after, strict=True):
        assert calendar.workdays_between_checked(old, new).days == 3
        assert new == calendar.add_workdays_checked(old, 3).date
    codes = list(case.events.exclude(status_code=None).values_list("status_code", flat=True))
    assert codes[-2:] == [9, 10]


@hypothesis_settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    start=st.dates(datetime.date(2025, 1, 1), datetime.date(2026, 11, 30)),
    length=st.integers(0, 25),
)
def test_any_pause_in_2025_2026_moves_deadlines_by_the_working_days_paused(
    accepted_case, people, on_day, start, length
):
    case = getattr(
        test_any_pause_in_2025_2026_moves_deadlines_by_the_working_days_paused, "c", None
    )
    if case is None or not type(case).objects.filter(pk=case.pk).exists():
        case = accepted_case("CGW-XK-0001")
        test_any_pause_in_2025_2026_moves_deadlines_by_the_working_days_paused.c = case
    before = deadlines(case)
    end = start + datetime.timedelta(days=length)
    suspension = pause(case, people["reviewer-cgw"], on_day, start, end)
    assert suspension.paused_workdays == calendar.workdays_between(start, end)
    after = deadlines(case)
    for old, new in zip(before, after, strict=True):
        assert new == calendar.add_workdays_checked(old, suspension.paused_workdays).date


def test_a_suspended_case_cannot_be_decided_and_its_clock_stands_still(
    accepted_case, people, on_day
):
    case = accepted_case("CGW-XK-0001")
    on_day(FRIDAY)
    clocks.suspend(case.pk, by=people["reviewer-cgw"], kind="hearing", reason="听证")
    case.refresh_from_db()
    assert case.status == Status.SUSPENDED and case.status_code == 9
    with pytest.raises(ValidationError, match="特别程序"):
        services.complete(open_task(case).pk, by=people["reviewer-cgw"], decision="approve")
    frozen = clocks.workdays_left(case)
    on_day(FRIDAY + datetime.timedelta(days=10))
    assert clocks.workdays_left(case) == frozen


def test_only_a_handler_may_suspend(accepted_case, people):
    case = accepted_case("CGW-XK-0001")
    with pytest.raises(Http404):
        clocks.suspend(case.pk, by=people["approver"], kind="hearing", reason="x")
    with pytest.raises(PermissionDenied):  # the head sees the task, which is a reviewer's
        clocks.suspend(case.pk, by=people["head-cgw"], kind="hearing", reason="x")


def test_an_extension_needs_the_head_and_moves_the_statutory_deadline_once(accepted_case, people):
    case = accepted_case("CGW-XK-0001")
    promised, statutory, _ = deadlines(case)
    extension = clocks.request_extension(
        case.pk, by=people["reviewer-cgw"], reason="需要补充现场勘验"
    )
    assert extension.workdays == 10
    with pytest.raises(PermissionDenied):
        clocks.decide_extension(extension.pk, by=people["reviewer-cgw"], approve=True)
    with pytest.raises(Http404):
        clocks.decide_extension(extension.pk, by=people["chief"], approve=True)
    clocks.decide_extension(extension.pk, by=people["head-cgw"], approve=True, note="同意")
    case.refresh_from_db()
    assert case.statutory_due_on == calendar.add_workdays_checked(statutory, 10).date
    assert case.promised_due_on == promised
    if not calendar.is_covered(case.statutory_due_on.year):  # weekends only, and flagged
        assert case.due_provisional
    assert case.events.filter(action="clock", note__contains="延长10个工作日").exists()
    with pytest.raises(ValidationError, match="只能延长一次"):
        clocks.request_extension(case.pk, by=people["reviewer-cgw"], reason="再延")
    with pytest.raises(ValidationError):
        clocks.request_extension(case.pk, by=people["reviewer-cgw"], reason="x", workdays=11)


def test_warnings_turn_yellow_then_red_and_are_told_once(accepted_case, people):
    case = accepted_case("CGW-XK-0001")  # promised 5 working days: yellow 1 working day before
    case.refresh_from_db()
    assert case.warning_on == calendar.add_workdays_checked(case.promised_due_on, -1).date
    day_before = case.warning_on - datetime.timedelta(days=1)
    assert clocks.refresh_warnings(day_before) == {"red": [], "yellow": []}

    assert clocks.refresh_warnings(case.warning_on)["yellow"] == [case.pk]
    case.refresh_from_db()
    assert case.warning == Warning.YELLOW
    told = Message.objects.filter(subject__contains="黄牌")
    assert {m.recipient.username for m in told} >= {"reviewer-cgw", "supervisor"}
    count = told.count()
    assert clocks.refresh_warnings(case.warning_on) == {"red": [], "yellow": []}
    assert told.count() == count  # a level already set is not told again

    overdue = case.promised_due_on + datetime.timedelta(days=1)
    assert clocks.refresh_warnings(overdue)["red"] == [case.pk]
    case.refresh_from_db()
    assert case.warning == Warning.RED
    assert open_task(case).warning == Warning.RED
    assert Message.objects.filter(subject__contains="红牌", recipient=people["supervisor"]).exists()


def test_yellow_threshold_is_twenty_percent_at_least_one_day(settings):
    assert clocks.yellow_threshold(5) == 1
    assert clocks.yellow_threshold(20) == 4
    assert clocks.yellow_threshold(0) == 1
    settings.YIWANG_WARNING_YELLOW_PERCENT = 50
    assert clocks.yellow_threshold(20) == 10


def test_recomputing_after_a_calendar_import_keeps_pauses_and_extensions(
    accepted_case, people, on_day
):
    case = accepted_case("CGW-XK-0001")
    pause(case, people["reviewer-cgw"], on_day, FRIDAY, calendar.add_workdays(FRIDAY, 3))
    extension = clocks.request_extension(case.pk, by=people["reviewer-cgw"], reason="勘验")
    clocks.decide_extension(extension.pk, by=people["head-cgw"], approve=True)
    case.refresh_from_db()
    kept = (case.promised_due_on, case.statutory_due_on, case.warning_on)
    assert clocks.reapply_adjustments() == 1
    case.refresh_from_db()
    assert (case.promised_due_on, case.statutory_due_on, case.warning_on) == kept


def test_the_warning_job_is_registered():
    from yiwang.core import schedule
    from yiwang.journey.workflow import jobs  # noqa: F401

    assert any(j.name.endswith("refresh_deadline_warnings") for j in schedule.jobs())


def test_a_task_due_in_an_unpublished_year_is_derived_again_when_the_year_is_imported(
    accepted_case, people, django_capture_on_commit_callbacks
):
    import io

    import time_machine

    from yiwang.journey.workflow.models import ApprovalTask
    from yiwang.workdays import services as workdays

    if calendar.is_covered(2027):
        pytest.skip("the calendar package already covers 2027")
    # New Year's Eve 2026: a one-working-day step is due on 1 January 2027, provisionally.
    with time_machine.travel(datetime.datetime(2026, 12, 31, 10, tzinfo=calendar.SHANGHAI)):
        case = accepted_case("CGW-XK-0001")
        task = ApprovalTask.objects.get(case=case, status__in=["pending", "active"])
    assert task.due_on == datetime.date(2027, 1, 1) and task.due_provisional

    schedule = io.StringIO("日期,类型,名称\n2027-01-01,休息,元旦\n")
    try:
        with django_capture_on_commit_callbacks(execute=True):  # the signal leaves on commit
            workdays.import_schedule_file(schedule, by=people["supervisor"], year=2027)
        task.refresh_from_db()
        assert task.due_on == datetime.date(2027, 1, 4)  # after the holiday and the weekend
        assert not task.due_provisional
    finally:
        calendar.refresh()  # the import is rolled back with the test; so is the calendar


def test_an_extension_decided_once_cannot_be_decided_again(accepted_case, people):
    """延期 is decided once (行政许可法 第四十二条): a second decision is refused and changes
    neither the extension nor the deadline."""
    case = accepted_case("CGW-XK-0001")
    extension = clocks.request_extension(case.pk, by=people["reviewer-cgw"], reason="现场勘验")
    clocks.decide_extension(extension.pk, by=people["head-cgw"], approve=True, note="同意")
    case.refresh_from_db()
    statutory = case.statutory_due_on
    with pytest.raises(TransitionError) as refused:
        clocks.decide_extension(extension.pk, by=people["head-cgw"], approve=False, note="改主意")
    assert refused.value.code == "extension_decided"
    assert str(refused.value) == "该延期申请已经审批。"
    extension.refresh_from_db()
    case.refresh_from_db()
    assert (extension.status, extension.note) == ("approved", "同意")
    assert case.statutory_due_on == statutory


# --- statement budgets (tests/statements.py) ---------------------------------------------------


def test_suspending_and_resuming_cost_a_fixed_number_of_statements(accepted_case, people, on_day):
    case, reviewer = accepted_case("CGW-XK-0001"), people["reviewer-cgw"]
    on_day(FRIDAY)
    fresh(reviewer)
    # Savepoint, the journey locked (one statement, aggregate.for_case), its open tasks
    # locked, the reviewer's grants; the case's status, its timeline line, the audit and the
    # domain event (one statement each, services._Writes), the suspension. It was 11.
    with exactly(10, "suspend"):
        clocks.suspend(case.pk, by=reviewer, kind="inspection", reason="现场核查")
    on_day(calendar.add_workdays(FRIDAY, 3))
    fresh(reviewer)
    # The same reads (the open suspension read with the journey); the suspension closed;
    # the open tasks moved in one UPDATE however many; the case's deadlines, warning and
    # status in one UPDATE; its timeline line, the audit and the domain event. It was 15.
    with exactly(11, "resume"):
        clocks.resume(case.pk, by=reviewer)


def test_an_extension_costs_a_fixed_number_of_statements(accepted_case, people):
    reviewer, head = people["reviewer-cgw"], people["head-cgw"]
    for approve in (True, False):
        case = accepted_case("CGW-XK-0001")
        fresh(reviewer)
        # Savepoint, the journey locked with whether an extension was asked before and the
        # department (one statement), its open tasks, the grants; the extension, the
        # timeline line, the audit event (the heads are told after commit). It was 11.
        with exactly(8, "request_extension"):
            extension = clocks.request_extension(case.pk, by=reviewer, reason="需要现场勘验")
        fresh(head)
        # Savepoint, the extension's journey locked (one statement), the extension, the
        # head's grants, the decision; approved: the deadline; the timeline line, the audit
        # event. It was 12 (approved) and 11 (rejected).
        with exactly(9 if approve else 8, f"decide_extension (approve={approve})"):
            clocks.decide_extension(extension.pk, by=head, approve=approve, note="意见")
