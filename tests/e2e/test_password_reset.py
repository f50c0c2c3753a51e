"""A citizen who forgot the password resets it from the login page with a texted code."""

import re

import pytest
from playwright.sync_api import expect

from .conftest import log_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

NEW_PASSWORD = "Spring-rain-2027"


@pytest.fixture
def demo_people(transactional_db):
    from tests.dbcache import rows_of
    from yiwang.demo.loader import load_demo

    rows_of("demo", lambda: load_demo(catalog=False))


def latest_code_in_the_demo_outbox(phone: str) -> str:
    from yiwang.notify.models import Channel, Message

    body = Message.objects.filter(channel=Channel.SMS, address=phone).latest("id").body
    return re.search(r"验证码是 (\d{6})", body).group(1)


def test_citizen_resets_a_forgotten_password_from_the_login_page(
    live_server, demo_people, page, accessible, screenshot
):
    base = live_server.url
    page.goto(f"{base}/login/")
    page.get_by_role("link", name="忘记密码？").click()
    expect(page.locator("h1")).to_have_text("找回密码")
    accessible(page)
    screenshot(page, "password-reset-1280")

    page.get_by_label("用户名或身份证号码").fill("citizen")
    page.get_by_role("button", name="获取短信验证码").click()
    expect(page.locator("h1")).to_have_text("设置新密码")
    accessible(page)

    code = latest_code_in_the_demo_outbox("13800000001")
    wrong = "000000" if code != "000000" else "111111"
    page.get_by_label("短信验证码").fill(wrong)
    page.get_by_label(re.compile("^新密码")).fill(NEW_PASSWORD)
    page.get_by_label("再次输入新密码").fill(NEW_PASSWORD)
    page.get_by_role("main").get_by_role("button", name="设置新密码").click()
    expect(page.locator(".error-summary")).to_contain_text("验证码不正确或已失效")
    accessible(page)
    screenshot(page, "password-reset-wrong-code-1280")

    page.get_by_label("短信验证码").fill(code)
    page.get_by_label(re.compile("^新密码")).fill(NEW_PASSWORD)
    page.get_by_label("再次输入新密码").fill(NEW_PASSWORD)
    page.get_by_role("main").get_by_role("button", name="设置新密码").click()
    expect(page.locator("h1")).to_have_text("登录")
    expect(page.get_by_text("密码已重设")).to_be_visible()

    log_in(page, base, "citizen", NEW_PASSWORD)
    page.goto(f"{base}/me/")
    expect(page.locator("h1")).to_have_text("我的空间")
