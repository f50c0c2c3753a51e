"""Searching as a citizen types: suggestions in the header box, results, the guide, and
the page that helps when nothing is found."""

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_citizen_types_a_colloquial_query_and_opens_the_first_result(
    live_server, demo_district, page, narrow_page, accessible, screenshot
):
    base = live_server.url
    page.goto(f"{base}/")
    box = page.get_by_role("searchbox", name="搜索办事事项")
    box.press_sequentially("残疾证怎么办", delay=40)
    suggestions = page.locator("#site-search-suggestions .suggestion-list")
    suggestions.wait_for()
    assert suggestions.get_by_role("link").first.inner_text().startswith("残疾人证核发")
    screenshot(page, "search-suggestions-1280")

    box.press("Enter")
    page.wait_for_url("**/search/?q=*")
    results = page.locator(".search-results .item-name a")
    assert results.first.inner_text() == "残疾人证核发"
    accessible(page)
    screenshot(page, "search-results-1280")

    results.first.click()
    page.wait_for_url("**/items/CLJ-GG-0001/")
    assert "残疾人证核发" in page.locator("h1").inner_text()

    page.goto(f"{base}/search/?q=火星移民签证")
    expect(page.get_by_role("heading", name="没有找到与“火星移民签证”相关的事项")).to_be_visible()
    expect(page.get_by_role("link", name="12345").first).to_be_visible()
    accessible(page)
    screenshot(page, "search-no-result-1280")

    narrow_page.goto(f"{base}/search/?q=开饭店要什么证")
    assert (
        narrow_page.locator(".search-results .item-name a")
        .first.inner_text()
        .startswith("食品经营许可")
    )
    accessible(narrow_page)
    screenshot(narrow_page, "search-results-360")
