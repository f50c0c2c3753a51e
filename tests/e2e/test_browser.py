"""What a person clicks: signing in, the workbench, elderly mode; axe on every page."""

import pytest
from playwright.sync_api import expect

from .conftest import log_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_citizen_signs_in_and_reaches_my_space(
    live_server, demo_district, page, narrow_page, accessible, screenshot
):
    base = live_server.url
    page.goto(f"{base}/")
    assert page.locator("h1").inner_text() == "欢迎来到示范区政务服务网"
    accessible(page)
    screenshot(page, "home-1280")

    page.goto(f"{base}/register/")
    page.get_by_role("main").get_by_role("button", name="注册").click()
    expect(page.locator(".error-summary")).to_be_visible()
    accessible(page)
    screenshot(page, "register-errors-1280")

    log_in(page, base, "citizen")
    page.get_by_role("link", name="我的空间").first.click()
    assert page.locator("h1").inner_text() == "我的空间"
    assert "110101********2019" in page.content()
    accessible(page)
    screenshot(page, "my-space-1280")

    page.get_by_role("button", name="显示完整号码").click()
    assert page.locator("#full-id").inner_text() == "110101198503152019"

    narrow_page.goto(f"{base}/")
    accessible(narrow_page)
    screenshot(narrow_page, "home-360")
    log_in(narrow_page, base, "citizen")
    narrow_page.goto(f"{base}/me/")
    screenshot(narrow_page, "my-space-360")


def test_clerk_signs_in_and_reaches_the_workbench(
    live_server, demo_district, page, narrow_page, accessible, screenshot
):
    base = live_server.url
    log_in(page, base, "clerk")
    page.get_by_role("navigation", name="账户与显示设置").get_by_role("link", name="工作台").click()
    assert page.locator("h1").inner_text() == "工作台"
    accessible(page)
    screenshot(page, "workbench-1280")

    page.get_by_role("link", name="示范区政务服务中心").first.click()
    assert page.locator("h1").inner_text() == "示范区政务服务中心"
    accessible(page)

    page.goto(f"{base}/workbench/orgs/")
    accessible(page)

    page.goto(f"{base}/account/otp/")
    expect(page.locator("svg.qr")).to_be_visible()
    accessible(page)
    screenshot(page, "otp-setup-1280")

    log_in(narrow_page, base, "clerk")
    narrow_page.goto(f"{base}/workbench/")
    screenshot(narrow_page, "workbench-360")


def test_elderly_mode_is_one_click_and_stays(
    live_server, demo_district, page, narrow_page, accessible, screenshot
):
    base = live_server.url
    page.goto(f"{base}/")
    page.get_by_role("button", name="适老模式（大字）").click()
    assert "elderly" in page.locator("body").get_attribute("class")
    font_size = page.evaluate("getComputedStyle(document.body).fontSize")
    assert float(font_size.removesuffix("px")) >= 20
    accessible(page)
    screenshot(page, "elderly-home-1280")

    page.get_by_label("搜索办事事项").fill("民政")
    page.get_by_role("search").get_by_role("button", name="搜索").click()
    assert "示范区民政局" in page.content()
    assert "elderly" in page.locator("body").get_attribute("class")
    accessible(page)

    page.get_by_role("button", name="退出适老模式").click()
    assert "elderly" not in (page.locator("body").get_attribute("class") or "")

    narrow_page.goto(f"{base}/")
    narrow_page.get_by_role("button", name="适老模式（大字）").click()
    screenshot(narrow_page, "elderly-home-360")


def test_session_expiry_warning_keeps_the_session(live_server, demo_district, page, settings):
    base = live_server.url
    log_in(page, base, "citizen")
    # Two minutes and a second: the warning is due one second after the page loads.
    settings.SESSION_COOKIE_AGE = 121
    page.goto(f"{base}/me/")
    banner = page.locator("#session-warning")
    banner.wait_for(state="visible", timeout=5_000)
    assert "您的登录即将过期" in banner.inner_text()
    with page.expect_response(lambda r: r.url.endswith("/keepalive/")) as keepalive:
        page.get_by_role("button", name="继续使用").click()
    assert keepalive.value.status == 204
    banner.wait_for(state="hidden")
