"""What a citizen clicks on the 12345 line (issue 21): 张三, on a phone, files a complaint on
the web, finds its number, and — once the unit's reply has been approved (done through the
services here) — reads the reply and rates it 不满意, so it is handled again; anyone reads
a published board post with its personal data masked. axe on every page; the pages are
photographed on the phone (test-artifacts/)."""

import pytest
from playwright.sync_api import expect

from .conftest import log_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def district(transactional_db):
    """The demo's people and org tree, the line's staff and one subject (城市管理 ›
    市容环境卫生, at 城管委)."""
    from tests.dbcache import rows_of
    from tests.hotline import factories
    from yiwang.demo.loader import load_demo
    from yiwang.hotline.models import Subject

    rows_of("demo", lambda: load_demo(catalog=False))
    parent = Subject.objects.create(code="CS", name="城市管理")
    leaf = factories.make_subject("CS-01", name="市容环境卫生", parent=parent)
    return factories.make_line(), leaf


def test_a_citizen_files_a_complaint_and_rates_the_answer_unsatisfied(
    live_server, district, narrow_page, accessible, screenshot
):
    from tests.hotline.citizen_setup import answer
    from yiwang.hotline.models import Appeal

    line, subject = district
    base, phone = live_server.url, narrow_page
    log_in(phone, base, "citizen")
    phone.goto(f"{base}/hotline/new/")
    expect(phone.get_by_role("heading", name="我要反映问题")).to_be_visible()
    expect(phone.get_by_label("联系电话")).to_have_value("13800000001")
    accessible(phone)
    screenshot(phone, "hotline-new-phone")

    phone.get_by_label("投诉：对某件事或某个单位不满意").check()
    phone.get_by_label("是哪方面的事").select_option(label="市容环境卫生")
    phone.get_by_label("在哪个街道或社区").select_option(label="和平街道（不清楚哪个社区）")
    phone.get_by_label("详细地址（选填）").fill("幸福路12号附近")
    phone.get_by_label("具体情况").fill("小区门口的垃圾三天没有清运，气味很大，请尽快处理。")
    phone.get_by_role("button", name="提交", exact=True).click()

    expect(phone.get_by_role("heading", name="已收到您的诉求")).to_be_visible()
    appeal = Appeal.objects.get()
    expect(phone.locator("#appeal-number")).to_have_text(appeal.number)
    accessible(phone)
    screenshot(phone, "hotline-filed-phone")

    # The unit answers; the dispatcher approves the reply.
    answer(appeal, line, subject, reply="已安排环卫工人清运，并加强巡查。")

    phone.get_by_role("link", name="我的全部诉求").click()
    expect(phone.get_by_text("已答复，请您评价")).to_be_visible()
    phone.get_by_role("link", name="查看答复并评价").click()
    expect(phone.locator(".hl-reply-text")).to_have_text("已安排环卫工人清运，并加强巡查。")
    accessible(phone)
    screenshot(phone, "hotline-answered-phone")
    phone.get_by_label("不满意").check()
    phone.get_by_label("您的意见（选填）").fill("垃圾还在，没人来清运。")
    phone.get_by_role("button", name="提交评价").click()

    expect(phone.get_by_role("heading", name="正在重新办理")).to_be_visible()
    expect(phone.locator("#appeal-status")).to_have_text("正在办理")
    appeal.refresh_from_db()
    assert appeal.status == "handling" and appeal.reopened == 1
    assert appeal.satisfaction == "unsatisfied"
    accessible(phone)
    screenshot(phone, "hotline-reopened-phone")


def test_the_board_shows_a_published_question_and_reply_masked(
    live_server, district, narrow_page, accessible, screenshot
):
    from tests.hotline.citizen_setup import post
    from yiwang.hotline.models import BoardKind
    from yiwang.identity.models import User

    line, subject = district
    appeal = post(
        User.objects.get(username="citizen"),
        line,
        subject,
        title="楼道堆物堵住消防通道",
        text="我是王先生，住3号楼2单元501室，电话13912345678。楼道里堆满了杂物，消防通道被堵。",
        reply="已联系物业清理楼道杂物，并请王先生（13912345678）配合。",
        kind=BoardKind.COMPLAIN,
    )
    base, phone = live_server.url, narrow_page
    phone.goto(f"{base}/board/")
    expect(phone.get_by_role("heading", name="网上留言板")).to_be_visible()
    phone.get_by_role("link", name="楼道堆物堵住消防通道").click()
    expect(phone.get_by_text("消防通道被堵")).to_be_visible()
    expect(phone.get_by_text("已联系物业清理楼道杂物")).to_be_visible()
    text = phone.locator("main").inner_text()
    for secret in ["13912345678", "3号楼2单元501室", "王先生"]:
        assert secret not in text
    assert appeal.number in text
    accessible(phone)
    screenshot(phone, "hotline-board-post-phone")

    phone.goto(f"{base}/board/units/")
    expect(phone.get_by_role("heading", name="各单位答复情况")).to_be_visible()
    accessible(phone)
