"""The demo district's halls at work (yiwang.demo.halls): loaded once for the module, each
test looks at one thing a visitor of the demo would notice; rolled back afterwards."""

import datetime
import time

import pytest
from django.db import transaction

from yiwang.demo.halls import CENTRE, HEPING, HISTORY_DAYS, load_appointments, load_halls
from yiwang.demo.loader import load_demo
from yiwang.feedback.models import Evaluation, Rectification
from yiwang.halls import appointments, figures
from yiwang.halls.models import Appointment, Hall, Lane, Ticket, TicketCounter, WindowStatus
from yiwang.halls.models import AppointmentStatus as A
from yiwang.halls.models import TicketStatus as T
from yiwang.identity.roles import Role

SHANGHAI = datetime.timezone(datetime.timedelta(hours=8))


@pytest.fixture(scope="module", params=["open", "closed"])
def loaded(request, django_db_setup, django_db_blocker):
    """The demo loaded at 10:30 on a working Wednesday (the halls open) and at 22:00 (closed)."""
    moment = (
        datetime.datetime(2025, 3, 5, 10, 30, tzinfo=SHANGHAI)
        if request.param == "open"
        else datetime.datetime(2025, 3, 5, 22, 0, tzinfo=SHANGHAI)
    )
    import time_machine

    with django_db_blocker.unblock(), transaction.atomic():
        load_demo()
        with time_machine.travel(moment, tick=False):
            started = time.perf_counter()
            summary = load_halls()
            seconds = time.perf_counter() - started
            started = time.perf_counter()
            summary.appointments = load_appointments()
            booking = time.perf_counter() - started
            print(f"\n[demo halls] {summary} — {seconds:.2f} s + {booking:.2f} s")  # noqa: T201
            yield summary, moment
        transaction.set_rollback(True)


@pytest.fixture
def centre(loaded, db):
    return Hall.objects.get(org__code=CENTRE)


def test_the_centre_and_heping_have_categories_windows_and_staff(centre, loaded):
    assert [c.letter + c.name for c in centre.categories.order_by("letter")] == [
        "A市场准入",
        "B社会保障",
        "C不动产",
        "D综合",
    ]
    assert centre.categories.get(letter="A").items.filter(code__startswith="SCJ-").exists()
    assert centre.windows.count() == 8
    heping = Hall.objects.get(org__code=HEPING)
    assert 2 <= heping.windows.count() <= 3
    staffed = {w.number: w.staff.username for w in centre.windows.exclude(staff=None)}
    assert staffed == {n: f"window-{n}" for n in range(1, 7)}
    street = heping.windows.get(number=1)
    assert street.staff.username == "street-window"
    assert street.staff.grants.get().role == Role.WINDOW_STAFF


def test_today_has_numbers_in_every_state(centre, loaded):
    _summary, moment = loaded
    today = Ticket.objects.filter(hall=centre, day=moment.date())
    states = set(today.values_list("status", flat=True))
    assert {T.WAITING, T.CALLED, T.SERVING, T.DONE, T.NO_SHOW} <= states
    lanes = set(today.filter(status=T.WAITING).values_list("lane", flat=True))
    assert len(lanes) >= 2  # waiting in several lanes
    assert not today.filter(taken_at__gt=moment).exists()  # nothing in the future
    counter = TicketCounter.objects.get(
        category__hall=centre, category__letter="A", day=moment.date()
    )
    assert counter.last == today.filter(category__letter="A").count()  # the next number follows


def test_windows_stand_as_the_day_left_them(centre, loaded):
    windows = {w.number: w for w in centre.windows.all()}
    assert windows[6].status in (WindowStatus.PAUSED, WindowStatus.OPEN)
    assert windows[7].status == WindowStatus.CLOSED
    for window in windows.values():
        if window.current_ticket_id:
            assert window.current_ticket.status in (T.CALLED, T.SERVING)
            assert window.current_ticket.window_id == window.pk


def test_sixty_days_of_history_with_estimates_and_ratings(centre, loaded):
    _summary, moment = loaded
    first = moment.date() - datetime.timedelta(days=HISTORY_DAYS)
    past = Ticket.objects.filter(hall=centre, day__lt=moment.date())
    assert (
        past.filter(day=first).exists()
        or past.filter(day=first + datetime.timedelta(days=1)).exists()
    )
    assert past.filter(status=T.DONE).count() > 3000
    assert not past.filter(status__in=[T.WAITING, T.CALLED, T.SERVING]).exists()
    assert past.filter(estimate_seconds__gt=0).exists()
    rated = Evaluation.objects.filter(ticket__hall=centre)
    assert rated.count() > 500
    assert rated.filter(ticket__category__letter="A", department__code="990101-SCJ").exists()
    bad = rated.filter(level__lte=2)
    assert bad.exists() and Rectification.objects.filter(evaluation__in=bad).count() == bad.count()


def test_the_managers_figures_have_something_real_to_show(centre, loaded):
    now = figures.live(centre)
    assert now.waiting > 0 and now.served > 0
    assert now.error_30_days.n > 1000
    assert 0 < now.error_30_days.median < now.error_30_days.p90
    assert any(w.ratings for w in now.windows)


def test_loading_twice_adds_nothing(loaded):
    count = Ticket.objects.count()
    booked = Appointment.objects.count()
    assert load_halls() is None
    assert load_appointments() is None
    assert Ticket.objects.count() == count
    assert Appointment.objects.count() == booked


def test_the_coming_week_has_appointments_booked_cancelled_and_for_a_walk_in(centre, loaded):
    _summary, moment = loaded
    coming = Appointment.objects.filter(day__gt=moment.date())
    booked = coming.filter(hall=centre, status=A.BOOKED)
    assert booked.count() >= 10
    assert booked.values("day").distinct().count() >= 4  # spread over the week
    assert all(a.item.versions.filter(appointment=True).exists() for a in booked)
    assert coming.filter(hall__org__code=HEPING, status=A.BOOKED).count() == 1
    assert coming.filter(status=A.CANCELLED).count() == 1
    walk_in = booked.get(booked_by__username="window-1")
    assert walk_in.citizen is None and walk_in.is_walk_in


def test_the_past_weeks_have_appointments_checked_in_and_missed(centre, loaded):
    _summary, moment = loaded
    past = Appointment.objects.filter(hall=centre, day__lt=moment.date())
    checked_in = past.filter(status=A.CHECKED_IN)
    assert checked_in.count() >= 10 and past.filter(status=A.NO_SHOW).exists()
    assert not past.filter(status=A.BOOKED).exists()  # the no-show job would have run
    lanes = {a.ticket.lane for a in checked_in.select_related("ticket")}
    assert lanes == {Lane.APPOINTMENT}
    assert not past.filter(citizen__username="citizen", status=A.NO_SHOW).exists()


def test_citizen_checks_in_at_the_kiosk_for_a_priority_number(centre, loaded, user_named):
    """At 10:30 the citizen's slot starts within half an hour: the code checks in now. At
    22:00 the hall is closed: the appointment is the next morning's, checked in then."""
    summary, moment = loaded
    mine = Appointment.objects.get(citizen=user_named("citizen"), status=A.BOOKED)
    assert mine.code_display == summary.appointments.citizen_code
    if moment.hour < 12:
        assert mine.day == moment.date() and mine.starts_at > moment
        at = moment
    else:
        assert mine.day > moment.date()
        at = mine.starts_at
    import time_machine

    with time_machine.travel(at, tick=False):
        ticket = appointments.check_in(centre, code=mine.code_display.lower())
    assert ticket.lane == Lane.APPOINTMENT and not ticket.late
    assert ticket.category_id == mine.category_id
