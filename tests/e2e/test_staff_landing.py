"""Staff sign in to their work, not to the public home page (issue 18, item 11): the main
queue of their role at first, then the queue they opened last; ?next= still wins."""

import re

import pytest
from playwright.sync_api import expect

from .conftest import log_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_staff_land_on_their_queue_and_citizens_on_the_home_page(live_server, demo_district, page):
    base = live_server.url
    log_in(page, base, "clerk")
    expect(page).to_have_url(f"{base}/workbench/intake/")
    expect(page.get_by_role("heading", level=1)).to_have_text("综合窗口受理队列")

    page.context.clear_cookies()
    log_in(page, base, "citizen")
    expect(page).to_have_url(f"{base}/")


def test_staff_return_to_the_queue_they_opened_last(live_server, demo_district, page):
    base = live_server.url
    log_in(page, base, "chief")
    expect(page).to_have_url(f"{base}/workbench/tasks/")  # an approver's main queue
    page.goto(f"{base}/workbench/tasks/department/")
    expect(page.get_by_role("heading", level=1)).to_have_text("本部门任务")

    page.context.clear_cookies()
    log_in(page, base, "chief")
    expect(page).to_have_url(f"{base}/workbench/tasks/department/")


def test_an_explicit_next_still_wins(live_server, demo_district, page):
    base = live_server.url
    page.goto(f"{base}/workbench/orgs/")
    expect(page).to_have_url(re.compile(r"/login/\?next="))
    page.get_by_label("用户名").fill("clerk")
    page.get_by_label("密码").fill("yiwang-demo")
    page.get_by_role("main").get_by_role("button", name="登录").click()
    expect(page).to_have_url(f"{base}/workbench/orgs/")
