"""Hotspots (热点发现): the pure judgement of a daily series against its own baseline
(property-tested), the daily counts read with GROUP BY and stored as alerts (idempotent),
the worker's catch-up, and the demo data's two spikes — rental agencies keeping deposits in
July–August and the flooding after the late-July storms — found across 2026."""

import datetime
import itertools
import random

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from hypothesis import given
from hypothesis import strategies as st

from tests.hotline.demo_appeals import load_appeals, load_subjects
from yiwang.hotline import hotspots
from yiwang.hotline.models import (
    Appeal,
    AppealStatus,
    Channel,
    HotspotAlert,
    KeywordDay,
)
from yiwang.identity.models import OrgUnit
from yiwang.workdays.calendar import SHANGHAI

B = hotspots.BASELINE_DAYS
LONG = B + 28

# --- the judgement --------------------------------------------------------------------------

counts = st.integers(min_value=0, max_value=400)


@given(level=counts, length=st.integers(min_value=LONG, max_value=LONG + 10))
def test_a_flat_series_never_alerts(level, length):
    assert hotspots.rise([level] * length) is None


def test_a_new_key_alerts_once_it_is_seen_often():
    """Days before a key's first appeal count as zero: four in its first days stand out."""
    assert hotspots.rise([1] * 4) is not None
    assert hotspots.rise([1] * 3) is None


@given(level=st.integers(min_value=0, max_value=60))
def test_a_step_on_the_last_day_alerts(level):
    found = hotspots.rise([level] * LONG + [3 * level + 10])
    assert found is not None
    assert found.window == 1
    assert found.count == 3 * level + 10
    assert found.score >= hotspots.THRESHOLD


@given(level=st.integers(min_value=0, max_value=60))
def test_a_week_long_step_alerts(level):
    found = hotspots.rise([level] * LONG + [3 * level + 3] * 7)
    assert found is not None and found.score >= hotspots.THRESHOLD


@given(
    baseline=st.lists(st.integers(min_value=0, max_value=30), min_size=B, max_size=B),
    window=st.lists(st.integers(min_value=0, max_value=200), min_size=1, max_size=28),
    seed=st.integers(),
)
def test_the_order_of_the_baseline_days_does_not_matter(baseline, window, seed):
    """A window's baseline is judged as a set of days: shuffling it changes nothing."""
    windows = ((len(window), 3),)
    shuffled = list(baseline)
    random.Random(seed).shuffle(shuffled)
    assert hotspots.rise([*shuffled, *window], windows=windows) == hotspots.rise(
        [*baseline, *window], windows=windows
    )


@given(
    baseline=st.lists(st.integers(min_value=0, max_value=20), min_size=LONG, max_size=LONG),
    last=st.integers(min_value=0, max_value=200),
    more=st.integers(min_value=1, max_value=50),
)
def test_more_on_the_last_day_never_takes_an_alert_away(baseline, last, more):
    before = hotspots.rise([*baseline, last])
    after = hotspots.rise([*baseline, last + more])
    if before is not None:
        assert after is not None and after.score >= before.score - 1e-9


@given(
    baseline=st.lists(st.integers(min_value=0, max_value=20), min_size=LONG, max_size=LONG),
    last=st.integers(min_value=0, max_value=100),
    factor=st.integers(min_value=2, max_value=20),
)
def test_scaling_every_count_keeps_an_alert(baseline, last, factor):
    """The same shape with k times the appeals is at least as strong evidence."""
    if hotspots.rise([*baseline, last]) is not None:
        assert hotspots.rise([c * factor for c in [*baseline, last]]) is not None


@given(
    series=st.lists(st.integers(min_value=0, max_value=15), min_size=1, max_size=LONG + 40),
)
def test_the_prefix_sum_scan_agrees_with_the_judgement_of_each_day(series):
    scanned = hotspots.rises(series, 0)
    for end in range(len(series)):
        assert scanned.get(end) == hotspots.rise(series[: end + 1])


def test_a_few_appeals_never_alert_however_quiet_the_baseline():
    assert hotspots.rise([0] * LONG + [2]) is None
    assert hotspots.rise([0] * LONG + [1, 1, 0, 0, 1, 0, 0]) is None  # 3 in a week < 4


def test_a_noisy_baseline_needs_a_bigger_rise():
    """Alternating 0 and 40 averages 20; 45 on one day is ordinary for such a key."""
    assert hotspots.rise([0, 40] * (LONG // 2) + [45]) is None
    assert hotspots.rise([20] * LONG + [45]) is not None


@given(k=st.floats(min_value=0.5, max_value=500), mu=st.floats(min_value=0.001, max_value=400))
def test_the_tail_is_a_probability(k, mu):
    assert hotspots.log10_tail(k, mu) <= 0


def test_the_tail_matches_the_poisson_sum():
    import math

    for k, mu in [(3, 0.25), (10, 2.0), (45, 20.0)]:
        exact = 1 - sum(math.exp(-mu) * mu**i / math.factorial(i) for i in range(k))
        assert hotspots.log10_tail(k, mu) == pytest.approx(math.log10(exact), rel=1e-6)


# --- keywords -------------------------------------------------------------------------------


def test_keywords_are_the_nouns_without_names_numbers_or_stopwords():
    words = hotspots.keywords_of(
        "王建国反映：中介不退押金，青年湖北街2号院5号楼积水，希望部门处理问题。"
    )
    assert {"中介", "押金", "积水"} <= words
    assert "王建国" not in words
    assert not any(ch.isdigit() for w in words for ch in w)
    assert not words & {"希望", "部门", "问题"}


def test_keywords_of_hostile_text():
    assert hotspots.keywords_of("") == set()
    assert hotspots.keywords_of("\x00\x01押金\u202e中介" * 2000) <= {"押金", "中介"}


# --- counting and storing -------------------------------------------------------------------


_numbers = itertools.count(1)


def _appeal(day, subject=None, area=None, text="诉求"):
    at = datetime.datetime.combine(day, datetime.time(9), tzinfo=SHANGHAI)
    return Appeal(
        received_at=at,
        type="complaint",
        subject=subject,
        text=text,
        channel=Channel.PHONE,
        area=area,
        area_path=area.path if area else "",
        token_hash=Appeal.hash_token(f"hotspot-{next(_numbers)}-{random.random()}"),
    )


DAY = datetime.date(2026, 3, 20)


@pytest.fixture
def step(demo):
    """ZF-01 (物业管理) one appeal every fourth day for two months, then
    five ZF-02 appeals about deposits in 和平里社区 on DAY."""
    subjects = load_subjects()
    community = OrgUnit.objects.get(code="990101001001")
    rows = []
    for n in range(60, 0, -4):
        rows.append(_appeal(DAY - datetime.timedelta(days=n), subjects["ZF-01"], community))
    rows += [
        _appeal(DAY, subjects["ZF-02"], community, "中介退租不退押金，押金被扣。") for _ in range(5)
    ]
    Appeal.objects.bulk_create(rows)
    return subjects


def test_find_hotspots_stores_the_day_s_alerts_once(step, django_assert_max_num_queries):
    found = hotspots.find_hotspots(DAY)
    keys = {(a.dimension, a.key) for a in found}
    assert ("subject", "ZF-02") in keys
    assert ("area", "990101001") in keys  # the street counts its communities' appeals
    assert ("area", "990101001001") in keys
    assert ("keyword", "押金") in keys and ("keyword", "中介") in keys
    assert ("subject", "ZF-01") not in keys
    alert = HotspotAlert.objects.get(day=DAY, dimension="subject", key="ZF-02")
    assert alert.label == "房屋租赁与中介"
    assert (alert.window, alert.count) == (1, 5)
    assert alert.baseline == pytest.approx(1 / B, abs=1e-3)
    stored = HotspotAlert.objects.count()
    alert.acknowledged_at = datetime.datetime(2026, 3, 21, tzinfo=SHANGHAI)
    alert.save()
    with django_assert_max_num_queries(16):
        hotspots.find_hotspots(DAY)  # again: nothing new, the acknowledgement kept
    assert HotspotAlert.objects.count() == stored
    assert HotspotAlert.objects.get(pk=alert.pk).acknowledged_at is not None


def test_an_alert_that_no_longer_holds_is_removed(step):
    hotspots.find_hotspots(DAY)
    Appeal.objects.filter(subject__code="ZF-02").update(status=AppealStatus.MERGED)
    hotspots.find_hotspots(DAY)
    assert not HotspotAlert.objects.filter(day=DAY).exists()


def test_keywords_are_counted_per_day_with_a_marker(step):
    hotspots.count_keywords(DAY, DAY)
    assert KeywordDay.objects.get(day=DAY, keyword="").count == 5
    assert KeywordDay.objects.get(day=DAY, keyword="押金").count == 5  # once an appeal


def test_the_statement_count_does_not_grow_with_the_appeals(demo, django_assert_max_num_queries):
    """GROUP BY queries: the same number of statements for 10 keys or 40."""
    subjects = list(load_subjects().values())

    def run(keys):
        rows = [
            _appeal(DAY - datetime.timedelta(days=d), subjects[k % len(subjects)], text="押金")
            for k in range(keys)
            for d in range(0, 30, 3)
        ]
        Appeal.objects.bulk_create(rows)
        hotspots.find_hotspots(DAY)  # the baseline's keywords counted once
        with CaptureQueriesContext(connection) as queries:
            hotspots.find_hotspots(DAY)
        return len(queries)

    assert run(10) == run(40)


def test_the_job_catches_up_from_the_first_appeal_then_a_day_at_a_time(step):
    today = DAY + datetime.timedelta(days=2)
    first, last = hotspots.catch_up(today)
    assert first == DAY - datetime.timedelta(days=60) and last - first == datetime.timedelta(30)
    while last < today:
        first, last = hotspots.catch_up(today)
    assert last == today
    assert HotspotAlert.objects.filter(day=DAY, key="ZF-02").exists()
    assert hotspots.catch_up(today) == (today - datetime.timedelta(days=1), today)


def test_the_job_without_appeals_does_nothing(db):
    assert hotspots.catch_up(DAY) is None
    assert not HotspotAlert.objects.exists()


# --- the demo's two spikes ------------------------------------------------------------------


@pytest.fixture
def demo_alerts(demo):
    load_appeals()
    hotspots.find_between(datetime.date(2026, 1, 1), datetime.date(2026, 10, 31))
    return HotspotAlert.objects.all()


def test_the_demo_spikes_are_found(demo_alerts):
    summer = demo_alerts.filter(
        day__gte=datetime.date(2026, 6, 25), day__lte=datetime.date(2026, 8, 31)
    )
    found = set(summer.values_list("dimension", "key"))
    # rental agencies keeping deposits (ZF-02): the subject and its words
    assert ("subject", "ZF-02") in found
    assert {("keyword", "中介"), ("keyword", "押金")} & found
    # the late-July storms: drainage (SD-02) and standing water
    assert ("subject", "SD-02") in found
    assert {("keyword", "积水"), ("keyword", "暴雨")} & found
    flood = summer.filter(key="SD-02").order_by("day").first()
    assert datetime.date(2026, 7, 20) <= flood.day <= datetime.date(2026, 7, 23)
    rental = summer.filter(key="ZF-02").order_by("day").first()
    assert rental.day <= datetime.date(2026, 7, 15)


def test_the_demo_has_no_alerts_outside_the_spikes(demo_alerts):
    """Ten months of a quiet line raise nothing but the two spikes."""
    keys = set(demo_alerts.values_list("key", flat=True))
    assert keys <= {"ZF-02", "SD-02", "中介", "押金", "积水", "暴雨", "雨水", "990101003"}, keys
