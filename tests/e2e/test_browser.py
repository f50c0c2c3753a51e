"""What a person clicks: signing in, the workbench, elderly mode; axe on every page."""

import re

import pytest
from playwright.sync_api import expect

from .conftest import log_in, open_menu

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
    # The button sends a form: wait for the page it answers with, its stylesheet loaded,
    # before measuring (on a busy machine the old page, or an unstyled one, can be read).
    expect(page.locator("body")).to_have_class(re.compile(r"\belderly\b"))
    page.wait_for_load_state("load")
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
    open_menu(narrow_page)
    narrow_page.get_by_role("button", name="适老模式（大字）").click()
    screenshot(narrow_page, "elderly-home-360")


def test_on_a_phone_in_elderly_mode_the_header_is_one_line_and_keeps_every_link(
    live_server, demo_district, narrow_page, accessible, screenshot
):
    page, base = narrow_page, live_server.url
    log_in(page, base, "citizen")
    page.goto(f"{base}/")
    open_menu(page)
    page.get_by_role("button", name="适老模式（大字）").click()
    # Measured on the page the button's form answers with, once loaded (not the old page
    # with its menu still open).
    expect(page.locator("body")).to_have_class(re.compile(r"\belderly\b"))
    page.wait_for_load_state("load")
    assert "elderly" in page.locator("body").get_attribute("class")

    header = page.locator(".site-header").bounding_box()
    assert header["height"] <= 0.2 * 740, header  # was about half the first screen
    name = page.locator(".brand-name")
    line = float(name.evaluate("e => getComputedStyle(e).lineHeight").removesuffix("px"))
    assert name.bounding_box()["height"] <= line * 1.1  # the site's name does not wrap
    screenshot(page, "elderly-header-360")

    # Every header link is one tap away, and keyboard users reach them the same way.
    menu = page.get_by_role("button", name="菜单")
    assert menu.get_attribute("aria-expanded") == "false"
    menu.focus()
    page.keyboard.press("Enter")
    assert menu.get_attribute("aria-expanded") == "true"
    for link in ["我的空间", "消息"]:
        assert page.get_by_role("link", name=link).first.is_visible(), link
    assert page.get_by_role("button", name="退出适老模式").is_visible()
    assert page.get_by_role("button", name="退出登录").is_visible()
    assert page.get_by_label("搜索办事事项").is_visible()
    accessible(page)
    screenshot(page, "elderly-header-open-360")
    page.keyboard.press("Escape")
    assert menu.get_attribute("aria-expanded") == "false"
    assert not page.get_by_role("button", name="退出登录").is_visible()

    page.get_by_role("button", name="菜单").click()
    page.get_by_role("link", name="我的空间", exact=True).click()
    assert page.url.endswith("/me/")


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
