"""No ticket is ever called twice (docs/halls.md, "Calling without double calls"): fifty
windows pressing "next" at the same moment over thirty waiting numbers call each number
exactly once. On PostgreSQL each call locks its candidate with FOR UPDATE SKIP LOCKED; on
SQLite write transactions take turns, so the race this test provokes cannot happen there."""

import threading

import pytest
import time_machine
from django.db import connection

from tests.halls.conftest import OPEN_MONDAY
from yiwang.halls import services
from yiwang.halls.models import Hall, ServiceCategory, Ticket, Window, WindowKind
from yiwang.identity.models import OrgKind, OrgLevel, OrgUnit, RoleGrant, User
from yiwang.identity.roles import Role

WINDOWS = 50
TICKETS = 30


@pytest.fixture
def crowded_hall(transactional_db):
    with time_machine.travel(OPEN_MONDAY, tick=True):
        org = OrgUnit.objects.create(
            code="T-ZWZX",
            name="测试政务服务中心",
            kind=OrgKind.SERVICE_CENTRE,
            level=OrgLevel.DISTRICT,
            hours="周一至周日 0:00-24:00",
        )
        services.sync_halls()
        hall = Hall.objects.get(org=org)
        category = ServiceCategory.objects.create(hall=hall, letter="A", name="综合")
        windows = []
        for n in range(1, WINDOWS + 1):
            clerk = User.objects.create_user(f"w{n}", kind=User.Kind.STAFF)
            RoleGrant.objects.create(user=clerk, role=Role.WINDOW_STAFF, org=org)
            window = Window.objects.create(hall=hall, number=n, kind=WindowKind.COMPREHENSIVE)
            windows.append(services.open_window(window, clerk))
        for _ in range(TICKETS):
            services.take_ticket(hall, category, channel="kiosk")
        yield hall, windows


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="SQLite runs one write transaction at a time (BEGIN IMMEDIATE): calls cannot race",
)
def test_fifty_windows_calling_at_once_call_each_of_thirty_tickets_exactly_once(crowded_hall):
    hall, windows = crowded_hall
    start = threading.Barrier(WINDOWS)
    called, errors = [], []

    def press_next(window):
        try:
            start.wait()  # the fixture's clock still runs at the Monday morning
            while True:
                ticket = services.call_next(window, by=window.staff)
                if ticket is None:
                    return
                called.append((window.number, ticket.pk))
                services.mark_no_show(ticket, by=window.staff)
        except Exception as error:  # noqa: BLE001 - reported below, with the thread's window
            errors.append((window.number, repr(error)))
        finally:
            connection.close()

    threads = [threading.Thread(target=press_next, args=(w,)) for w in windows]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors
    tickets = [pk for _window, pk in called]
    assert len(tickets) == TICKETS
    assert len(set(tickets)) == TICKETS
    assert len({window for window, _pk in called}) > 1  # the windows really called together
    assert set(Ticket.objects.values_list("call_count", flat=True)) == {1}
    assert Ticket.objects.filter(status="no_show").count() == TICKETS
