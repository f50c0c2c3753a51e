"""Every link that leaves the site stands on YIWANG_SITE_URL; production refuses a missing
or unsafe one (docs/configuration.md)."""

import pytest
from django.core import checks
from django.test import override_settings

from yiwang.core import links

PUBLIC = "https://zwfw.example.gov.cn"


@override_settings(YIWANG_SITE_URL="http://127.0.0.1:8301/")
def test_absolute_links_stand_on_the_site_url():
    assert links.absolute("/my/cases/7/") == "http://127.0.0.1:8301/my/cases/7/"


@pytest.mark.parametrize(
    ("host", "port", "url"),
    [
        ("127.0.0.1", 8301, "http://127.0.0.1:8301"),
        ("0.0.0.0", 8000, "http://127.0.0.1:8000"),  # noqa: S104
        ("::", 8000, "http://[::1]:8000"),
        ("demo.lan", 9000, "http://demo.lan:9000"),
    ],
)
def test_the_demo_site_url_is_one_a_browser_here_can_open(host, port, url):
    assert links.demo_site_url(host, port) == url


def test_a_public_https_address_has_no_problems():
    assert links.problems(PUBLIC, allowed_hosts=["zwfw.example.gov.cn"]) == []
    assert links.problems(PUBLIC + "/", allowed_hosts=[".example.gov.cn"]) == []


@pytest.mark.parametrize(
    ("url", "words"),
    [
        ("", "is not set"),
        (None, "is not set"),
        ("http://zwfw.example.gov.cn", "not https"),
        ("https://127.0.0.1:8000", "this machine"),
        ("https://localhost", "this machine"),
        ("https://[::1]", "this machine"),
        ("https://0.0.0.0", "this machine"),
        ("https://yiwang.invalid", "reserved"),
        ("https://example.com", "reserved"),
        ("https://zwfw.example.gov.cn/portal", "no path"),
        ("https://zwfw.example.gov.cn/?a=1", "no path"),
        ("https://admin:pw@zwfw.example.gov.cn", "user name"),
        ("https://other.gov.cn", "ALLOWED_HOSTS"),
        ("https://zwfw.example.gov.cn:port", "not a URL"),
        ("zwfw.example.gov.cn", "not https"),
    ],
)
def test_an_unsafe_site_url_is_named(url, words):
    found = links.problems(url, allowed_hosts=["zwfw.example.gov.cn"])
    assert any(words in problem for problem in found), found


def _errors(deploy: bool):
    return [
        e
        for e in checks.run_checks(include_deployment_checks=deploy, tags=[checks.Tags.security])
        if e.id == "yiwang.E001"
    ]


@override_settings(PRODUCTION=True, YIWANG_SITE_URL="", ALLOWED_HOSTS=["zwfw.example.gov.cn"])
def test_production_refuses_to_run_without_a_site_url():
    assert [e.msg for e in _errors(deploy=False)] == ["YIWANG_SITE_URL is not set"]
    assert len(_errors(deploy=True)) == 1  # said once, not twice


@override_settings(PRODUCTION=True, YIWANG_SITE_URL=PUBLIC, ALLOWED_HOSTS=["zwfw.example.gov.cn"])
def test_production_with_its_public_address_passes():
    assert _errors(deploy=True) == []


@override_settings(PRODUCTION=False, YIWANG_SITE_URL="http://127.0.0.1:8000")
def test_development_runs_on_the_local_default_but_the_deploy_check_says_no():
    assert _errors(deploy=False) == []
    assert any("not https" in e.msg for e in _errors(deploy=True))
