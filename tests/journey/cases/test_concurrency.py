"""On PostgreSQL, where submits really run at the same time (SQLite serialises writers)."""

import datetime
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection, connections

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="needs PostgreSQL: SQLite serialises writers, so there is no race to test",
    ),
]


def test_fifty_concurrent_numberings_give_fifty_distinct_numbers():
    from yiwang.journey.cases.numbering import next_number

    day = datetime.date(2026, 11, 23)

    def one(_):
        try:
            return next_number(day)
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=10) as pool:
        numbers = list(pool.map(one, range(50)))
    assert len(set(numbers)) == 50
    assert sorted(numbers) == [f"YW20261123{n:06d}" for n in range(1, 51)]
