"""The demo's supervision orders (supervision.order_demo.load_orders), made through the
services on the demo cases that carry warnings."""

import pytest

from yiwang.demo.history import load_history
from yiwang.demo.loader import load_demo
from yiwang.identity.models import User
from yiwang.supervision import order_selectors
from yiwang.supervision.models import OrderStatus, SupervisionOrder
from yiwang.supervision.order_demo import load_orders


@pytest.fixture
def demo_orders(transactional_db):
    load_demo()
    load_history(background=0)
    return load_orders()


def test_demo_has_an_overdue_a_responded_and_a_closed_order(demo_orders):
    by_status = {o.status: o for o in SupervisionOrder.objects.select_related("department")}
    assert set(by_status) == {OrderStatus.ISSUED, OrderStatus.RESPONDED, OrderStatus.CLOSED}
    overdue = by_status[OrderStatus.ISSUED]
    assert overdue.warning == "red" and overdue.case.warning == "red"
    assert "已超期" in order_selectors.clock(overdue)["words"]
    assert by_status[OrderStatus.RESPONDED].department.code == "990101-SCJ"  # for `chief`
    assert by_status[OrderStatus.CLOSED].closed_by.username == "supervisor"
    chief = User.objects.get(username="chief")
    assert by_status[OrderStatus.RESPONDED] in order_selectors.orders_for(chief)
    supervisor = User.objects.get(username="supervisor")
    assert order_selectors.orders_for(supervisor, status="all").count() == 3
    for order in by_status.values():  # every step is in the history, as the services wrote it
        assert order_selectors.history(order)[0].action == "issued"
    assert load_orders() == []  # loading again adds nothing
    assert SupervisionOrder.objects.count() == 3
