"""The hall's services (yiwang.halls.services): halls from the org tree and their hours,
taking a number, calling and serving it, windows, the day's close — what staff and citizens
see, and what each state change costs in statements."""

import datetime

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from tests.halls.conftest import CENTRE, OPEN_MONDAY, SHANGHAI, id_number
from tests.statements import exactly, fresh
from yiwang.audit.models import AuditEvent
from yiwang.core.machines import TransitionError
from yiwang.core.models import DomainEvent
from yiwang.halls import services
from yiwang.halls.models import Hall, Lane, Ticket, TicketChannel, TicketStatus, WindowStatus
from yiwang.identity.models import OrgKind, OrgUnit
from yiwang.notify.models import Message

KIOSK = TicketChannel.KIOSK
SEVENTY_ONE = id_number(datetime.date(1954, 1, 1))
THIRTY = id_number(datetime.date(1995, 6, 1))


def at(*args):
    return datetime.datetime(*args, tzinfo=SHANGHAI)


def take(hall, category, **kwargs):
    kwargs.setdefault("channel", KIOSK)
    return services.take_ticket(hall, category, **kwargs)


# --- halls and hours ------------------------------------------------------------------------


def test_every_service_centre_and_station_is_a_hall_with_its_hours(hall):
    centres = OrgUnit.objects.filter(kind=OrgKind.SERVICE_CENTRE)
    assert set(Hall.objects.values_list("org__code", flat=True)) == set(
        centres.values_list("code", flat=True)
    )
    street = Hall.objects.get(org__code="990101001-BMZX")
    assert street.name == "和平街道便民服务中心"
    assert services.schedule_of(street).describe() == "周一至周五 09:00-17:30；周六 09:00-12:00"
    assert services.sync_halls() == {"created": 0, "updated": 0}  # safe to run twice


def test_a_changed_org_text_is_read_again(hall):
    OrgUnit.objects.filter(code=CENTRE).update(hours="周一至周五 8:30-17:00")
    assert services.sync_halls() == {"created": 0, "updated": 1}
    hall.refresh_from_db()
    assert services.schedule_of(hall).describe() == "周一至周五 08:30-17:00"


@pytest.mark.parametrize(
    ("moment", "open_"),
    [
        (at(2025, 3, 3, 10, 0), True),  # Monday morning
        (at(2025, 3, 3, 12, 30), False),  # lunch break
        (at(2025, 3, 3, 19, 59), True),  # evening session
        (at(2025, 3, 3, 20, 0), False),
        (at(2025, 3, 9, 10, 0), True),  # Sunday: 9:00-12:00
        (at(2025, 3, 9, 15, 0), False),
        (at(2025, 10, 1, 10, 0), False),  # National Day, a Wednesday
        (at(2025, 10, 4, 10, 0), False),  # a Saturday inside the holiday
        (at(2025, 9, 28, 15, 0), True),  # a Sunday made a working day (调休): weekday hours
        (at(2025, 10, 11, 19, 0), True),  # a Saturday made a working day
    ],
)
def test_the_hall_is_open_by_its_hours_and_the_working_day_calendar(hall, moment, open_):
    assert services.is_open(hall, moment) is open_


# --- taking a number ------------------------------------------------------------------------


def test_numbers_run_per_category_and_day(hall, category, open_monday):
    a1, a2, b1 = (take(hall, category[c]) for c in "AAB")
    assert [a1.number, a2.number, b1.number] == ["A001", "A002", "B001"]
    assert a1.day == datetime.date(2025, 3, 3)
    open_monday.move_to(OPEN_MONDAY + datetime.timedelta(days=1))
    assert take(hall, category["A"]).number == "A001"


def test_a_ticket_carries_a_token_for_its_page_kept_only_as_a_hash(hall, category, open_monday):
    ticket = take(hall, category["A"])
    assert len(ticket.token) >= 20
    stored = Ticket.objects.get(pk=ticket.pk)
    assert stored.token_hash != ticket.token
    assert services.ticket_by_token(ticket.token) == stored
    with pytest.raises(Http404):
        services.ticket_by_token("guess")


def test_seventy_or_older_by_the_id_number_goes_in_the_elderly_lane(hall, category, open_monday):
    ticket = take(hall, category["A"], id_number=SEVENTY_ONE)
    assert ticket.lane == Lane.ELDERLY
    assert ticket.lane_reason == "70岁以上老人（身份证号码显示年满70周岁）"
    assert take(hall, category["A"], id_number=THIRTY).lane == Lane.NORMAL


def test_no_id_number_is_kept_in_clear_nor_the_phone(hall, category, open_monday):
    ticket = take(hall, category["A"], id_number=THIRTY, phone="138 0000 0009")
    row = Ticket.objects.filter(pk=ticket.pk).values().get()
    assert THIRTY not in str(row) and "13800000009" not in str(row)
    assert Ticket.objects.get(pk=ticket.pk).phone == "13800000009"
    assert ticket.phone_masked == "138****0009"


def test_a_wrong_id_number_is_a_clear_error(hall, category, open_monday):
    with pytest.raises(ValidationError) as refused:
        wrong = "1" if SEVENTY_ONE[-1] != "1" else "2"
        take(hall, category["A"], id_number=SEVENTY_ONE[:-1] + wrong)
    assert refused.value.code == "id_number_checksum"
    assert not Ticket.objects.exists()


def test_the_same_person_does_not_wait_twice_in_a_category(hall, category, open_monday):
    take(hall, category["A"], id_number=THIRTY)
    with pytest.raises(ValidationError) as refused:
        take(hall, category["A"], id_number=THIRTY)
    assert refused.value.code == "ticket_already_waiting"
    assert take(hall, category["B"], id_number=THIRTY).number == "B001"


def test_no_number_while_the_hall_is_closed(hall, category):
    with time_machine.travel(at(2025, 3, 3, 12, 30)), pytest.raises(ValidationError) as refused:
        take(hall, category["A"])
    assert refused.value.code == "hall_closed"
    assert "周一至周五 09:00-12:00 14:00-20:00" in refused.value.message


def test_no_number_for_a_category_not_served_today(hall, category, open_monday):
    category["C"].weekdays = [2, 4]  # 不动产 on Tuesdays and Thursdays
    category["C"].save()
    with pytest.raises(ValidationError) as refused:
        take(hall, category["C"])
    assert refused.value.code == "category_not_served_today"


def test_staff_confirm_a_priority_lane_and_nobody_else_can(hall, category, staff, open_monday):
    with pytest.raises(PermissionDenied):
        take(hall, category["A"], lane_claims=[Lane.PREGNANT])
    with pytest.raises(PermissionDenied):
        take(hall, category["A"], by=staff["street-window"], lane_claims=[Lane.PREGNANT])
    ticket = take(hall, category["A"], by=staff["window-1"], lane_claims=[Lane.PREGNANT])
    assert (ticket.lane, ticket.lane_reason) == (Lane.PREGNANT, "工作人员核实：孕妇")
    with pytest.raises(ValidationError) as refused:
        take(hall, category["A"], by=staff["window-1"], lane_claims=[Lane.ELDERLY])
    assert refused.value.code == "lane_not_claimable"


def test_the_first_lane_in_the_halls_order_wins(hall, category, staff, open_monday):
    ticket = take(
        hall,
        category["A"],
        by=staff["window-1"],
        id_number=SEVENTY_ONE,
        lane_claims=[Lane.SERVICEMAN],
    )
    assert ticket.lane == Lane.ELDERLY
    hall.lane_order = [Lane.SERVICEMAN, Lane.ELDERLY]
    ticket = take(
        hall,
        category["B"],
        by=staff["window-1"],
        id_number=SEVENTY_ONE,
        lane_claims=[Lane.SERVICEMAN],
    )
    assert ticket.lane == Lane.SERVICEMAN


def test_taking_a_number_costs_a_fixed_number_of_statements(hall, category, open_monday):
    take(hall, category["A"])  # the day's counter row exists
    # Savepoint; the person's waiting ticket in the category; the tickets ahead; with one
    # ahead, the open windows of the category and their recent service times; the counter
    # upsert; the ticket; the audit event; the domain event; release.
    with exactly(10, "take_ticket (with an ID number)"):
        take(hall, category["A"], id_number=THIRTY)


# --- calling --------------------------------------------------------------------------------


def test_call_next_takes_lanes_in_order_and_first_come_first_served_within_one(
    hall, category, staffed, staff, open_monday
):
    normal = take(hall, category["A"])
    later_normal = take(hall, category["A"])
    elderly = take(hall, category["A"], id_number=SEVENTY_ONE)
    appointment = take(
        hall, category["A"], by=staff["window-1"], channel="appointment", appointment_code="Y1"
    )
    called = []
    for _ in range(4):
        ticket = services.call_next(staffed[2], by=staff["window-2"])
        called.append(ticket.number)
        services.mark_no_show(ticket, by=staff["window-2"])
    assert called == [t.number for t in (appointment, elderly, normal, later_normal)]
    assert services.call_next(staffed[2], by=staff["window-2"]) is None


def test_after_three_priority_calls_the_longest_waiting_normal_number_goes(
    hall, category, staffed, staff, open_monday
):
    normal = take(hall, category["A"])
    priority = [
        take(hall, category["A"], by=staff["window-1"], lane_claims=[Lane.PREGNANT])
        for _ in range(4)
    ]
    order = []
    for _ in range(5):
        ticket = services.call_next(staffed[2], by=staff["window-2"])
        order.append(ticket.pk)
        services.mark_no_show(ticket, by=staff["window-2"])
    assert order == [*(t.pk for t in priority[:3]), normal.pk, priority[3].pk]


def test_a_window_calls_only_its_categories(hall, category, staffed, staff, open_monday):
    take(hall, category["B"])
    assert services.call_next(staffed[2], by=staff["window-2"]) is None  # window 2: A only
    assert services.call_next(staffed[1], by=staff["window-1"]).number == "B001"  # 综合窗口


def test_call_next_records_the_call_and_tells_the_board(
    hall, category, staffed, staff, published, django_capture_on_commit_callbacks
):
    ticket = take(hall, category["A"])
    with django_capture_on_commit_callbacks(execute=True):
        called = services.call_next(staffed[2], by=staff["window-2"])
    assert called.pk == ticket.pk
    stored = Ticket.objects.get(pk=ticket.pk)
    assert (stored.status, stored.window_id, stored.call_count) == ("called", staffed[2].pk, 1)
    assert stored.called_at == stored.first_called_at
    event = DomainEvent.objects.filter(kind="hall.ticket_called").get()
    assert event.payload == {
        "event": "ticket_called",
        "hall": hall.pk,
        "ticket": ticket.pk,
        "number": "A001",
        "category": category["A"].pk,
        "letter": "A",
        "status": "called",
        "window": 2,
    }
    assert AuditEvent.objects.filter(action="hall.ticket_called", object_id=str(ticket.pk)).exists()
    # The board and the ticket's own page hear it once committed, without the ticket's id.
    board = {
        "event": "ticket_called",
        "number": "A001",
        "category": category["A"].pk,
        "letter": "A",
        "status": "called",
        "window": 2,
    }
    assert published == [(f"hall:{hall.pk}", board), (ticket.live_channel, board)]


def test_a_busy_closed_or_someone_elses_window_does_not_call(
    hall, category, windows, staffed, staff, open_monday
):
    take(hall, category["A"])
    take(hall, category["A"])
    with pytest.raises(ValidationError) as refused:
        services.call_next(staffed[2], by=staff["window-3"])
    assert refused.value.code == "not_your_window"
    with pytest.raises(Http404):  # 和平街道's staff cannot even see the district hall
        services.call_next(staffed[2], by=staff["street-window"])
    services.call_next(staffed[2], by=staff["window-2"])
    with pytest.raises(ValidationError) as refused:
        services.call_next(staffed[2], by=staff["window-2"])
    assert refused.value.code == "window_busy"
    services.pause_window(staffed[3], by=staff["window-3"])
    with pytest.raises(ValidationError) as refused:
        services.call_next(staffed[3], by=staff["window-3"])
    assert refused.value.code == "window_not_open"


def test_calling_costs_a_fixed_number_of_statements(hall, category, staffed, staff):
    for _ in range(3):
        take(hall, category["A"])
    fresh(staff["window-2"])
    # Savepoint; the window locked with its hall; the staff's grants; the window's
    # categories; the first waiting ticket locked (SKIP LOCKED); the ticket and the window
    # updated; the audit and domain events; the first waiting tickets, for the text message
    # to those three ahead; release.
    with exactly(11, "call_next"):
        services.call_next(staffed[2], by=staff["window-2"])


# --- at the window --------------------------------------------------------------------------


@pytest.fixture
def called(hall, category, staffed, staff):
    take(hall, category["A"])
    return services.call_next(staffed[2], by=staff["window-2"])


def test_a_ticket_is_recalled_served_and_finished_every_step_timestamped(called, staff):
    clerk = staff["window-2"]
    services.recall(called, by=clerk)
    services.start_service(called, by=clerk)
    services.finish_service(called, by=clerk)
    ticket = Ticket.objects.get(pk=called.pk)
    assert (ticket.status, ticket.call_count, ticket.served_by) == ("done", 2, clerk)
    assert ticket.taken_at <= ticket.first_called_at < ticket.called_at
    assert ticket.called_at <= ticket.started_at <= ticket.finished_at
    assert ticket.window.current_ticket is None  # free for the next number


def test_a_no_show_frees_the_window(called, staff, staffed):
    services.mark_no_show(called, by=staff["window-2"])
    ticket = Ticket.objects.get(pk=called.pk)
    assert ticket.status == TicketStatus.NO_SHOW and ticket.closed_at
    with pytest.raises(TransitionError):
        services.start_service(ticket, by=staff["window-2"])
    assert services.call_next(staffed[2], by=staff["window-2"]) is None


def test_a_transferred_ticket_waits_for_its_new_category_ahead_of_later_ones(
    hall, category, called, staff, staffed
):
    later = take(hall, category["B"])
    services.transfer(called, by=staff["window-2"], category=category["B"])
    assert Ticket.objects.get(pk=called.pk).status == TicketStatus.WAITING
    again = services.call_next(staffed[3], by=staff["window-3"])
    assert again.pk == called.pk and again.call_count == 2
    services.mark_no_show(again, by=staff["window-3"])
    assert services.call_next(staffed[3], by=staff["window-3"]).pk == later.pk


def test_a_ticket_transferred_to_a_window_is_called_only_there(
    hall, category, called, staff, staffed
):
    services.transfer(called, by=staff["window-2"], window=staffed[3])  # window 3 serves B
    assert services.call_next(staffed[1], by=staff["window-1"]) is None
    assert services.call_next(staffed[3], by=staff["window-3"]).pk == called.pk
    with pytest.raises(ValidationError) as refused:
        services.transfer(called, by=staff["window-3"])
    assert refused.value.code == "transfer_target"


def test_window_steps_cost_a_fixed_number_of_statements(called, staff, category):
    clerk = fresh(staff["window-2"])
    # Savepoint; the ticket locked with its hall, window and category; the grants; the
    # update; the audit and domain events; release.
    with exactly(7, "recall"):
        services.recall(called, by=clerk)
    fresh(clerk)
    with exactly(7, "start_service"):
        services.start_service(called, by=clerk)
    fresh(clerk)
    # As recall, and the window freed.
    with exactly(8, "finish_service"):
        services.finish_service(called, by=clerk)


def test_no_show_and_transfer_cost_a_fixed_number_of_statements(hall, category, staffed, staff):
    clerk = staff["window-2"]
    for _ in range(2):
        take(hall, category["A"])
    ticket = services.call_next(staffed[2], by=clerk)
    fresh(clerk)
    with exactly(8, "mark_no_show"):  # as finish_service
        services.mark_no_show(ticket, by=clerk)
    ticket = services.call_next(staffed[2], by=clerk)
    fresh(clerk)
    with exactly(8, "transfer"):  # as finish_service
        services.transfer(ticket, by=clerk, category=category["B"])


# --- windows --------------------------------------------------------------------------------


def test_staff_open_pause_and_close_their_window(windows, staff, open_monday):
    clerk = staff["window-2"]
    window = services.open_window(windows[2], clerk)
    assert (window.status, window.staff) == (WindowStatus.OPEN, clerk)
    services.pause_window(window, by=clerk)
    services.open_window(window, clerk)
    services.close_window(window, by=clerk)
    window.refresh_from_db()
    assert (window.status, window.staff) == (WindowStatus.CLOSED, None)
    with pytest.raises(TransitionError) as refused:
        services.pause_window(window, by=clerk)
    assert refused.value.code == "invalid_window_transition"


def test_nobody_staffs_two_windows_and_outsiders_open_none(windows, staff, open_monday):
    services.open_window(windows[2], staff["window-2"])
    with pytest.raises(ValidationError) as refused:
        services.open_window(windows[3], staff["window-2"])
    assert refused.value.code == "staff_at_other_window"
    with pytest.raises(Http404):
        services.open_window(windows[3], staff["street-window"])


def test_a_window_with_a_ticket_at_it_does_not_close(called, staff, staffed):
    with pytest.raises(ValidationError) as refused:
        services.close_window(staffed[2], by=staff["window-2"])
    assert refused.value.code == "window_busy"


def test_window_steps_are_pinned(windows, staff, open_monday):
    clerk = fresh(staff["window-2"])
    # Savepoint; the window locked; the grants; is the staff at another window; the update;
    # the audit and domain events; release.
    with exactly(8, "open_window"):
        services.open_window(windows[2], clerk)
    fresh(clerk)
    # Savepoint; the window locked; the grants; the update; audit; domain event; release.
    with exactly(7, "pause_window"):
        services.pause_window(windows[2], by=clerk)


# --- estimates ------------------------------------------------------------------------------


def test_the_estimate_uses_the_default_minutes_until_there_is_history(
    hall, category, staffed, staff, open_monday
):
    first = take(hall, category["B"])
    assert first.estimate_seconds == 0  # nobody ahead
    for _ in range(3):
        take(hall, category["B"])
    fourth = Ticket.objects.order_by("-pk").first()
    # Three ahead, 10 minutes each, two open windows serve B (1 comprehensive, 3).
    assert fourth.estimate_seconds == 3 * 600 // 2
    clerk = staff["window-3"]
    for minutes in (4, 6):
        ticket = services.call_next(staffed[3], by=clerk)
        services.start_service(ticket, by=clerk)
        open_monday.shift(datetime.timedelta(minutes=minutes))
        services.finish_service(ticket, by=clerk)
    fourth = Ticket.objects.get(pk=fourth.pk)
    assert services.ahead_of(fourth) == 1
    assert services.estimate_wait(fourth) == pytest.approx(5 * 60 / 2, abs=2)


def test_three_ahead_get_one_text_message(hall, category, staffed, staff, open_monday):
    tickets = [take(hall, category["A"], phone=f"1390000000{i}") for i in range(6)]
    clerk = staff["window-2"]
    services.call_next(staffed[2], by=clerk)
    texts = Message.objects.filter(channel="sms", address__startswith="139")
    texted = set(texts.values_list("address", flat=True))
    # A001 is called; A002–A005 have three or fewer ahead; A006 has four.
    assert texted == {"13900000001", "13900000002", "13900000003", "13900000004"}
    assert "A002" in Message.objects.get(address="13900000001").body
    services.mark_no_show(tickets[0], by=clerk)
    services.call_next(staffed[2], by=clerk)
    assert texts.count() == 5  # A006 now; nobody twice


# --- the day's close ------------------------------------------------------------------------


def test_at_closing_waiting_tickets_close_with_a_reason_and_phones_are_erased(
    hall, category, called, staff, open_monday
):
    waiting = take(hall, category["B"], phone="13900000001")
    services.finish_service(
        services.start_service(called, by=staff["window-2"]), by=staff["window-2"]
    )
    assert services.close_day(hall, at(2025, 3, 3, 13, 0)) == {
        "tickets": 0,
        "windows": 0,
        "phones_erased": 0,
    }  # lunch break: the afternoon still serves them
    result = services.close_day(hall, at(2025, 3, 3, 20, 5))
    assert result == {"tickets": 1, "windows": 3, "phones_erased": 1}
    waiting.refresh_from_db()
    assert waiting.status == TicketStatus.CLOSED and waiting.phone == ""
    assert "大厅已下班" in waiting.close_reason
    assert services.close_day(hall, at(2025, 3, 3, 20, 15)) == {
        "tickets": 0,
        "windows": 0,
        "phones_erased": 0,
    }


def test_a_citizen_cancels_their_number_with_its_token(hall, category, open_monday):
    ticket = take(hall, category["A"])
    with pytest.raises(Http404):
        services.cancel_ticket(ticket, token="not-it")
    services.cancel_ticket(ticket, token=ticket.token)
    assert Ticket.objects.get(pk=ticket.pk).status == TicketStatus.CANCELLED


def test_cancelling_and_closing_a_window_are_pinned(hall, category, windows, staff, open_monday):
    ticket = take(hall, category["A"])
    # Savepoint; the ticket locked; the update; audit; domain event; release.
    with exactly(6, "cancel_ticket"):
        services.cancel_ticket(ticket, token=ticket.token)
    clerk = staff["window-2"]
    services.open_window(windows[2], clerk)
    fresh(clerk)
    # Savepoint; the window locked; the grants; the update; audit; domain event; release.
    with exactly(7, "close_window"):
        services.close_window(windows[2], by=clerk)


@pytest.mark.parametrize("waiting", [1, 3])
def test_closing_the_day_costs_the_same_whatever_is_left_waiting(
    hall, category, windows, staff, open_monday, waiting
):
    services.open_window(windows[2], staff["window-2"])
    for n in range(waiting):
        take(hall, category["B"], phone=f"1390000000{n}")
    # Savepoint; the waiting tickets closed, the phones erased and the free windows closed,
    # one UPDATE each; audit; domain event; release.
    with exactly(7, "close_day"):
        result = services.close_day(hall, at(2025, 3, 3, 20, 5))
    assert result["tickets"] == waiting and result["windows"] == 1


# --- live channels --------------------------------------------------------------------------


def test_the_ticket_pages_channel_is_public_and_gives_away_neither_token_nor_hash(
    hall, category, open_monday
):
    from yiwang.core import live

    ticket = take(hall, category["A"])
    channel = ticket.live_channel
    assert live.is_public(channel)
    assert channel == Ticket.channel_for_hash(Ticket.hash_token(ticket.token))
    assert ticket.token not in channel and ticket.token_hash not in channel


def test_a_rolled_back_call_is_not_announced(
    hall, category, staffed, staff, published, django_capture_on_commit_callbacks
):
    from django.db import transaction

    take(hall, category["A"])
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError):
        with transaction.atomic():
            services.call_next(staffed[2], by=staff["window-2"])
            raise RuntimeError("the window's computer crashed")
    assert published == []


def test_every_step_of_a_ticket_reaches_its_page_and_nothing_personal_is_sent(
    hall, category, staffed, staff, published, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        ticket = take(hall, category["A"], id_number=SEVENTY_ONE, phone="13800138000")
    with django_capture_on_commit_callbacks(execute=True):
        services.call_next(staffed[2], by=staff["window-2"])
    clerk = staff["window-2"]
    for step in (services.recall, services.start_service, services.finish_service):
        with django_capture_on_commit_callbacks(execute=True):
            step(ticket, by=clerk)
    with django_capture_on_commit_callbacks(execute=True):
        services.pause_window(staffed[3], by=staff["window-3"])
    mine = [p["event"] for c, p in published if c == ticket.live_channel]
    assert mine == [
        "ticket_taken",
        "ticket_called",
        "ticket_recalled",
        "service_started",
        "service_finished",
    ]
    board = [p["event"] for c, p in published if c == f"hall:{hall.pk}"]
    assert board == [*mine, "window_paused"]
    sent = repr(published)
    for secret in (SEVENTY_ONE, "13800138000", "138", ticket.token, ticket.token_hash, "elderly"):
        assert secret not in sent
    assert {key for _c, p in published for key in p} <= set(services.LIVE_FIELDS)
