"""Dispatching and handling an appeal in the browser (issue 21, parts 3–4; docs/hotline.md
"Dispatching and handling"): the dispatcher takes the suggested unit with one key; the unit
returns it once with a reason; the dispatcher sends it again; the unit signs for it and
replies; the dispatcher approves the reply. axe on the dispatch screen and the unit's
appeal page."""

import datetime

import pytest
import time_machine
from playwright.sync_api import expect

from .conftest import _open, log_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SHANGHAI = datetime.timezone(datetime.timedelta(hours=8))
MONDAY = datetime.datetime(2026, 3, 2, 9, 30, tzinfo=SHANGHAI)  # an ordinary Monday
PASSWORD = "yiwang-demo"


@pytest.fixture
def district(transactional_db):
    from tests.dbcache import rows_of
    from yiwang.demo.loader import load_demo

    rows_of("demo", lambda: load_demo(catalog=False))


@pytest.fixture
def monday():
    with time_machine.travel(MONDAY, tick=True):
        yield


@pytest.fixture
def appeal(district, monday):
    """A subject 市容环境卫生 with 城管委 as its unit, a dispatcher, an agent, a handler at
    城管委, and one appeal on the line waiting for dispatch."""
    from tests.hotline import factories
    from yiwang.hotline import services
    from yiwang.hotline.models import AppealType, Channel
    from yiwang.identity.roles import Role

    subject = factories.make_subject(
        name="市容环境卫生", org=factories.CGW, keywords=["垃圾清运", "垃圾"]
    )
    agent = factories.make_user("e2e-agent", role=Role.HOTLINE_AGENT, password=PASSWORD)
    factories.make_user("e2e-dispatcher", role=Role.DISPATCHER, password=PASSWORD)
    factories.make_user("e2e-handler", role=Role.HANDLER, at=factories.CGW, password=PASSWORD)
    return services.record_appeal(
        by=agent,
        type=AppealType.COMPLAINT,
        text="和平里社区3号楼门口的垃圾三天没有清运，气味很大。",
        channel=Channel.PHONE,
        subject=subject,
        caller_name="王秀英",
        phone="13800138000",
    )


def test_dispatch_return_dispatch_again_accept_reply_approve(
    live_server, browser, page, appeal, accessible, screenshot
):
    from yiwang.hotline.models import Appeal, AppealStatus

    base = live_server.url
    number = appeal.number

    # --- the dispatcher takes the suggestion with one key -----------------------------------
    log_in(page, base, "e2e-dispatcher", PASSWORD)
    page.goto(f"{base}/workbench/hotline/dispatch/")
    expect(page.get_by_role("heading", level=1)).to_have_text("派单台")
    page.get_by_role("link", name=number, exact=True).click()
    expect(page.locator(".hotline-suggest")).to_contain_text("示范区城市管理委员会")
    accessible(page)
    screenshot(page, "hotline-dispatch")
    take = page.get_by_role("button", name="采纳建议并派单")
    expect(take).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator(".flash")).to_contain_text(f"已派单：{number}")
    assert Appeal.objects.get(pk=appeal.pk).status == AppealStatus.DISPATCHED

    # --- the unit returns it once ---------------------------------------------------------
    context, unit, errors = _open(browser, refusals=False, viewport={"width": 1280, "height": 900})
    try:
        log_in(unit, base, "e2e-handler", PASSWORD)
        unit.goto(f"{base}/workbench/hotline/unit/")
        expect(unit.locator("table")).to_contain_text("签收剩余")
        unit.get_by_role("link", name=number, exact=True).click()
        expect(unit.get_by_role("heading", name="退单")).to_be_visible()
        accessible(unit)
        screenshot(unit, "hotline-unit-appeal")
        unit.get_by_label("退单理由").fill("该小区由物业负责清运，请派物业主管部门。")
        unit.get_by_role("button", name="退单", exact=True).click()
        expect(unit.locator(".flash")).to_contain_text("已退单")

        # --- the dispatcher sends it again, with a note -------------------------------------
        page.goto(f"{base}/workbench/hotline/dispatch/")
        row = page.locator("tr", has_text=number)
        expect(row).to_contain_text("已退单1次")
        expect(row).to_contain_text("该小区由物业负责清运")
        row.get_by_role("link", name=number, exact=True).click()
        page.get_by_label("主办单位").select_option(label="示范区城市管理委员会")
        page.get_by_label("派单意见").fill("经核实，小区门口属公共区域，由城管委负责。")
        page.get_by_role("button", name="派单", exact=True).click()
        expect(page.locator(".flash")).to_contain_text(f"已派单：{number}")

        # --- the unit signs for it and replies ------------------------------------------------
        unit.goto(f"{base}/workbench/hotline/unit/")
        unit.locator("tr", has_text=number).get_by_role("button", name="签收").click()
        expect(unit.locator(".flash")).to_contain_text(f"已签收：{number}")
        unit.get_by_role("link", name="办理中").click()
        expect(unit.locator("table")).to_contain_text("办理剩余")
        unit.get_by_role("link", name=number, exact=True).click()
        unit.get_by_label("答复内容").fill("3月2日上午已安排清运，并增加每日巡查。")
        unit.get_by_role("button", name="提交答复").click()
        expect(unit.locator(".flash")).to_contain_text("答复已提交")
        assert errors == [], f"browser console errors: {errors}"
    finally:
        context.close()

    # --- the dispatcher approves the reply ------------------------------------------------------
    page.goto(f"{base}/workbench/hotline/dispatch/?tab=replies")
    page.get_by_role("link", name=number, exact=True).click()
    expect(page.locator("body")).to_contain_text("3月2日上午已安排清运")
    page.get_by_label("审核通过，答复诉求人").check()
    page.get_by_role("button", name="提交审核").click()
    expect(page.locator(".flash")).to_contain_text("已审核通过")
    done = Appeal.objects.get(pk=appeal.pk)
    assert done.status == AppealStatus.ANSWERED and done.returns == 1
