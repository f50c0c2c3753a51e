"""The demo's ratings (feedback.demo, loaded by demo.history): mostly good, a few bad ones
whose rectifications stand at every step, and some of 张三's cases left to rate. Loaded
once for the module and rolled back afterwards."""

from collections import Counter

import pytest
from django.db import transaction
from django.utils import timezone

from yiwang.demo.history import load_history
from yiwang.demo.loader import load_demo
from yiwang.feedback import selectors, services
from yiwang.feedback.demo import load_ratings
from yiwang.feedback.models import Evaluation, Rectification
from yiwang.identity.models import User


@pytest.fixture(scope="module")
def past(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        load_demo()
        yield load_history(background=150)
        transaction.set_rollback(True)


@pytest.fixture
def person(past, db):
    return lambda username: User.objects.get(username=username)


def test_most_ratings_are_good(person):
    levels = Counter(Evaluation.objects.values_list("level", flat=True))
    total = sum(levels.values())
    assert total >= 40
    assert (levels[1] + levels[2]) / total < 0.2
    for evaluation in Evaluation.objects.all()[:50]:  # given in the past, on its own day
        assert evaluation.rated_on == timezone.localdate(evaluation.created_at)


def test_rectifications_stand_at_every_step(person):
    statuses = Counter(Rectification.objects.values_list("status", flat=True))
    assert {"open", "responded", "verified", "closed"} <= set(statuses)
    assert Rectification.objects.filter(warning="red", status="open").exists()
    assert Rectification.objects.filter(returned_count__gt=0).exists()
    closed = Rectification.objects.filter(status="closed")
    assert all(r.callback_at is not None for r in closed)


def test_the_market_regulator_and_the_street_have_work(person):
    chief = selectors.rectifications(person("chief"))
    assert chief.filter(status="open").count() >= 2
    assert chief.filter(warning="red").exists()
    assert (
        selectors.rectifications(person("supervisor")).count()
        == Rectification.objects.filter(status__in=["open", "responded", "verified"]).count()
    )


def test_zhang_san_has_rated_some_cases_and_may_rate_others(person):
    citizen = person("citizen")
    assert Evaluation.objects.filter(rater=citizen).count() >= 3
    rateable = [
        case
        for case in citizen.cases.filter(parent__isnull=True)
        if services.is_rateable(citizen, case)
    ]
    assert rateable  # something left to try


def test_loading_again_adds_nothing(person):
    count = Evaluation.objects.count()
    assert load_ratings() is None
    assert Evaluation.objects.count() == count
