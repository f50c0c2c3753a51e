"""Appointments (yiwang.halls.appointments): the slots a citizen is offered, booking and its
per-person rules, the no-show rule, cancelling and moving a booking, checking in for a
ticket, the jobs, and what each state change costs in statements."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.halls.booking import TUESDAY, at, book
from tests.halls.conftest import id_number
from tests.statements import exactly, fresh
from yiwang.audit.models import AuditEvent
from yiwang.core.models import DomainEvent
from yiwang.halls import appointments, hours, services
from yiwang.halls.models import (
    Appointment,
    AppointmentStatus,
    Hall,
    Lane,
    ServiceCategory,
    SlotBooking,
    Ticket,
)
from yiwang.identity.models import User
from yiwang.journey.cases import services as cases
from yiwang.notify.models import Message
from yiwang.workdays import calendar

TEN = at(2025, 3, 4, 10, 0)  # Tuesday 10:00


# --- slots ----------------------------------------------------------------------------------


def test_a_day_is_cut_into_half_hours_of_the_opening_hours(hall, category, monday):
    slots = appointments.slots(hall, category["A"], TUESDAY)
    labels = [s.label for s in slots]
    # 周一至周五 9:00-12:00 14:00-20:00: six morning and twelve afternoon slots.
    assert labels[:2] == ["09:00-09:30", "09:30-10:00"]
    assert "11:30-12:00" in labels and "12:00-12:30" not in labels
    assert labels[6] == "14:00-14:30" and labels[-1] == "19:30-20:00"
    assert len(labels) == 18


def test_a_slot_holds_what_the_windows_serve_in_it(hall, category, windows, monday):
    # A: window 1 (comprehensive) and 2 (A) × 30 minutes ÷ 10 minutes on average.
    assert {s.capacity for s in appointments.slots(hall, category["A"], TUESDAY)} == {6}
    # B: windows 1 and 3; C: only the comprehensive window 1.
    assert appointments.slots(hall, category["C"], TUESDAY)[0].capacity == 3


def test_slower_recent_service_gives_fewer_places(hall, category, windows, monday):
    start = at(2025, 3, 3, 9, 0)
    for n in range(4):  # four services of 15 minutes each this morning
        Ticket.objects.create(
            hall=hall,
            category=category["A"],
            day=start.date(),
            seq=n + 1,
            number=f"A{n + 1:03d}",
            channel="kiosk",
            status="done",
            taken_at=start,
            started_at=start,
            finished_at=start + datetime.timedelta(minutes=15),
            window=windows[2],
            token_hash=f"h{n}",
        )
    assert appointments.slots(hall, category["A"], TUESDAY)[0].capacity == 4  # 2 × 30 ÷ 15


def test_no_slot_is_offered_in_the_past_or_within_the_cutoff(hall, category, monday):
    today = appointments.slots(hall, category["A"], datetime.date(2025, 3, 3))
    # 10:00 now, two hours' cut-off: the morning is gone; the afternoon remains.
    assert today[0].label == "14:00-14:30"
    assert appointments.slots(hall, category["A"], datetime.date(2025, 3, 2)) == []


def test_no_slot_beyond_the_horizon_or_on_a_day_the_category_is_not_served(hall, category, monday):
    assert appointments.slots(hall, category["A"], datetime.date(2025, 3, 10))  # 7 days ahead
    assert appointments.slots(hall, category["A"], datetime.date(2025, 3, 11)) == []
    category["A"].weekdays = [1, 3, 5]
    assert appointments.slots(hall, category["A"], TUESDAY) == []


def test_the_days_show_the_places_left(hall, category, item, citizen, monday):
    first = appointments.slots(hall, category["A"], TUESDAY)[0]
    book(category["A"], first.starts_at, by=citizen, item=item)
    days = {d.day: d for d in appointments.days(hall, category["A"])}
    assert days[TUESDAY].slots == 18 and days[TUESDAY].left == 18 * 6 - 1
    assert datetime.date(2025, 3, 8) in days  # Saturday 9-12, 14-16
    assert datetime.date(2025, 3, 11) not in days


SCHEDULES = st.dictionaries(
    st.integers(1, 7),
    st.lists(st.tuples(st.integers(0, 47), st.integers(1, 8)), max_size=3).map(
        lambda parts: [(s * 30, min(s * 30 + n * 30, 24 * 60)) for s, n in parts]
    ),
)


@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    week=SCHEDULES,
    day=st.dates(datetime.date(2025, 1, 1), datetime.date(2025, 12, 31)),
    minutes=st.sampled_from([15, 20, 30, 45, 60]),
)
def test_no_slot_outside_the_opening_hours_nor_on_a_holiday(db, week, day, minutes):
    ranges = {d: sorted(set(r)) for d, r in week.items()}
    merged = hours.Schedule({d: _merge(ranges.get(d, [])) for d in hours.WEEK})
    hall = Hall(
        name="测试",
        schedule=merged.as_json(),
        booking_horizon_days=400,
        booking_cutoff_hours=0,
        slot_minutes=minutes,
    )
    category = ServiceCategory(letter="A", name="综合")
    now = at(2025, 1, 1, 0, 0)
    found = appointments._times(hall, category, day, now)
    if calendar.listed(day) is False:
        assert found == []
    for starts_at, ends_at in found:
        assert ends_at - starts_at == datetime.timedelta(minutes=minutes)
        assert services.is_open(hall, starts_at)
        assert services.is_open(hall, ends_at - datetime.timedelta(minutes=1))
        assert services.local(starts_at).date() == day


def _merge(ranges):
    merged = []
    for start, end in sorted(ranges):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return tuple(merged)


# --- booking --------------------------------------------------------------------------------


def test_a_citizen_books_a_slot_and_gets_a_code(hall, category, item, citizen, monday):
    appointment = book(category["A"], TEN, by=citizen, item=item)
    assert appointment.status == AppointmentStatus.BOOKED
    assert (appointment.day, appointment.ends_at) == (TUESDAY, at(2025, 3, 4, 10, 30))
    assert len(appointment.code) == 8
    assert set(appointment.code) <= set(appointments.CODE_ALPHABET)
    assert appointment.citizen == citizen == appointment.booked_by
    assert appointment.id_number_index == citizen.id_number_index
    assert SlotBooking.objects.get(starts_at=TEN).booked == 1
    assert AuditEvent.objects.filter(action="hall.appointment_booked").count() == 1
    event = DomainEvent.objects.get(kind="hall.appointment_booked")
    assert event.payload["appointment"] == appointment.pk and "code" not in event.payload


def test_the_last_place_goes_to_one_person(hall, category, item, citizen, demo, monday):
    category["C"].items.add(item)
    people = [citizen, User.objects.get(username="citizen2")]
    people += [User.objects.create_user(f"c{n}", kind=User.Kind.CITIZEN) for n in range(2)]
    for person in people[:3]:  # C holds three a slot (only window 1 serves it)
        book(category["C"], TEN, by=person)
    with pytest.raises(ValidationError) as full:
        book(category["C"], TEN, by=people[3])
    assert full.value.code == "slot_full"
    assert "已约满" in full.value.messages[0]


def test_a_slot_that_is_not_offered_cannot_be_booked(hall, category, item, citizen, monday):
    for moment in [at(2025, 3, 4, 12, 30), at(2025, 3, 3, 11, 0), at(2025, 3, 4, 10, 10)]:
        with pytest.raises(ValidationError) as refused:
            book(category["A"], moment, by=citizen, item=item)
        assert refused.value.code == "slot_unavailable"
    assert not Appointment.objects.exists() and not SlotBooking.objects.exists()


def test_one_active_appointment_per_item(hall, category, item, citizen, monday):
    book(category["A"], TEN, by=citizen, item=item)
    with pytest.raises(ValidationError) as refused:
        book(category["A"], at(2025, 3, 5, 10, 0), by=citizen, item=item)
    assert refused.value.code == "appointment_exists"
    assert "2025年3月4日 10:00" in refused.value.messages[0]


def test_at_most_n_a_day(hall, category, item, citizen, monday):
    book(category["A"], TEN, by=citizen, item=item)
    book(category["B"], at(2025, 3, 4, 11, 0), by=citizen)
    with pytest.raises(ValidationError) as refused:
        book(category["C"], at(2025, 3, 4, 15, 0), by=citizen)
    assert refused.value.code == "too_many_appointments"
    assert book(category["C"], at(2025, 3, 5, 15, 0), by=citizen)  # another day is fine


def test_an_item_the_category_does_not_serve_is_refused(hall, category, item, citizen, monday):
    with pytest.raises(ValidationError) as refused:
        book(category["B"], TEN, by=citizen, item=item)
    assert refused.value.code == "item_not_bookable_here"


def _no_shows(hall, category, citizen, ends):
    for end in ends:
        Appointment.objects.create(
            hall=hall,
            category=category,
            day=end.date(),
            starts_at=end - datetime.timedelta(minutes=30),
            ends_at=end,
            citizen=citizen,
            booked_by=citizen,
            code=f"N{end:%m%d%H}",
            status=AppointmentStatus.NO_SHOW,
            booked_at=end - datetime.timedelta(days=2),
        )


def test_three_no_shows_in_30_days_suspend_booking_and_say_until_when(
    hall, category, item, citizen, monday
):
    _no_shows(hall, category["B"], citizen, [at(2025, 2, 10, 10), at(2025, 2, 20, 10)])
    assert book(category["A"], TEN, by=citizen, item=item)  # two: still allowed
    _no_shows(hall, category["B"], citizen, [at(2025, 3, 1, 10)])
    with pytest.raises(ValidationError) as refused:
        book(category["B"], at(2025, 3, 5, 10, 0), by=citizen)
    assert refused.value.code == "booking_suspended"
    # The third no-show (1 March) + 30 days.
    assert "2025年3月31日前不能在本大厅预约" in refused.value.messages[0]


@given(
    gaps=st.lists(st.integers(0, 40), min_size=0, max_size=8),
    limit=st.integers(1, 4),
)
def test_the_ban_follows_the_rule(gaps, limit):
    start = at(2025, 1, 1, 10)
    ends, moment = [], start
    for gap in gaps:
        moment += datetime.timedelta(days=gap)
        ends.append(moment)
    until = appointments.ban_until(ends, limit=limit, window_days=30, ban_days=30)
    runs = [
        ends[i]
        for i in range(limit - 1, len(ends))
        if ends[i] - ends[i - limit + 1] <= datetime.timedelta(days=30)
    ]
    if not runs:
        assert until is None
    else:
        assert until == max(runs) + datetime.timedelta(days=30)
        assert len(ends) >= limit


def test_a_booking_from_a_case_is_linked_to_it(hall, category, item, citizen, monday):
    version = item.versions.get(status="published")
    case = cases.start_case(version.pk, by=citizen)
    appointment = book(category["A"], TEN, by=citizen, case=case)
    assert appointment.case == case and appointment.item == item


def test_nobody_books_for_another_citizen_s_case(hall, category, item, citizen, demo, monday):
    version = item.versions.get(status="published")
    case = cases.start_case(version.pk, by=User.objects.get(username="citizen2"))
    with pytest.raises((PermissionDenied, Exception)) as refused:
        book(category["A"], TEN, by=citizen, case=case)
    assert not isinstance(refused.value, ValidationError)
    assert not Appointment.objects.exists()


def test_window_staff_book_for_a_walk_in_who_gets_the_code_by_sms(
    hall, category, item, staff, monday
):
    number = id_number(datetime.date(1950, 2, 1), 7)
    appointment = book(
        category["A"], TEN, by=staff["window-1"], item=item, id_number=number, phone="13900000007"
    )
    assert appointment.citizen is None and appointment.is_walk_in
    assert appointment.phone == "13900000007"
    assert number not in str(Appointment.objects.filter(pk=appointment.pk).values().get())
    sms = Message.objects.get(channel="sms", address="13900000007")
    assert appointment.code_display in sms.body and "3月4日（周二）10:00-10:30" in sms.body


def test_a_walk_in_with_an_account_sees_it_in_their_appointments(
    hall, category, item, citizen, user_named, monday
):
    clerk = user_named("clerk")  # 综合窗口受理员 of the centre
    appointment = book(category["A"], TEN, by=clerk, item=item, id_number="110101198503152019")
    assert appointment.citizen == citizen and appointment.booked_by == clerk
    assert appointment.phone == citizen.phone


def test_staff_of_another_hall_cannot_book_here(hall, category, item, staff, monday):
    with pytest.raises(Exception) as refused:
        book(
            category["A"],
            TEN,
            by=staff["street-window"],
            id_number=id_number(datetime.date(1980, 1, 1)),
            phone="13900000008",
        )
    assert not isinstance(refused.value, ValidationError)


# --- cancelling and moving ------------------------------------------------------------------


def test_cancelling_gives_the_place_back(hall, category, item, citizen, monday):
    appointment = book(category["A"], TEN, by=citizen, item=item)
    appointments.cancel(appointment, by=citizen)
    assert Appointment.objects.get(pk=appointment.pk).status == AppointmentStatus.CANCELLED
    assert SlotBooking.objects.get(starts_at=TEN).booked == 0
    assert book(category["A"], TEN, by=citizen, item=item)  # and it may be booked again


def test_no_cancelling_after_the_cutoff(hall, category, item, citizen, monday):
    appointment = book(category["A"], TEN, by=citizen, item=item)
    monday.move_to(at(2025, 3, 4, 8, 30))
    with pytest.raises(ValidationError) as refused:
        appointments.cancel(appointment, by=citizen)
    assert refused.value.code == "past_cutoff"
    assert "不足2小时" in refused.value.messages[0]


def test_another_citizen_cannot_cancel(hall, category, item, citizen, user_named, monday):
    appointment = book(category["A"], TEN, by=citizen, item=item)
    from django.http import Http404

    with pytest.raises(Http404):
        appointments.cancel(appointment, by=user_named("citizen2"))


def test_rescheduling_keeps_the_code_and_moves_the_place(hall, category, item, citizen, monday):
    appointment = book(category["A"], TEN, by=citizen, item=item)
    moved = appointments.reschedule(appointment, at(2025, 3, 5, 15, 0), by=citizen)
    assert moved.code == appointment.code and moved.day == datetime.date(2025, 3, 5)
    assert moved.rescheduled_count == 1
    counts = dict(SlotBooking.objects.values_list("starts_at", "booked"))
    assert counts == {TEN: 0, at(2025, 3, 5, 15, 0): 1}


def test_a_full_slot_leaves_the_appointment_where_it_was(hall, category, item, citizen, monday):
    appointment = book(category["A"], TEN, by=citizen, item=item)
    target = at(2025, 3, 5, 15, 0)
    SlotBooking.objects.create(
        hall=hall, category=category["A"], day=target.date(), starts_at=target, booked=6
    )
    with pytest.raises(ValidationError) as refused:
        appointments.reschedule(appointment, target, by=citizen)
    assert refused.value.code == "slot_full"
    assert Appointment.objects.get(pk=appointment.pk).starts_at == TEN


# --- checking in ----------------------------------------------------------------------------


def test_checking_in_on_time_gives_a_ticket_in_the_appointment_lane(
    hall, category, item, citizen, monday
):
    appointment = book(category["A"], TEN, by=citizen, item=item)
    monday.move_to(at(2025, 3, 4, 9, 40))
    ticket = appointments.check_in(hall, code=appointment.code.lower())
    assert ticket.lane == Lane.APPOINTMENT and not ticket.late
    assert ticket.number == "A001" and ticket.appointment_code == appointment.code
    assert ticket.citizen == citizen
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.CHECKED_IN and appointment.ticket == ticket


def test_a_late_arrival_queues_in_the_normal_lane_and_is_told_why(
    hall, category, item, citizen, monday
):
    book(category["A"], TEN, by=citizen, item=item)
    monday.move_to(at(2025, 3, 4, 10, 20))
    ticket = appointments.check_in(hall, citizen=citizen)
    assert ticket.lane == Lane.NORMAL and ticket.late
    assert "按普通号排队" in ticket.explanation


@pytest.mark.parametrize(
    ("moment", "code"),
    [
        (at(2025, 3, 3, 15, 0), "check_in_wrong_day"),
        (at(2025, 3, 4, 9, 29), "check_in_too_early"),
        (at(2025, 3, 4, 10, 30), "check_in_too_late"),
    ],
)
def test_checking_in_at_the_wrong_time_says_when(
    hall, category, item, citizen, monday, moment, code
):
    appointment = book(category["A"], TEN, by=citizen, item=item)
    monday.move_to(moment)
    with pytest.raises(ValidationError) as refused:
        appointments.check_in(hall, code=appointment.code)
    assert refused.value.code == code
    assert not Ticket.objects.exists()


def test_a_wrong_code_is_not_found(hall, category, monday):
    with pytest.raises(ValidationError) as refused:
        appointments.check_in(hall, code="ZZZZ9999")
    assert refused.value.code == "appointment_not_found"


def test_a_walk_in_checks_in_with_the_id_number(hall, category, item, staff, monday):
    number = id_number(datetime.date(1990, 2, 1), 9)
    book(category["A"], TEN, by=staff["window-1"], id_number=number, phone="13900000009")
    monday.move_to(at(2025, 3, 4, 9, 50))
    # Not from anyone: the number alone would tell whether its holder booked, and when.
    with pytest.raises(PermissionDenied):
        appointments.check_in(hall, id_number=number)
    ticket = appointments.check_in(hall, id_number=number, by=staff["window-1"])
    assert ticket.lane == Lane.APPOINTMENT and ticket.id_number_index


# --- the jobs -------------------------------------------------------------------------------


def test_an_appointment_not_checked_in_becomes_a_no_show_and_the_citizen_is_told(
    hall, category, item, citizen, monday
):
    appointment = book(category["A"], TEN, by=citizen, item=item)
    assert appointments.mark_no_shows(at(2025, 3, 4, 10, 29)) == 0
    assert appointments.mark_no_shows(at(2025, 3, 4, 10, 30)) == 1
    assert Appointment.objects.get(pk=appointment.pk).status == AppointmentStatus.NO_SHOW
    told = Message.objects.get(recipient=citizen, subject="预约未签到，已记爽约一次")
    assert "30天内爽约3次，将暂停预约30天" in told.body
    assert appointments.mark_no_shows(at(2025, 3, 4, 11, 0)) == 0  # safe to run twice


def test_reminders_go_out_the_day_before_once(hall, category, item, citizen, monday):
    book(category["A"], TEN, by=citizen, item=item)
    book(category["B"], at(2025, 3, 5, 10, 0), by=citizen)
    assert appointments.send_reminders(at(2025, 3, 3, 8, 0)) == 0  # not before 9:00
    assert appointments.send_reminders(at(2025, 3, 3, 18, 0)) == 1  # Tuesday's only
    site = Message.objects.get(channel="site", subject="明天的预约提醒")
    sms = Message.objects.get(channel="sms", address=citizen.phone, body__contains="提醒")
    assert site.recipient == citizen and "3月4日（周二）10:00-10:30" in sms.body
    assert appointments.send_reminders(at(2025, 3, 3, 18, 10)) == 0


# --- statements -----------------------------------------------------------------------------


def test_booking_costs_a_fixed_number_of_statements(hall, category, item, citizen, monday):
    category = ServiceCategory.objects.select_related("hall").get(pk=category["A"].pk)
    appointments.slots(hall, category, TUESDAY)  # the page the citizen chose from
    fresh(citizen)
    # serving windows, mean service time, item in category, person's appointments, slot
    # row insert, place update, appointment insert, audit, event
    with exactly(11, "appointments.book"):
        book(category, TEN, by=citizen, item=item)


def test_cancelling_rescheduling_and_checking_in_cost_fixed_statements(
    hall, category, item, citizen, monday
):
    first = book(category["A"], TEN, by=citizen, item=item)
    second = book(category["B"], at(2025, 3, 4, 15, 0), by=citizen)
    fresh(citizen)
    # lock, grants, update, give back, audit, event
    with exactly(7, "appointments.cancel"):
        appointments.cancel(second, by=citizen)
    fresh(citizen)
    # lock, grants, windows, mean, person's appointments, insert+update place, give back,
    # update, audit, event
    with exactly(12, "appointments.reschedule"):
        appointments.reschedule(first, at(2025, 3, 4, 11, 0), by=citizen)
    monday.move_to(at(2025, 3, 4, 10, 45))
    services.is_open(hall)  # the calendar, as the kiosk's page has read it
    with exactly(14, "appointments.check_in"):
        appointments.check_in(hall, code=first.code)


@pytest.mark.parametrize("n", [1, 3])
def test_the_jobs_cost_the_same_for_one_or_three(hall, category, item, citizen, demo, monday, n):
    people = [citizen, *(User.objects.create_user(f"p{i}", kind="citizen") for i in range(2))]
    for person in people[:n]:
        book(category["B"], TEN, by=person, phone="13900000001")
    # select (locked), stamp, the in-site messages, the text messages
    with exactly(6, "appointments.send_reminders"):
        assert appointments.send_reminders(at(2025, 3, 3, 18, 0)) == n
    # select (locked), update, audit events, domain events, the in-site messages
    with exactly(7, "appointments.mark_no_shows"):
        assert appointments.mark_no_shows(at(2025, 3, 4, 11, 0)) == n
