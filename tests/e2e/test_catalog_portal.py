"""What a citizen clicks in the catalogue: home → hot item → guide, elderly mode, bundles;
axe on every page and screenshots at desktop and phone width."""

import re

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_citizen_finds_a_hot_item_and_reads_its_guide(
    live_server, demo_district, page, narrow_page, accessible, screenshot
):
    base = live_server.url
    page.goto(f"{base}/")
    expect(page.get_by_role("heading", name="热门事项")).to_be_visible()
    expect(page.get_by_label("输入事项名称或关键词", exact=False)).to_be_visible()
    accessible(page)
    screenshot(page, "portal-home-1280")

    hot = page.locator("#hot-title + ul .item-name a").first
    name = hot.inner_text()
    hot.click()
    assert page.locator("h1").inner_text() == name
    expect(page.get_by_role("heading", name="申请材料")).to_be_visible()
    materials = page.locator(".materials-table tbody tr").count()
    assert materials >= 1
    expect(page.get_by_role("link", name="打印/下载办事指南(PDF)")).to_be_visible()
    accessible(page)
    screenshot(page, "portal-guide-1280")

    page.get_by_role("button", name="适老模式（大字）").click()
    expect(page.locator("body")).to_have_class(re.compile(r"\belderly\b"))  # the new page
    assert "elderly" in page.locator("body").get_attribute("class")
    assert page.locator("h1").inner_text() == name
    table = page.locator(".materials-table")
    expect(table).to_be_visible()
    expect(table.locator("tbody tr")).to_have_count(materials)
    accessible(page)
    screenshot(page, "portal-guide-elderly-1280")
    page.get_by_role("button", name="退出适老模式").click()

    page.goto(f"{base}/bundles/YJS-0001/")
    assert page.locator("h1").inner_text() == "开办餐饮店一件事"
    assert "主办事项依次办理，并联事项同时办理" in page.content()
    accessible(page)
    screenshot(page, "portal-bundle-1280")

    page.goto(f"{base}/levels/district/")
    expect(page.get_by_role("navigation", name="分页")).to_be_visible()
    accessible(page)
    screenshot(page, "portal-level-1280")

    narrow_page.goto(f"{base}/")
    accessible(narrow_page)
    screenshot(narrow_page, "portal-home-360")
    narrow_page.goto(f"{base}/items/SCJ-XK-0001/")
    accessible(narrow_page)
    screenshot(narrow_page, "portal-guide-360")
    narrow_page.goto(f"{base}/bundles/YJS-0001/")
    accessible(narrow_page)
    screenshot(narrow_page, "portal-bundle-360")
    width = narrow_page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, "the bundle page scrolls sideways on a phone"
