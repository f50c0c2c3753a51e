"""Calling is fair (docs/halls.md, "Lanes and fairness"): over any sequence of numbers taken
and called, every ticket is called exactly once, lanes are called in the hall's order, first
come first served within a lane, and after `priority_streak` priority calls in a row the
longest-waiting normal number goes next."""

import datetime

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.halls.conftest import id_number
from yiwang.halls import services
from yiwang.halls.models import Lane

LANES = [Lane.NORMAL, Lane.NORMAL, Lane.ELDERLY, Lane.PREGNANT, Lane.APPOINTMENT, Lane.DISABLED]
steps = st.lists(
    st.one_of(st.sampled_from(LANES).map(lambda lane: ("take", lane)), st.just(("call", None))),
    max_size=24,
)


def _take(hall, category, lane, clerk, serial):
    if lane == Lane.ELDERLY:
        number = id_number(datetime.date(1940, 1, 1), serial)
        return services.take_ticket(hall, category, channel="kiosk", id_number=number)
    if lane == Lane.APPOINTMENT:
        return services.take_ticket(
            hall, category, channel="appointment", by=clerk, appointment_code=f"Y{serial}"
        )
    if lane == Lane.NORMAL:
        return services.take_ticket(hall, category, channel="kiosk")
    return services.take_ticket(hall, category, channel="staff", by=clerk, lane_claims=[lane])


def _expected(waiting, streak, ratio, order):
    """The rule, written plainly: after `ratio` priority calls in a row the oldest normal
    ticket; otherwise the first by lane order, then by arrival."""
    normal = [t for t in waiting if t.lane == Lane.NORMAL]
    if streak >= ratio and normal:
        return normal[0]
    return min(waiting, key=lambda t: (order.index(t.lane), waiting.index(t)))


@pytest.mark.parametrize("ratio", [1, 3])
@settings(max_examples=10, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(plan=steps)
def test_every_ticket_is_called_once_in_lane_order_within_the_ratio(
    hall, category, staffed, staff, ratio, plan
):
    clerk = staff["window-2"]
    hall.priority_streak = ratio
    hall.save(update_fields=["priority_streak"])
    order = hall.lanes
    with transaction.atomic():
        waiting, taken, called, streak = [], [], [], 0
        for serial, (step, lane) in enumerate([*plan, *[("call", None)] * len(plan)]):
            if step == "take":
                ticket = _take(hall, category["A"], lane, clerk, serial)
                waiting.append(ticket)
                taken.append(ticket.pk)
                continue
            ticket = services.call_next(staffed[2], by=clerk)
            if not waiting:
                assert ticket is None
                continue
            expected = _expected(waiting, streak, ratio, order)
            assert ticket.pk == expected.pk
            streak = streak + 1 if expected.lane != Lane.NORMAL else 0
            waiting.remove(expected)
            called.append(ticket.pk)
            services.mark_no_show(ticket, by=clerk)
        assert sorted(called) == sorted(taken)  # each once
        assert services.call_next(staffed[2], by=clerk) is None
        transaction.set_rollback(True)
