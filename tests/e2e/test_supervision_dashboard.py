"""What the supervisor clicks (issue 7: 电子监察): the district supervisor opens 效能监察,
sees the red figure, follows it to the overdue case behind it, and the street supervisor
sees only their street. Charts are drawn under the strict CSP (no console errors); axe on
the dashboard and the drill-down; screenshots at 1280 and 360."""

import datetime

import pytest
import time_machine
from playwright.sync_api import expect

from .conftest import log_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

OVERDUE_ITEM = "SCJ-XK-0005"  # 个体工商户设立登记: promised the same day, 市场监管局


def _overdue_case():
    """Filed and accepted three working days ago (promised that day), never decided: red."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from yiwang.catalog.models import ItemVersion
    from yiwang.demo.forms import fill_in
    from yiwang.identity.models import User
    from yiwang.journey.cases import services as cases
    from yiwang.journey.workflow import clocks
    from yiwang.supervision import rollups
    from yiwang.workdays import calendar

    citizen = User.objects.get(username="citizen")
    clerk = User.objects.get(username="clerk")
    version = ItemVersion.objects.get(item__code=OVERDUE_ITEM, status="published")
    today = clocks.today()
    day = calendar.add_workdays_checked(today, -3).date
    at = datetime.datetime.combine(day, datetime.time(10), tzinfo=calendar.SHANGHAI)
    with time_machine.travel(at, tick=False):
        case = cases.start_case(version.pk, by=citizen)
        fill_in(case, citizen)
        for material in case.materials.exclude(state__in=cases.NOT_ASKED):
            scan = SimpleUploadedFile(
                "scan.pdf", b"%PDF-1.4\n%%EOF\n", content_type="application/pdf"
            )
            cases.attach_file(material.pk, by=citizen, uploaded=scan)
        cases.submit(case.pk, by=citizen)
    with time_machine.travel(at + datetime.timedelta(hours=2), tick=False):
        cases.accept(case.pk, by=clerk)
    clocks.refresh_warnings()
    rollups.run_cycle()
    case.refresh_from_db()
    assert case.warning == "red"
    return case


def test_the_supervisor_drills_from_the_red_figure_to_the_overdue_case(
    live_server, demo_district, browser, page, narrow_page, accessible, screenshot
):
    case = _overdue_case()
    base = live_server.url

    log_in(page, base, "supervisor")
    page.goto(f"{base}/workbench/")
    page.get_by_role("link", name="效能监察（预警、超期、满意率，可导出）").click()
    assert page.get_by_role("heading", level=1).inner_text() == "效能监察"
    red = page.locator('a[data-figure="red"]')
    assert "红牌超期" in red.inner_text()
    assert red.locator(".figure-value").inner_text() == "1"
    # The charts are drawn on top of the tables (and the CSP let them).
    page.wait_for_selector("html.charts-drawn")
    expect(page.locator("#chart-series canvas")).to_have_count(1)
    accessible(page)
    screenshot(page, "supervision-dashboard")

    red.click()
    assert "figure=red" in page.url
    assert page.get_by_role("heading", level=1).inner_text() == "红牌超期"
    row = page.locator("table.task-table tbody tr").filter(has_text=case.number)
    expect(row).to_have_count(1)
    assert "已超期" in row.inner_text()
    accessible(page)
    screenshot(page, "supervision-red-cases")
    row.get_by_role("link", name=case.number, exact=True).click()
    assert f"/workbench/cases/{case.pk}/" in page.url

    # The street supervisor watches 和平街道: the district centre's overdue case is not theirs.
    log_in(narrow_page, base, "street-supervisor")
    narrow_page.goto(f"{base}/workbench/supervision/")
    assert narrow_page.locator('a[data-figure="red"] .figure-value').inner_text() == "0"
    screenshot(narrow_page, "supervision-dashboard-street")
    narrow_page.goto(f"{base}/workbench/supervision/cases/?figure=red")
    assert "没有符合条件的办件" in narrow_page.locator("main").inner_text()
