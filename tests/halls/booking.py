"""Fixtures of the appointment tests (imported by their modules): 个体工商户设立登记
(SCJ-XK-0005, 支持预约) served by category A of the district centre, whose windows 1
(comprehensive) and 2 (A) give A six places in a half hour at the default ten minutes."""

import datetime

import pytest
import time_machine

from tests.catalog.conftest import small_sheets
from tests.dbcache import rows_of
from yiwang.catalog import exchange
from yiwang.catalog.models import ServiceItem
from yiwang.halls import appointments

SHANGHAI = datetime.timezone(datetime.timedelta(hours=8))
MONDAY_TEN = datetime.datetime(2025, 3, 3, 10, 0, tzinfo=SHANGHAI)  # as conftest's OPEN_MONDAY
ITEM = "SCJ-XK-0005"  # 个体工商户设立登记
TUESDAY = datetime.date(2025, 3, 4)


def at(*args) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=SHANGHAI)


@pytest.fixture
def item(hall, category):
    """SCJ-XK-0005, published and bookable, among category A's items."""
    rows_of("halls.booking_catalog", lambda: exchange.import_sheets(small_sheets((ITEM,))))
    found = ServiceItem.objects.get(code=ITEM)
    category["A"].items.add(found)
    return found


@pytest.fixture
def citizen(user_named, demo):
    return user_named("citizen")


@pytest.fixture
def monday():
    """10:00 on an ordinary Monday, the clock standing still (times are compared)."""
    with time_machine.travel(MONDAY_TEN, tick=False) as traveller:
        yield traveller


def book(category, starts_at, *, by, **kwargs):
    return appointments.book(category, starts_at, by=by, **kwargs)
