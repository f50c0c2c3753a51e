"""The server log and the cache: a refusal is one line; user text in cache keys never
upsets a cache server."""

import logging
import warnings

import pytest
from django.core.cache import cache
from django.core.cache.backends.base import CacheKeyWarning, memcache_key_warnings
from hypothesis import given
from hypothesis import strategies as st

from yiwang.core import cachekeys


def test_a_refusal_is_one_line_in_the_server_log(client, demo, user_named, caplog):
    client.force_login(user_named("citizen"))
    with caplog.at_level(logging.WARNING, logger="django.request"):
        response = client.get("/workbench/")
    assert response.status_code == 403
    [record] = [r for r in caplog.records if r.name == "django.request"]
    line = logging.Formatter().format(record)
    assert line == "Forbidden (Permission denied): /workbench/"
    assert "Traceback" not in caplog.text


def test_a_server_error_keeps_its_traceback(caplog):
    logger = logging.getLogger("django.request")
    try:
        raise RuntimeError("boom")
    except RuntimeError:
        with caplog.at_level(logging.ERROR, logger="django.request"):
            logger.error("Internal Server Error: /x/", exc_info=True, extra={"status_code": 500})
    assert "Traceback" in caplog.text


@pytest.mark.parametrize(
    "key",
    ["search:营业 执照:all", "q=a b\tc", "x" * 300, "case:7:\x00", "page?q=办 证&p=2"],
)
def test_keys_with_user_text_are_stored_without_a_warning(key):
    with warnings.catch_warnings():
        warnings.simplefilter("error", CacheKeyWarning)
        cache.set(key, "value", 5)
        assert cache.get(key) == "value"
        cache.delete(key)
    assert cache.get(key) is None


def test_a_plain_key_stays_readable():
    assert cachekeys.make_key("catalog:generation", "", 1) == ":1:catalog:generation"


@given(key=st.text(max_size=400), prefix=st.sampled_from(["", "yiwang", "a b"]))
def test_every_key_passes_memcached_rules(key, prefix):
    made = cachekeys.make_key(key, prefix, 1)
    assert list(memcache_key_warnings(made)) == []
    assert made.isascii()


@given(a=st.text(max_size=300), b=st.text(max_size=300))
def test_different_keys_stay_different(a, b):
    if a != b:
        assert cachekeys.make_key(a, "", 1) != cachekeys.make_key(b, "", 1)
