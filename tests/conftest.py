import random
from pathlib import Path

import pytest
from django.conf import settings
from django.core.cache import cache
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from rest_framework.test import APIClient

from tests.dbcache import rows_of

# A shared, busy machine makes any example slow now and then: property tests judge what
# the code answers, not how fast (speed lives in bench/).
hypothesis_settings.register_profile(
    "yiwang", deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
hypothesis_settings.load_profile("yiwang")


def pytest_addoption(parser):
    parser.addoption(
        "--shuffle",
        metavar="SEED",
        help="run the tests in an order shuffled with SEED, to show none depends on another",
    )


def pytest_collection_modifyitems(config, items):
    seed = config.getoption("--shuffle")
    if seed is not None:
        # The same seed gives every xdist worker the same order, as xdist requires.
        random.Random(seed).shuffle(items)


@pytest.fixture(autouse=True)
def _language_back_to_chinese():
    """A page visited in English leaves English active in the thread (LocaleMiddleware does
    not switch back); the next test starts in the site's language again."""
    yield
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture
def demo(db):
    """The demo district: org tree from the exchange file and every demo account. Built once
    per test process, then its rows are put back for each test (tests/dbcache.py)."""
    from yiwang.demo.loader import load_demo

    rows_of("demo", lambda: load_demo(catalog=False))


@pytest.fixture
def demo_catalog(db):
    """The demo district with its whole catalogue (209 items, 8 bundles, guides, licence
    types). Built once per test process (~3 s), put back in ~0.2 s after that; a test that
    needs only an item or two uses a cut-down catalogue instead (tests/journey/workflow/conftest.py)."""
    from yiwang.demo.loader import load_demo

    rows_of("demo_catalog", load_demo)


@pytest.fixture
def user_named(db):
    from yiwang.identity.models import User

    return lambda username: User.objects.get(username=username)


@pytest.fixture(autouse=True)
def _fresh_throttles():
    # Throttle counters live in the cache, which outlives a test's database transaction.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _fresh_audit_checkpoints():
    # A signed checkpoint names an event of this test's database, which is gone after it.
    yield
    Path(settings.YIWANG_AUDIT_CHECKPOINT_FILE).unlink(missing_ok=True)


@pytest.fixture
def published(monkeypatch):
    """The live events sent (`yiwang.core.live.publish`) during the test, as (channel,
    payload), each once its transaction committed."""
    import json

    from yiwang.core.live import backends

    sent = []

    class Recorder:
        def send(self, event):
            event = json.loads(event)
            sent.append((event["c"], event["d"]))

    monkeypatch.setattr(backends, "backend", Recorder)
    return sent


@pytest.fixture
def api():
    return APIClient()


@pytest.fixture
def api_as(demo):
    """A client authenticated with the token of the named demo account."""

    def make(username):
        from yiwang.identity import services
        from yiwang.identity.models import User

        client = APIClient()
        token = services.issue_api_token(User.objects.get(username=username))
        client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
        return client

    return make


def pytest_terminal_summary(terminalreporter):
    """Print what tests leave in `user_properties` as ("summary", text), e.g. the counts of
    tests/api/test_contract.py; reports carry them back from xdist workers too."""
    lines = [
        text
        for reports in terminalreporter.stats.values()
        for report in reports
        if getattr(report, "when", None) == "call"
        for name, text in getattr(report, "user_properties", ())
        if name == "summary"
    ]
    if lines:
        terminalreporter.write_sep("=", "summaries")
        for text in lines:
            terminalreporter.write_line(text)
