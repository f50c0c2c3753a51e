"""The last place goes to one person (docs/halls.md, "Appointments"): twenty citizens
booking the last place of a slot at the same moment give exactly one booking. On PostgreSQL
each booking's conditional UPDATE (… WHERE booked < capacity) waits for the one before it
and then sees its count; on SQLite write transactions take turns, so the race cannot
happen there."""

import threading

import pytest
import time_machine
from django.db import connection

from tests.halls.conftest import OPEN_MONDAY
from yiwang.halls import appointments, services
from yiwang.halls.models import Appointment, Hall, ServiceCategory, SlotBooking, Window
from yiwang.identity.models import OrgKind, OrgLevel, OrgUnit, User

PEOPLE = 20


@pytest.fixture
def last_place(transactional_db):
    with time_machine.travel(OPEN_MONDAY, tick=False):
        org = OrgUnit.objects.create(
            code="T-YY-ZWZX",
            name="测试预约中心",
            kind=OrgKind.SERVICE_CENTRE,
            level=OrgLevel.DISTRICT,
            hours="周一至周日 9:00-17:00",
        )
        services.sync_halls()
        hall = Hall.objects.get(org=org)
        category = ServiceCategory.objects.create(hall=hall, letter="A", name="综合")
        window = Window.objects.create(hall=hall, number=1)
        window.categories.set([category])
        slot = appointments.slots(hall, category, OPEN_MONDAY.date().replace(day=4))[0]
        # One window × 30 minutes ÷ 10: three places, two taken already.
        SlotBooking.objects.create(
            hall=hall,
            category=category,
            day=slot.day,
            starts_at=slot.starts_at,
            booked=slot.capacity - 1,
        )
        people = [User.objects.create_user(f"b{n}", kind=User.Kind.CITIZEN) for n in range(PEOPLE)]
        yield category, slot, people


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="SQLite runs one write transaction at a time (BEGIN IMMEDIATE): bookings cannot race",
)
def test_twenty_people_booking_the_last_place_give_one_booking(last_place):
    category, slot, people = last_place
    category = ServiceCategory.objects.select_related("hall").get(pk=category.pk)
    start = threading.Barrier(PEOPLE)
    booked, refused, errors = [], [], []

    def try_to_book(person):
        try:
            with time_machine.travel(OPEN_MONDAY, tick=False):
                start.wait()
                try:
                    booked.append(appointments.book(category, slot.starts_at, by=person).pk)
                except Exception as error:  # noqa: BLE001 - sorted below
                    code = getattr(error, "code", None)
                    (refused if code == "slot_full" else errors).append(repr(error))
        finally:
            connection.close()

    threads = [threading.Thread(target=try_to_book, args=(p,)) for p in people]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    assert len(booked) == 1 and len(refused) == PEOPLE - 1
    assert Appointment.objects.count() == 1
    assert SlotBooking.objects.get(starts_at=slot.starts_at).booked == slot.capacity
