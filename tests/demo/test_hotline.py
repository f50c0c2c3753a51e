"""The demo district's 12345 line: every page of the line has something real to show."""

import datetime

import pytest

from tests.dbcache import rows_of
from yiwang.demo.hotline import OPEN_TAIL, load_hotline
from yiwang.hotline.models import Appeal, AppealEntry, AppealStatus, Article, Resolution

TODAY = datetime.date(2026, 12, 7)


@pytest.fixture
def line(demo):
    """The line replayed once per test process (about ten seconds), its rows put back after."""
    rows_of("demo_hotline", lambda: load_hotline(today=TODAY))


def test_the_past_appeals_are_there_in_every_state(line):
    assert Appeal.objects.count() == 180
    states = set(Appeal.objects.values_list("status", flat=True))
    assert {
        AppealStatus.PENDING,
        AppealStatus.DISPATCHED,
        AppealStatus.HANDLING,
        AppealStatus.REPLIED,
        AppealStatus.ANSWERED,
        AppealStatus.CLOSED,
    } <= states
    assert Appeal.objects.filter(status=AppealStatus.PENDING).count() == OPEN_TAIL.count(
        AppealStatus.PENDING
    )
    assert Appeal.objects.filter(resolution=Resolution.DIRECT).exists()
    assert Appeal.objects.filter(returns__gt=0).exists()
    assert Appeal.objects.filter(reopened__gt=0).exists()
    assert Appeal.objects.filter(published_at__isnull=False).exists()


def test_a_consultation_answered_on_the_spot_is_counted_with_its_article(line):
    direct = Appeal.objects.filter(resolution=Resolution.DIRECT).count()
    assert direct and sum(Article.objects.values_list("uses", flat=True)) == direct


def test_older_unanswered_appeals_are_overdue(line):
    overdue = Appeal.objects.filter(status=AppealStatus.HANDLING, warning="red")
    assert overdue.count() >= 2


def test_every_appeal_has_its_timeline_from_the_day_it_was_received(line):
    appeal = Appeal.objects.filter(status=AppealStatus.CLOSED, returns=1).first()
    kinds = list(appeal.entries.values_list("kind", flat=True))
    assert (
        kinds[0] == "received"
        and "returned" in kinds
        and kinds[-1] in {"closed", "callback", "rated"}
    )
    assert AppealEntry.objects.filter(appeal__status=AppealStatus.PENDING).count() >= 3


def test_loading_twice_adds_nothing(line):
    assert load_hotline(today=TODAY) is None
    assert Appeal.objects.count() == 180


def test_the_hotspots_show_the_summer_rental_deposits_and_the_july_floods(line):
    from yiwang.hotline.models import HotspotAlert

    alerts = HotspotAlert.objects.all()
    rental = alerts.filter(key__in=["ZF-02", "中介", "押金"], day__month__in=[7, 8])
    floods = alerts.filter(key__in=["SD-02", "积水", "暴雨"], day__month=7, day__day__gte=15)
    assert rental.exists() and floods.exists()


def test_the_dispatched_appeals_are_still_within_their_days_to_be_signed_for(line):
    dispatched = Appeal.objects.filter(status=AppealStatus.DISPATCHED)
    assert dispatched.exists()
    assert all(appeal.accept_by >= TODAY for appeal in dispatched)
