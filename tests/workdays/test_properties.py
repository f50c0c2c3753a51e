import datetime

import pytest
from chinese_calendar import constants as package_data
from hypothesis import given, settings
from hypothesis import strategies as st

from yiwang.workdays import calendar

pytestmark = pytest.mark.django_db

FIRST, LAST = calendar.PACKAGE_FIRST_YEAR, calendar.PACKAGE_LAST_YEAR
# Far enough from the end of the covered range that 60 working days stay inside it.
covered_days = st.dates(datetime.date(FIRST, 1, 1), datetime.date(LAST, 9, 30))
counts = st.integers(min_value=0, max_value=60)


@given(covered_days, counts)
@settings(max_examples=300, deadline=None)
def test_adding_then_counting_gives_back_n(day, n):
    assert calendar.workdays_between(day, calendar.add_workdays(day, n)) == n


@given(covered_days, st.integers(min_value=1, max_value=60))
@settings(max_examples=300, deadline=None)
def test_the_result_of_adding_is_a_workday(day, n):
    assert calendar.is_workday(calendar.add_workdays(day, n))


@given(covered_days, counts)
@settings(max_examples=300, deadline=None)
def test_adding_is_monotonic(day, n):
    assert calendar.add_workdays(day, n + 1) > calendar.add_workdays(day, n)


@given(
    st.dates(datetime.date(FIRST, 3, 1), datetime.date(LAST, 9, 30)),
    st.integers(min_value=1, max_value=60),
)
@settings(max_examples=200, deadline=None)
def test_counting_backwards_undoes_adding_from_a_workday(day, n):
    later = calendar.add_workdays(day, n)  # a workday
    earlier = calendar.add_workdays(later, -n)
    assert calendar.workdays_between(earlier, later) == n


@given(st.sampled_from(sorted(package_data.workdays)))
@settings(deadline=None)
def test_a_make_up_workday_is_a_workday(day):
    assert day.weekday() >= 5  # every 调休 make-up day is a Saturday or Sunday
    assert calendar.is_workday(day)


def test_every_make_up_workday_in_the_package_is_a_workday():
    assert all(calendar.is_workday(day) for day in package_data.workdays)


# 2023 is the exception in 2010–2026: the week was Sep 29 – Oct 6 and Saturday Oct 7 was a
# make-up workday, so the property holds for Oct 1–6 every year and Oct 7 all years but 2023.
@given(st.integers(2010, 2026), st.integers(1, 7))
@settings(deadline=None)
def test_national_day_week_is_not_worked(year, day):
    date = datetime.date(year, 10, day)
    if date == datetime.date(2023, 10, 7):
        assert calendar.is_workday(date)
    else:
        assert not calendar.is_workday(date)


@given(st.dates(datetime.date(2027, 1, 1), datetime.date(2030, 12, 31)))
@settings(deadline=None)
def test_an_uncovered_year_is_never_guessed(day):
    with pytest.raises(calendar.UncoveredYear) as error:
        calendar.is_workday(day)
    assert error.value.year == day.year
    assert calendar.is_workday(day, provisional=True) == (day.weekday() < 5)
