"""The page frame: home, search, modes, error pages, security headers, templates."""

import re
from pathlib import Path

import pytest
from django.test import RequestFactory

import yiwang

pytestmark = pytest.mark.django_db


def test_home_speaks_chinese_and_lists_service_points(client, demo):
    response = client.get("/")
    page = response.content.decode()
    assert response.status_code == 200
    assert page.count('<html lang="zh-hans"') == 1
    assert "欢迎来到示范区政务服务网" in page
    assert "和平街道便民服务中心" in page
    assert "示例市示范区人民路88号" in page  # the district centre's address
    assert "注册账户" in page and 'href="/login/"' in page


def test_every_page_loads_htmx_without_inline_styles(client, demo):
    page = client.get("/").content.decode()
    assert '<script src="/static/web/vendor/htmx.min.js" defer></script>' in page
    config = '{"includeIndicatorStyles":false,"attributesToSettle":["class","width","height"]}'
    assert f"<meta name=\"htmx-config\" content='{config}'>" in page


def test_search_finds_departments_with_address_phone_and_hours(client, demo):
    page = client.get("/search/", {"q": "民政"}).content.decode()
    assert "示范区民政局" in page
    assert "示例市示范区和平路22号" in page
    assert "0999-87650005" in page
    assert "周一至周五 9:00-17:30" in page


def test_search_without_match_says_so(client, demo):
    page = client.get("/search/", {"q": "不存在的机构"}).content.decode()
    # The search is for items now; the no-result page still lists matching service points.
    assert "没有找到与“不存在的机构”相关的事项" in page


def test_elderly_mode_is_kept_in_the_session(client, demo):
    response = client.post("/elderly/", {"next": "/search/"})
    assert response.status_code == 302 and response["Location"] == "/search/"
    assert client.session["yiwang_elderly"] is True
    assert 'class="elderly"' in client.get("/").content.decode()
    assert 'class="elderly"' in client.get("/search/").content.decode()
    client.post("/elderly/")
    assert 'class="elderly"' not in client.get("/").content.decode()


def test_elderly_toggle_refuses_an_outside_redirect(client, demo):
    response = client.post("/elderly/", {"next": "https://evil.example/"})
    assert response["Location"] == "/"


def test_language_switch_to_english_sets_html_lang(client, demo):
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert '<html lang="en">' in client.get("/").content.decode()


def test_404_page_is_chinese_and_uses_the_layout(client, demo):
    response = client.get("/no-such-page/")
    page = response.content.decode()
    assert response.status_code == 404
    assert "页面不存在" in page
    assert "一网 · 示范区政务服务" in page


def test_500_page_needs_no_database():
    from yiwang.web.views import server_error

    # No django_db here: touching the database would fail the test.
    response = server_error(RequestFactory().get("/"))
    assert response.status_code == 500
    assert "系统出错" in response.content.decode()


def test_strict_csp_header_is_sent(client, demo):
    csp = client.get("/")["Content-Security-Policy"]
    assert "script-src 'self'" in csp
    assert "style-src 'self'" in csp
    assert "unsafe-inline" not in csp


def test_signed_in_page_carries_session_age_for_the_expiry_warning(
    client, demo, user_named, settings
):
    client.force_login(user_named("citizen"))
    page = client.get("/").content.decode()
    assert f'data-session-age="{settings.SESSION_COOKIE_AGE}"' in page
    assert 'data-keepalive-url="/keepalive/"' in page
    assert "您的登录即将过期" in page


def test_keepalive_answers_204_for_a_signed_in_user(client, demo, user_named):
    client.force_login(user_named("citizen"))
    assert client.post("/keepalive/").status_code == 204


def test_header_shows_name_space_link_and_unread_count(client, demo, user_named):
    from yiwang.notify import services as notify

    citizen = user_named("citizen")
    notify.site(citizen, "您的申请已受理")
    assert notify.unread_count(citizen) >= 1
    client.force_login(citizen)
    page = client.get("/").content.decode()
    assert "您好，张三" in page
    assert 'href="/me/"' in page
    assert f'<span class="count">{notify.unread_count(citizen)}</span>' in page
    assert 'action="/logout/" method="post"' in page


TEMPLATE_DIRS = [
    Path(yiwang.__file__).parent / app / "templates" for app in ("web", "identity", "notify")
]
INLINE = [
    (re.compile(r"<style", re.I), "inline <style>"),
    (re.compile(r"\sstyle\s*=", re.I), "style= attribute"),
    (re.compile(r"<script(?![^>]*\ssrc=)[^>]*>", re.I), "inline <script>"),
    (re.compile(r"\son[a-z]+\s*=", re.I), "inline event handler"),
    (re.compile(r"javascript:", re.I), "javascript: URL"),
]


def test_no_template_has_inline_script_or_style():
    templates = [p for d in TEMPLATE_DIRS for p in d.rglob("*.html")]
    assert len(templates) > 10
    problems = [
        f"{path.name}: {what}"
        for path in templates
        for pattern, what in INLINE
        if pattern.search(path.read_text())
    ]
    assert problems == []


def test_csrf_failure_page_is_chinese(demo):
    from django.test import Client

    response = Client(enforce_csrf_checks=True).post("/elderly/")
    assert response.status_code == 403
    assert "页面已过期" in response.content.decode()


def test_the_english_switch_translates_the_pages(client, db):
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    page = client.get("/").content.decode()
    assert 'lang="en"' in page
    assert "Service points" in page and "服务网点" not in page


def test_an_english_browser_still_gets_chinese_until_english_is_chosen(client, db):
    page = client.get("/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert 'lang="zh-hans"' in page
