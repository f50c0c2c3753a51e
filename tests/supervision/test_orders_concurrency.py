"""On PostgreSQL, where issues really run at the same time (SQLite serialises writers):
concurrent orders never share a number."""

import datetime
from concurrent.futures import ThreadPoolExecutor
from threading import Barrier

import pytest
from django.db import connection, connections

from yiwang.identity.models import OrgUnit, User
from yiwang.journey.workflow import clocks
from yiwang.supervision import orders
from yiwang.supervision.models import SupervisionOrder

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="needs PostgreSQL: SQLite serialises writers, so there is no race to test",
    ),
]

DAY = datetime.date(2026, 12, 2)


def test_twenty_concurrent_issues_give_twenty_distinct_numbers(demo, monkeypatch):
    monkeypatch.setattr(clocks, "today", lambda: DAY)
    supervisor = User.objects.get(username="supervisor")
    departments = list(OrgUnit.objects.filter(kind="department").order_by("code")[:4])
    calls = 20
    barrier = Barrier(10)

    def one(n):
        try:
            barrier.wait()
            order = orders.issue(
                supervisor,
                departments[n % len(departments)],
                f"第{n}号督办",
                "请按期办结。",
                workdays=3,
            )
            return order.number
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=10) as pool:
        numbers = list(pool.map(one, range(calls)))
    assert len(set(numbers)) == calls
    assert sorted(numbers) == [f"DB20261202-{n:04d}" for n in range(1, calls + 1)]
    assert SupervisionOrder.objects.count() == calls
