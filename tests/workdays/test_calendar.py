import datetime

import pytest
from chinese_calendar import constants as package_data
from django.utils import translation

from yiwang.workdays import calendar, services
from yiwang.workdays.calendar import UncoveredYear

pytestmark = pytest.mark.django_db

D = datetime.date
MAKE_UP_2026 = sorted(day for day in package_data.workdays if day.year == 2026)


def test_national_day_2026_is_not_a_workday():
    for day in range(1, 8):
        assert not calendar.is_workday(D(2026, 10, day))


def test_the_2026_make_up_weekend_days_are_workdays():
    assert MAKE_UP_2026  # the package lists them: 2026-01-04, 02-14, 02-28, 05-09, 09-20, 10-10
    for day in MAKE_UP_2026:
        assert day.weekday() >= 5
        assert calendar.is_workday(day)


def test_a_weekday_inside_spring_festival_2026_is_not_a_workday():
    assert D(2026, 2, 18).weekday() == 2  # a Wednesday
    assert not calendar.is_workday(D(2026, 2, 18))


def test_ordinary_days_follow_the_week():
    assert calendar.is_workday(D(2026, 3, 10))  # Tuesday
    assert not calendar.is_workday(D(2026, 3, 14))  # Saturday


def test_a_deadline_into_an_uncovered_year_raises_naming_the_year():
    with pytest.raises(UncoveredYear) as error:
        calendar.add_workdays(D(2026, 12, 20), 20)
    assert error.value.year == 2027
    assert "2027" in str(error.value)
    assert error.value.code == "calendar_year_uncovered"


def test_the_uncovered_year_message_is_chinese_by_default_and_names_the_year():
    with translation.override("zh-hans"), pytest.raises(UncoveredYear) as error:
        calendar.is_workday(D(2027, 3, 1))
    assert str(error.value) == "2027年的节假日安排尚未公布或未导入"


def test_a_provisional_deadline_counts_weekends_only_in_the_uncovered_year():
    # 2026-12-21..31: 9 working days; then 11 more in January 2027 by weekdays only.
    assert calendar.add_workdays(D(2026, 12, 20), 20, provisional=True) == D(2027, 1, 15)
    deadline = calendar.add_workdays_checked(D(2026, 12, 20), 20)
    assert deadline.date == D(2027, 1, 15)
    assert deadline.provisional
    assert deadline.uncovered_years == (2027,)
    assert deadline.notice == "节假日安排未公布，期限为暂定"


def test_a_deadline_inside_covered_years_is_final():
    deadline = calendar.add_workdays_checked(D(2026, 9, 24), 5)
    # 9-25..27 中秋 (27 Sunday), 9-28, 9-29, 9-30 work, 10-01..07 国庆, 10-08 Thu, 10-09 Fri
    assert deadline == calendar.Deadline(D(2026, 10, 9))
    assert not deadline.provisional
    assert deadline.notice == ""


def test_importing_the_year_makes_the_same_deadline_final(schedule_file):
    path = schedule_file("日期,类型,名称\n2027-01-01,休息,元旦\n2027-01-04,休息,元旦\n")
    services.import_schedule_file(path, by="test", year=2027)
    assert calendar.is_covered(2027)
    # Two holidays (Fri 1st, Mon 4th) move the deadline two working days later.
    assert calendar.add_workdays(D(2026, 12, 20), 20) == D(2027, 1, 19)
    assert not calendar.add_workdays_checked(D(2026, 12, 20), 20).provisional


def test_overrides_beat_the_package():
    assert not calendar.is_workday(D(2026, 10, 1))
    services.set_override(D(2026, 10, 1), is_workday=True, name="值班", by="test")
    assert calendar.is_workday(D(2026, 10, 1))
    services.set_override(D(2026, 3, 10), is_workday=False, name="本地假日", by="test")
    assert not calendar.is_workday(D(2026, 3, 10))
    services.remove_override(D(2026, 10, 1), by="test")
    assert not calendar.is_workday(D(2026, 10, 1))


def test_an_override_alone_does_not_cover_its_year_but_counts_provisionally():
    services.set_override(D(2027, 1, 1), is_workday=False, name="元旦", by="test")
    assert not calendar.is_covered(2027)
    with pytest.raises(UncoveredYear):
        calendar.is_workday(D(2027, 1, 1))
    assert not calendar.is_workday(D(2027, 1, 1), provisional=True)


def test_workdays_between_counts_after_start_up_to_and_including_end():
    assert calendar.workdays_between(D(2026, 3, 9), D(2026, 3, 13)) == 4  # Tue..Fri
    assert calendar.workdays_between(D(2026, 3, 9), D(2026, 3, 9)) == 0
    assert calendar.workdays_between(D(2026, 3, 13), D(2026, 3, 9)) == -4  # overdue by 4
    assert calendar.workdays_between(D(2026, 9, 30), D(2026, 10, 8)) == 1


def test_workdays_between_checked_says_when_it_is_provisional():
    count = calendar.workdays_between_checked(D(2026, 12, 31), D(2027, 1, 8))
    assert count == calendar.WorkdayCount(6, True, (2027,))
    with pytest.raises(UncoveredYear):
        calendar.workdays_between(D(2026, 12, 31), D(2027, 1, 8))


def test_negative_n_counts_backwards():
    assert calendar.add_workdays(D(2026, 10, 8), -1) == D(2026, 9, 30)
    assert calendar.add_workdays(D(2026, 3, 16), 0) == D(2026, 3, 16)


def test_aware_datetimes_are_read_in_beijing_time():
    utc_evening = datetime.datetime(2026, 9, 30, 17, 0, tzinfo=datetime.UTC)  # 01:00 on 10-01
    assert not calendar.is_workday(utc_evening)


def test_the_deadline_instant_is_the_last_microsecond_of_the_day_in_shanghai():
    instant = calendar.deadline_instant(D(2026, 10, 9))
    assert instant.isoformat() == "2026-10-09T23:59:59.999999+08:00"
    assert instant.utcoffset() == datetime.timedelta(hours=8)
    deadline = calendar.add_workdays_checked(D(2026, 9, 24), 5)
    assert deadline.as_dict() == {
        "date": "2026-10-09",
        "at": "2026-10-09T23:59:59.999999+08:00",
        "provisional": False,
        "notice": "",
    }


def test_covered_years_are_the_package_years_plus_imported_ones():
    assert calendar.covered_years() == list(calendar.package_years())
    assert calendar.package_years() == range(2004, 2027)
    services.mark_year_covered(2027, by="test")
    assert calendar.covered_years()[-1] == 2027
    services.unmark_year_covered(2027, by="test")
    assert not calendar.is_covered(2027)


def test_the_package_exposes_the_calendar_lazily():
    import yiwang.workdays as workdays

    assert workdays.add_workdays is calendar.add_workdays
    assert workdays.UncoveredYear is UncoveredYear


def test_a_long_count_does_not_query_the_database_per_day(django_assert_max_num_queries):
    calendar.is_workday(D(2026, 1, 5))  # load once
    with django_assert_max_num_queries(0):
        for _ in range(50):
            calendar.add_workdays(D(2020, 1, 1), 300)
