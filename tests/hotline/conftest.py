"""Shared setup of the 12345 line's tests: the demo district, the line's people, a subject,
and a clock on an ordinary working day."""

import datetime

import pytest
import time_machine

from tests.hotline import factories

SHANGHAI = datetime.timezone(datetime.timedelta(hours=8))
# Monday 2 March 2026, 10:00: an ordinary working week (no holiday until 清明, 4 April).
MONDAY = datetime.datetime(2026, 3, 2, 10, 0, tzinfo=SHANGHAI)


@pytest.fixture
def monday():
    with time_machine.travel(MONDAY, tick=True) as traveller:
        yield traveller


@pytest.fixture
def line(demo, monday):
    return factories.make_line()


@pytest.fixture
def subject(demo):
    return factories.make_subject(days=5)
