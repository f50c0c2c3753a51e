"""An overdue case owns up in the browser (issue 18, item 7): on 我的办件 and on the case's
page it says it is late, apologises, names 市场监管局 and its phone; the applicant was told
once; they urge (催办) and the timeline shows it. axe on the case page."""

import pytest
from playwright.sync_api import expect

from .conftest import log_in
from .test_supervision_orders import overdue_case

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_an_overdue_case_apologises_and_the_applicant_urges_it(
    live_server, demo_district, page, accessible, screenshot
):
    from yiwang.journey.cases import services as cases
    from yiwang.notify.models import Message

    case = overdue_case()
    assert cases.tell_overdue() == [case.pk]
    assert cases.tell_overdue() == []  # the job's second run tells no one again
    base = live_server.url
    log_in(page, base, "citizen")

    page.goto(f"{base}/my/cases/")
    row = page.locator(".case-next").first
    expect(row).to_contain_text("已超过承诺的办结期限")
    expect(row).to_contain_text("非常抱歉")
    expect(row).to_contain_text("示范区市场监督管理局")
    expect(row).to_contain_text("0999-87650003")
    expect(page.get_by_text("不用操作。承诺在")).to_have_count(0)

    page.goto(f"{base}/my/cases/{case.pk}/")
    expect(page.locator("main")).to_contain_text("已超过承诺的办结期限")
    expect(page.locator("main")).to_contain_text("超期致歉并告知联系方式")
    accessible(page)
    page.get_by_role("button", name="催办").click()
    expect(page.get_by_text("已催办。部门和监察人员已收到")).to_be_visible()
    expect(page.locator("ol.case-timeline")).to_contain_text("申请人催办")
    screenshot(page, "overdue-case-urged-1280")

    page.get_by_role("button", name="催办").click()  # a second time the same day
    expect(page.get_by_text("今天已经催办过")).to_be_visible()
    urged = Message.objects.filter(subject__contains="申请人催办", recipient__username="supervisor")
    assert urged.count() == 1
