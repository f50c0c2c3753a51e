"""What a supervision order looks like in the browser (issue 7): the district supervisor
drills from the dashboard's red figure to the red case of 市场监管局, opens its “督办”
and issues an order with a requirement; `chief` (市场监管局) finds it on the workbench
and responds; the supervisor closes it. axe on every page, screenshots at 1280 and 360."""

import datetime

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from playwright.sync_api import expect

from .conftest import ARTIFACTS, log_in
from .test_approval import Desk

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

ITEM = "SCJ-XK-0008"  # 食品经营许可（新办）, 市场监管局, promised in 5 working days
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def overdue_case():
    """张三's case, accepted at the district centre ten working days ago: red today."""
    from django.utils import timezone

    from yiwang.catalog.models import ItemVersion
    from yiwang.demo.forms import fill_in
    from yiwang.identity.models import User
    from yiwang.journey.cases import services as cases
    from yiwang.journey.workflow import clocks
    from yiwang.workdays import calendar

    today = timezone.localdate(timezone.now(), calendar.SHANGHAI)
    past = calendar.add_workdays_checked(today, -10).date
    citizen = User.objects.get(username="citizen")
    clerk = User.objects.get(username="clerk")
    version = ItemVersion.objects.get(item__code=ITEM, status="published")
    moment = datetime.datetime.combine(past, datetime.time(10), tzinfo=calendar.SHANGHAI)
    with time_machine.travel(moment, tick=True):
        case = cases.start_case(version.pk, by=citizen)
        fill_in(case, citizen)
        for material in case.materials.exclude(state__in=cases.NOT_ASKED):
            scan = SimpleUploadedFile("scan.pdf", PDF, content_type="application/pdf")
            cases.attach_file(material.pk, by=citizen, uploaded=scan)
        cases.submit(case.pk, by=citizen)
        cases.accept(case.pk, by=clerk)
    clocks.refresh_warnings()
    case.refresh_from_db()
    assert case.warning == "red"
    return case


def open_order_form(desk, case, check, screenshot):
    """From the dashboard's red figure (效能监察) to the cases behind it, then the overdue
    case's “督办”."""
    from yiwang.supervision import rollups

    rollups.run_cycle()  # the worker's rollup job: the dashboard counts the new red case
    page = desk.page
    page.goto(f"{desk.base}/workbench/supervision/")
    red = page.locator('a[data-figure="red"]')
    assert red.locator(".figure-value").inner_text().strip() == "1"
    check(page)
    screenshot(page, "supervision-order-dashboard")
    red.click()
    row = page.locator("table.task-table tbody tr").filter(has_text=case.number)
    assert "红牌" in row.inner_text()
    check(page)
    row.get_by_role("link", name="督办").click()


def test_supervisor_orders_the_department_about_an_overdue_case_chief_responds_supervisor_closes(
    live_server, demo_district, browser, narrow_page, accessible, screenshot
):
    from yiwang.notify.models import Message
    from yiwang.supervision.models import SupervisionOrder

    base = live_server.url
    case = overdue_case()

    # The district supervisor finds the red case and issues an order about it.
    supervisor = Desk(browser, base, "supervisor")
    page = supervisor.page
    open_order_form(supervisor, case, accessible, screenshot)
    expect(page.get_by_role("heading", name="发督办单")).to_be_visible()
    facts = page.locator("section").filter(has=page.get_by_role("heading", name="督办的办件"))
    assert case.number in facts.inner_text() and "红牌" in facts.inner_text()
    assert "示范区市场监督管理局" in page.locator("form.form").inner_text()
    assert case.number in page.get_by_label("督办事由").input_value()
    accessible(page)
    page.get_by_label("督办要求").fill(
        "该办件已超过承诺办结期限，请两个工作日内办结并说明超期原因。"
    )
    page.get_by_label("反馈期限（工作日）").fill("2")
    screenshot(page, "supervision-order-new")
    page.get_by_role("button", name="发出督办单").click()
    assert "已发出" in page.locator(".flash-list").inner_text()
    order = SupervisionOrder.objects.get(case=case)
    assert order.number in page.locator("header.case-head").inner_text()
    assert "剩余2个工作日" in page.locator("header.case-head").inner_text()
    assert Message.objects.filter(
        recipient__username="chief", link__contains=str(order.pk)
    ).exists()
    accessible(page)
    screenshot(page, "supervision-order-issued")

    # The chief of 市场监管局 sees it on the workbench and responds (on a phone).
    log_in(narrow_page, base, "chief")
    narrow_page.goto(f"{base}/workbench/")
    narrow_page.get_by_role("link", name="督办单（本部门待反馈）").click()
    row = narrow_page.locator("table tbody tr").filter(has_text=order.number)
    assert "剩余2个工作日" in row.inner_text()
    accessible(narrow_page)
    screenshot(narrow_page, "supervision-orders-chief")
    row.get_by_role("link", name=order.number).click()
    assert "请两个工作日内办结" in narrow_page.locator("main").inner_text()
    narrow_page.get_by_label("办理情况").fill(
        "已完成现场核查，今日作出准予许可决定，超期系申请人补充材料延误。"
    )
    accessible(narrow_page)
    narrow_page.get_by_role("button", name="提交反馈").click()
    assert "已反馈" in narrow_page.locator(".flash-list").inner_text()
    screenshot(narrow_page, "supervision-order-responded")

    # The supervisor reads the response and closes the order.
    page.goto(f"{base}/workbench/supervision/orders/?status=responded")
    page.locator("table tbody tr").filter(has_text=order.number).get_by_role(
        "link", name=order.number
    ).click()
    assert "今日作出准予许可决定" in page.locator("main").inner_text()
    page.get_by_label("办结意见").fill("反馈属实。")
    page.get_by_role("button", name="反馈属实，办结").click()
    assert "已办结" in page.locator(".flash-list").inner_text()
    assert "已办结" in page.locator("header.case-head").inner_text()
    history = page.locator("ol.order-history").inner_text()
    for words in ("督办", "部门反馈", "办结", "反馈属实。"):
        assert words in history
    accessible(page)
    screenshot(page, "supervision-order-closed")
    order.refresh_from_db()
    assert order.status == "closed" and order.closed_by.username == "supervisor"
    assert (ARTIFACTS / "supervision-order-closed.png").exists()
    supervisor.close()
