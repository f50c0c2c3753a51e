"""The rules of the journey's commands on a case, on plain values (workflow.decide_case): no
database. The calendar is a weekends-only one here, passed in as two functions, so the clock
arithmetic is checked on its own terms: a pause of n working days moves every deadline by
exactly n working days (行政许可法 第四十五条), an extension moves the statutory one only
(第四十二条)."""

import datetime
from dataclasses import dataclass

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from yiwang.core.machines import TransitionError
from yiwang.journey.cases.models import CaseMaterial, Status, Warning
from yiwang.journey.workflow import decide_case
from yiwang.journey.workflow.models import Extension

MONDAY = datetime.date(2025, 6, 2)


@dataclass(frozen=True)
class Day:
    date: datetime.date
    provisional: bool = False


def _workday(day: datetime.date) -> bool:
    return day.weekday() < 5


def add(day: datetime.date, n: int) -> Day:
    """n working days after `day` (before, when negative), weekends only; a day in 2099 or
    later is provisional, as a year without a published schedule would be."""
    step = 1 if n >= 0 else -1
    left = abs(n)
    while left:
        day += datetime.timedelta(days=step)
        left -= _workday(day)
    return Day(day, day.year >= 2099)


def between(start: datetime.date, end: datetime.date) -> int:
    """Working days in (start, end]; negative when end is before start."""
    if end < start:
        return -between(end, start)
    return sum(
        _workday(start + datetime.timedelta(days=i)) for i in range(1, (end - start).days + 1)
    )


days = st.dates(datetime.date(2025, 1, 1), datetime.date(2027, 12, 31))


def clock_on(due: datetime.date) -> decide_case.Clock:
    return decide_case.Clock(
        promised_due_on=due,
        statutory_due_on=add(due, 10).date,
        warning_on=add(due, -1).date,
    )


def resume(started, today, clock, tasks=(), status=Status.SUSPENDED):
    return decide_case.resumption(
        status,
        pause_started=started,
        today=today,
        clock=clock,
        tasks=tasks,
        add=add,
        between=between,
    )


# --- 特别程序 ----------------------------------------------------------------------------------


@given(st.sampled_from(Status.values))
def test_only_a_case_under_review_can_be_suspended(status):
    if status == Status.IN_REVIEW:
        reason, note = decide_case.suspension(status, kind="hearing", reason=" 听证 ")
        assert reason == "听证" and note == "听证：听证"
        return
    with pytest.raises(TransitionError) as refused:
        decide_case.suspension(status, kind="hearing", reason="听证")
    assert refused.value.code == "invalid_transition"


@pytest.mark.parametrize(
    ("kind", "reason", "code"),
    [
        ("", "听证", "kind_required"),
        ("party", "听证", "kind_required"),
        ("hearing", "  ", "reason_required"),
    ],
)
def test_a_suspension_needs_its_kind_and_a_reason(kind, reason, code):
    with pytest.raises(ValidationError) as refused:
        decide_case.suspension(Status.IN_REVIEW, kind=kind, reason=reason)
    assert refused.value.code == code


@given(st.sampled_from([s for s in Status.values if s != Status.SUSPENDED]))
def test_only_a_suspended_case_can_be_resumed(status):
    with pytest.raises(ValidationError) as refused:
        resume(MONDAY, MONDAY, clock_on(MONDAY), status=status)
    assert refused.value.code == "not_suspended"
    with pytest.raises(ValidationError):  # suspended, but no pause open: refused the same
        resume(None, MONDAY, clock_on(MONDAY))


@given(start=days, length=st.integers(0, 60), due=days)
def test_a_pause_moves_every_deadline_by_the_working_days_paused(start, length, due):
    today = start + datetime.timedelta(days=length)
    task = decide_case.TaskClock(7, due, add(due, -1).date)
    outcome = resume(start, today, clock_on(due), (task,))
    n = between(start, today)
    assert outcome.paused_workdays == n
    assert str(n) in outcome.note
    if n == 0:  # nothing moves, nothing is written
        assert outcome.clock is None and outcome.tasks == ()
        return
    before, after = clock_on(due), outcome.clock
    for old, new in [
        (before.promised_due_on, after.promised_due_on),
        (before.statutory_due_on, after.statutory_due_on),
        (before.warning_on, after.warning_on),
        (task.due_on, outcome.tasks[0].due_on),
    ]:
        assert new == add(old, n).date
    assert after.warning == decide_case.level(after.promised_due_on, after.warning_on, today)


@given(start=days, first=st.integers(0, 30), second=st.integers(0, 30), due=days)
def test_two_pauses_move_the_deadlines_as_far_as_one_of_their_sum(start, first, second, due):
    """What reapply_adjustments relies on: a + n + m working days is a + (n + m)."""
    middle = start + datetime.timedelta(days=first)
    end = middle + datetime.timedelta(days=second)
    clock = clock_on(due)
    for begun, ended in [(start, middle), (middle, end)]:
        clock = resume(begun, ended, clock).clock or clock
    total = between(start, middle) + between(middle, end)
    assert clock.promised_due_on == add(due, total).date
    assert clock.statutory_due_on == add(clock_on(due).statutory_due_on, total).date


def test_a_pause_through_an_unpublished_year_makes_the_deadlines_provisional():
    due = datetime.date(2098, 12, 30)
    outcome = resume(datetime.date(2098, 12, 1), datetime.date(2098, 12, 12), clock_on(due))
    assert outcome.clock.promised_due_on.year == 2099
    assert outcome.clock.due_provisional


def test_a_task_late_after_the_pause_is_red_and_one_in_its_last_days_yellow():
    today = datetime.date(2025, 6, 13)  # a Friday: a pause of 9 working days since the 2nd
    late = decide_case.TaskClock(1, datetime.date(2025, 5, 20), datetime.date(2025, 5, 19))
    near = decide_case.TaskClock(2, datetime.date(2025, 6, 3), datetime.date(2025, 6, 2))
    far = decide_case.TaskClock(3, datetime.date(2025, 6, 30), datetime.date(2025, 6, 27))
    tasks = resume(MONDAY, today, clock_on(far.due_on), (late, near, far)).tasks
    assert [t.warning for t in tasks] == [Warning.RED, Warning.YELLOW, Warning.NONE]


# --- 延期 --------------------------------------------------------------------------------------


def ask(status=Status.IN_REVIEW, reason="需要现场勘验", workdays=None, already=False):
    return decide_case.extension_request(
        status, reason=reason, workdays=workdays, allowed=10, already=already
    )


def test_an_extension_is_the_allowed_working_days_unless_fewer_are_asked():
    assert ask()[1] == 10
    assert ask(workdays=3)[:2] == ("需要现场勘验", 3)
    assert ask(status=Status.SUSPENDED)[1] == 10  # paused in review: still under review


@pytest.mark.parametrize(
    ("kw", "code"),
    [
        ({"reason": " "}, "reason_required"),
        ({"workdays": 0}, "extension_too_long"),
        ({"workdays": 11}, "extension_too_long"),
        ({"already": True}, "extension_once"),
        ({"status": Status.ACCEPTED}, "not_in_review"),
        ({"status": Status.APPROVED}, "not_in_review"),
    ],
)
def test_an_extension_request_is_refused_with_a_stable_code(kw, code):
    with pytest.raises(ValidationError) as refused:
        ask(**kw)
    assert refused.value.code == code


@given(due=days, workdays=st.integers(1, 10))
def test_an_approved_extension_moves_only_the_statutory_deadline(due, workdays):
    before = clock_on(due)
    decided = decide_case.extension_decision(
        Extension.Status.REQUESTED,
        approve=True,
        workdays=workdays,
        clock=before,
        add=add,
        today=due,
    )
    assert decided.status == Extension.Status.APPROVED and decided.action == "clock"
    assert decided.clock.statutory_due_on == add(before.statutory_due_on, workdays).date
    assert decided.clock.promised_due_on == before.promised_due_on
    assert decided.clock.warning_on == before.warning_on


def test_a_rejected_extension_moves_nothing_and_an_extension_is_decided_once():
    rejected = decide_case.extension_decision(
        Extension.Status.REQUESTED,
        approve=False,
        workdays=10,
        clock=clock_on(MONDAY),
        add=add,
        today=MONDAY,
    )
    assert (rejected.status, rejected.clock, rejected.action) == (
        Extension.Status.REJECTED,
        None,
        "extension_rejected",
    )
    for decided in (Extension.Status.APPROVED, Extension.Status.REJECTED):
        with pytest.raises(TransitionError) as refused:
            decide_case.extension_decision(
                decided, approve=True, workdays=10, clock=clock_on(MONDAY), add=add, today=MONDAY
            )
        assert refused.value.code == "extension_decided"


# --- withdrawal, refusal, supplement ------------------------------------------------------------

WITHDRAWABLE = [
    Status.DRAFT,
    Status.SUBMITTED,
    Status.SUPPLEMENT,
    Status.ACCEPTED,
    Status.IN_REVIEW,
]


@given(st.lists(st.sampled_from([*WITHDRAWABLE, *decide_case.CONCLUDED]), min_size=1, max_size=6))
def test_a_withdrawal_ends_every_open_case_and_keeps_every_decision(statuses):
    family = list(enumerate(statuses, 1))
    moving, reason = decide_case.withdrawal(
        family, by_applicant=True, reason=" 不办了 ", max_chars=300
    )
    assert reason == "不办了"
    assert moving == [pk for pk, status in family if status not in decide_case.CONCLUDED]


@pytest.mark.parametrize("status", [Status.SUSPENDED, Status.REFUSED, Status.WITHDRAWN])
def test_a_case_paused_or_ended_cannot_be_withdrawn(status):
    with pytest.raises(TransitionError) as refused:
        decide_case.withdrawal([(1, status)], by_applicant=True, reason="", max_chars=300)
    assert refused.value.code == "invalid_transition"


def test_only_the_applicant_withdraws_and_the_reason_is_short():
    with pytest.raises(ValidationError) as refused:
        decide_case.withdrawal([(1, Status.SUBMITTED)], by_applicant=False, reason="", max_chars=3)
    assert refused.value.code == "not_applicant"
    with pytest.raises(ValidationError):
        decide_case.withdrawal(
            [(1, Status.SUBMITTED)], by_applicant=True, reason="理由太长", max_chars=3
        )


@given(st.lists(st.sampled_from(Status.values), min_size=1, max_size=5))
def test_only_a_submitted_journey_is_refused_and_only_with_a_reason(statuses):
    if all(s == Status.SUBMITTED for s in statuses):
        assert decide_case.refusal(statuses, reason=" 不属于本机关 ") == "不属于本机关"
        with pytest.raises(ValidationError) as refused:
            decide_case.refusal(statuses, reason="")
        assert refused.value.code == "reason_required"
    else:
        with pytest.raises(TransitionError) as refused:
            decide_case.refusal(statuses, reason="不属于本机关")
        assert refused.value.code == "invalid_transition"


def notice(statuses=(Status.SUBMITTED,), entries=None, states=None, repeat="", before=False):
    return decide_case.supplement(
        list(statuses),
        entries=[{"material": 1, "name": "营业执照", "reason": "不清晰"}]
        if entries is None
        else entries,
        material_states=states or {1: CaseMaterial.State.UPLOADED},
        repeat_reason=repeat,
        noticed_before=before,
    )


def test_a_notice_returns_the_fields_to_correct_and_a_second_needs_a_reason():
    fields, repeat = notice(
        entries=[
            {"material": 1, "name": "营业执照", "reason": "不清晰"},
            {"field": "phone", "name": "申请表：电话", "reason": "号码不全"},
        ]
    )
    assert (fields, repeat) == ({"phone": "号码不全"}, "")
    with pytest.raises(ValidationError) as refused:
        notice(before=True)
    assert refused.value.code == "repeat_needs_reason"
    assert notice(before=True, repeat=" 又发现一处 ")[1] == "又发现一处"


@pytest.mark.parametrize(
    ("kw", "code"),
    [
        ({"entries": []}, "no_items"),
        ({"states": {1: CaseMaterial.State.TOLERATED}}, "invalid_material_transition"),
        ({"statuses": (Status.SUBMITTED, Status.SUPPLEMENT)}, "invalid_transition"),
        ({"statuses": (Status.ACCEPTED,)}, "invalid_transition"),
    ],
)
def test_a_notice_is_refused_with_a_stable_code(kw, code):
    with pytest.raises(ValidationError) as refused:
        notice(**kw)
    assert refused.value.code == code


# --- 出件 / 送达 ------------------------------------------------------------------------------


def choose(status=Status.IN_REVIEW, method="mail", **kw):
    facts = {
        "by_applicant": True,
        "is_item": False,
        "has_results": False,
        "delivery_status": None,
        "mail_complete": True,
    }
    return decide_case.delivery_choice(status, method=method, **{**facts, **kw})


def test_the_applicant_chooses_pickup_or_mail_before_the_result_goes_out():
    assert choose() is None
    assert choose(method="pickup", mail_complete=False) is None
    assert choose(Status.DENIED, has_results=True, delivery_status="ready") is None  # 一件事


@pytest.mark.parametrize(
    ("kw", "code"),
    [
        ({"by_applicant": False}, "not_applicant"),
        ({"is_item": True}, "use_parent"),
        ({"status": Status.REFUSED}, "nothing_to_deliver"),
        ({"method": "fax"}, "method_required"),
        ({"mail_complete": False}, "address_required"),
        ({"has_results": True, "delivery_status": "delivered"}, "already_delivered"),
    ],
)
def test_a_delivery_choice_is_refused_with_a_stable_code(kw, code):
    with pytest.raises(ValidationError) as refused:
        choose(**kw)
    assert refused.value.code == code


@given(
    chosen=st.sampled_from(["pickup", "mail"]),
    status=st.sampled_from(["pending", "ready", "delivered"]),
    method=st.sampled_from(["pickup", "mail"]),
)
def test_only_a_ready_result_goes_out_and_only_the_way_chosen(chosen, status, method):
    if chosen != method:
        with pytest.raises(ValidationError) as refused:
            decide_case.issue(chosen=chosen, status=status, method=method)
        assert refused.value.code == "wrong_method"
    elif status != "ready":
        with pytest.raises(TransitionError) as refused:
            decide_case.issue(chosen=chosen, status=status, method=method)
        assert refused.value.code == "invalid_delivery_transition"
    else:
        decide_case.issue(chosen=chosen, status=status, method=method)


# --- 接件 and 受理 (第三十二条) ---------------------------------------------------------------------

FILABLE = (Status.DRAFT, Status.SUPPLEMENT)


def problem(code):
    return ValidationError("申请表还没有填好", code=code)


@given(st.sampled_from(FILABLE), st.integers(0, 4), days)
def test_a_journey_is_filed_with_five_working_days_for_the_window(status, items, today):
    decided = decide_case.submission(
        [status] * (items + 1), is_item=False, problems=[], today=today, add=add
    )
    assert decided.received_on == today
    assert between(today, decided.intake_due_on) == decide_case.INTAKE_WORKDAYS
    # After a supplement notice the application is received again; filed only once.
    assert decided.action == ("resubmit" if status == Status.SUPPLEMENT else "submit")
    assert decided.first == (status == Status.DRAFT)


@given(st.lists(st.sampled_from(Status.values), min_size=1, max_size=5))
def test_only_a_draft_or_a_journey_sent_back_is_filed(statuses):
    if all(s in FILABLE for s in statuses):
        decide_case.submission(statuses, is_item=False, problems=[], today=MONDAY, add=add)
    else:
        with pytest.raises(TransitionError) as refused:
            decide_case.submission(statuses, is_item=False, problems=[], today=MONDAY, add=add)
        assert refused.value.code == "invalid_transition"


def test_a_submission_is_refused_with_a_stable_code():
    with pytest.raises(ValidationError) as refused:
        decide_case.submission([Status.DRAFT], is_item=True, problems=[], today=MONDAY, add=add)
    assert refused.value.code == "submit_parent"
    # One problem keeps its own code; several are raised together, each with its code.
    with pytest.raises(ValidationError) as refused:
        decide_case.submission(
            [Status.DRAFT], is_item=False, problems=[problem("form_invalid")], today=MONDAY, add=add
        )
    assert refused.value.code == "form_invalid"
    with pytest.raises(ValidationError) as refused:
        decide_case.submission(
            [Status.DRAFT],
            is_item=False,
            problems=[problem("fields_to_correct"), problem("materials_missing")],
            today=MONDAY,
            add=add,
        )
    assert [e.code for e in refused.value.error_list] == ["fields_to_correct", "materials_missing"]


def owed(tolerable=True, state=CaseMaterial.State.MISSING, pk=1):
    return decide_case.Owed(pk, "营业执照", tolerable, state)


def accept(statuses=(Status.SUBMITTED,), materials=(), **kw):
    facts = {"tolerated": False, "deemed": False, "start": MONDAY, "days": {}, "add": add}
    return decide_case.acceptance(
        list(statuses), owed=list(materials), yellow=lambda total: 1, **{**facts, **kw}
    )


@given(days, st.integers(1, 30), st.integers(0, 30), st.integers(1, 5))
def test_each_item_of_the_journey_gets_its_clock_from_acceptance(start, promised, more, yellow):
    statutory = promised + more
    decided = decide_case.acceptance(
        [Status.SUBMITTED] * 3,
        owed=[],
        tolerated=False,
        deemed=False,
        start=start,
        days={2: (promised, statutory), 3: (promised, statutory)},
        add=add,
        yellow=lambda total: min(yellow, total),
    )
    assert set(decided.clocks) == {2, 3}  # the bundle's parent (1) has no clock of its own
    clock = decided.clocks[2]
    assert between(start, clock.promised_due_on) == promised
    assert between(start, clock.statutory_due_on) == statutory
    assert between(clock.warning_on, clock.promised_due_on) == min(yellow, promised)
    assert decided.action == "accept" and decided.tolerated == ()


def test_a_clock_counted_through_an_unpublished_year_is_provisional():
    decided = accept(start=datetime.date(2098, 12, 20), days={1: (5, 20)})
    assert decided.clocks[1].due_provisional


@pytest.mark.parametrize(
    "kw, code",
    [
        ({"materials": [owed()]}, "materials_open"),
        ({"materials": [owed(tolerable=False)], "tolerated": True}, "materials_open"),
        ({"statuses": [Status.SUBMITTED, Status.SUPPLEMENT]}, "invalid_transition"),
        ({"statuses": [Status.DRAFT]}, "invalid_transition"),
        (
            {"materials": [owed(state=CaseMaterial.State.TOLERATED)], "tolerated": True},
            "invalid_material_transition",
        ),
    ],
)
def test_an_acceptance_is_refused_with_a_stable_code(kw, code):
    with pytest.raises(ValidationError) as refused:
        accept(**kw)
    assert refused.value.code == code


def test_with_tolerance_what_may_come_later_is_owed_and_a_deemed_acceptance_takes_all():
    decided = accept(materials=[owed(pk=7)], tolerated=True)
    assert decided.tolerated == (7,) and decided.action == "accept"
    # Art. 32: no answer within five working days — accepted as the application stands.
    deemed = accept(materials=[owed(pk=7), owed(tolerable=False, pk=8)], deemed=True)
    assert deemed.tolerated == (7, 8) and deemed.action == "deemed_accept"
