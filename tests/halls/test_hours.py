"""Opening hours (办公时间) read from the org sheet's text into a weekly schedule
(yiwang.halls.hours): every way the text is commonly written reads the same, and a text that
says nothing readable is an empty schedule with an error that says what to write."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from yiwang.halls import hours

DEMO = "周一至周五 9:00-12:00 14:00-20:00；周六 9:00-12:00 14:00-16:00；周日 9:00-12:00"


def hm(text):
    h, m = text.split(":")
    return int(h) * 60 + int(m)


def test_the_district_centres_hours_read_as_three_groups():
    schedule = hours.parse(DEMO)
    assert schedule.errors == ()
    assert schedule.ranges(1) == ((hm("9:00"), hm("12:00")), (hm("14:00"), hm("20:00")))
    assert schedule.ranges(5) == schedule.ranges(1)
    assert schedule.ranges(6) == ((hm("9:00"), hm("12:00")), (hm("14:00"), hm("16:00")))
    assert schedule.ranges(7) == ((hm("9:00"), hm("12:00")),)
    assert schedule.describe() == (
        "周一至周五 09:00-12:00 14:00-20:00；周六 09:00-12:00 14:00-16:00；周日 09:00-12:00"
    )


@pytest.mark.parametrize(
    "text",
    [
        "周一至周五 9:00-17:30；周六 9:00-12:00",
        "周一至周五９：００—１７：３０，周六９：００～１２：００",  # full-width throughout
        "星期一到星期五 上午9点-下午5点半；星期六 上午9点至12点",
        "工作日 09:00-17:30、周六 09:00-12:00（法定节假日除外）",
        "周一-周五 9.00-17.30; 周六 9.00-12.00; 周日休息",
    ],
)
def test_the_usual_ways_of_writing_the_same_hours_read_the_same(text):
    schedule = hours.parse(text)
    assert schedule.errors == ()
    assert schedule.describe() == "周一至周五 09:00-17:30；周六 09:00-12:00"


def test_a_later_group_overrides_an_earlier_one_for_its_days():
    schedule = hours.parse("每天 9:00-17:00；周六 9:00-12:00；周日休息")
    assert schedule.describe() == "周一至周五 09:00-17:00；周六 09:00-12:00"


def test_a_range_of_days_may_run_over_the_weekend():
    assert hours.parse("周五至周一 10:00-16:00").describe() == (
        "周一 10:00-16:00；周五至周日 10:00-16:00"
    )


def test_a_note_is_skipped_and_reported():
    schedule = hours.parse("周一至周五 9:00-17:00（节假日除外，请提前预约）")
    assert schedule.describe() == "周一至周五 09:00-17:00"
    assert schedule.ignored == ("(节假日除外,请提前预约)",)


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("", "无法识别办公时间"),
        ("随时办理", "无法识别办公时间“随时办理”"),
        ("9:00-17:00", "无法识别办公时间"),
        ("周一至周五", "周一至周五没有写明办公时间"),
        ("周一 17:00-9:00", "结束时间早于开始时间"),
        ("周一 9:00-25:00", "不是有效的时间"),
    ],
)
def test_a_text_without_readable_hours_is_an_empty_schedule_that_says_why(text, error):
    schedule = hours.parse(text)
    assert schedule.is_empty
    assert error in schedule.errors[0]
    with pytest.raises(hours.HoursError, match=error):
        hours.parse_strict(text)


def test_a_schedule_survives_its_json_form():
    schedule = hours.parse(DEMO)
    assert hours.Schedule.from_json(schedule.as_json()).days == schedule.days
    assert schedule.as_json()["6"] == [["09:00", "12:00"], ["14:00", "16:00"]]


# --- properties -----------------------------------------------------------------------------

# A day's hours: sorted, separate ranges on the half hour between 06:00 and 22:00.
slots = st.lists(st.integers(min_value=12, max_value=44), min_size=0, max_size=6, unique=True)


@st.composite
def day_ranges(draw):
    points = sorted(draw(slots))
    if len(points) % 2:
        points = points[:-1]
    return tuple((points[i] * 30, points[i + 1] * 30) for i in range(0, len(points), 2))


weeks = st.fixed_dictionaries({d: day_ranges() for d in range(1, 8)})
DAY_WORDS = {"周": "一二三四五六日", "星期": "一二三四五六天", "礼拜": "一二三四五六日"}


@st.composite
def written(draw, week):
    """The week as a person might write it: runs of days with the same hours, any prefix,
    dash and separator, full- or half-width."""
    prefix = draw(st.sampled_from(sorted(DAY_WORDS)))
    dash = draw(st.sampled_from(["至", "-", "—", "到", "～", "~"]))
    separator = draw(st.sampled_from(["；", ";", "，", "\n", " ", "。"]))
    padded = draw(st.booleans())
    width = draw(st.sampled_from(["half", "full"]))

    def day(d):
        return prefix + DAY_WORDS[prefix][d - 1]

    def time(minutes):
        text = (
            f"{minutes // 60:02d}:{minutes % 60:02d}"
            if padded
            else (f"{minutes // 60}:{minutes % 60:02d}")
        )
        return text

    groups, d = [], 1
    while d <= 7:
        end = d
        while end < 7 and week[end + 1] == week[d]:
            end += 1
        if week[d]:
            days = day(d) if end == d else f"{day(d)}{dash}{day(end)}"
            times = " ".join(f"{time(s)}{dash}{time(e)}" for s, e in week[d])
            groups.append(f"{days} {times}")
        d = end + 1
    text = separator.join(groups)
    if width == "full":
        text = text.translate({c: c + 0xFEE0 for c in range(0x21, 0x7F)})
    return text


@st.composite
def weeks_as_text(draw):
    week = draw(weeks)
    return week, draw(written(week))


@given(weeks_as_text())
def test_any_week_written_any_usual_way_reads_back_the_same(case):
    week, text = case
    schedule = hours.parse(text)
    assert schedule.days == week, text
    if any(week.values()):
        assert schedule.errors == ()
        assert hours.parse(schedule.describe()).days == week


@given(st.text(max_size=80))
def test_any_text_gives_a_well_formed_schedule_and_never_raises(text):
    schedule = hours.parse(text)
    for day in range(1, 8):
        ranges = schedule.ranges(day)
        for start, end in ranges:
            assert 0 <= start < end <= 24 * 60
        assert all(a[1] < b[0] for a, b in zip(ranges, ranges[1:], strict=False))
    if schedule.is_empty:
        assert schedule.errors


def test_a_week_closed_every_day_is_reported():
    schedule = hours.parse("周一至周日休息")
    assert schedule.is_empty and "没有办公时间" in schedule.errors[0]
