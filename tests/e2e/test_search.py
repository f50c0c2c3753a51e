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


def test_a_life_event_shows_its_bundle_first_and_folds_the_weaker_results(
    live_server, demo_district, page, narrow_page, accessible, screenshot
):
    base = live_server.url
    page.goto(f"{base}/search/?q=家里老人去世了")
    first = page.locator("main .item-name a").first
    assert first.inner_text() == "身后一件事"
    accessible(page)
    screenshot(page, "search-bundle-first-1280")
    first.click()
    page.wait_for_url("**/bundles/YJS-0007/")
    assert "身后一件事" in page.locator("h1").inner_text()

    narrow_page.goto(f"{base}/search/?q=我要办身份证")
    results = narrow_page.locator(".search-results .item-name a")
    assert results.first.inner_text() == "居民身份证申领"
    assert results.count() <= 5
    more = narrow_page.locator("details.search-more")
    folded = more.locator(".item-name a").first
    expect(folded).to_be_hidden()
    more.locator("summary").click()
    expect(folded).to_be_visible()
    assert "更多相关" in more.locator("summary").inner_text()
    accessible(narrow_page)
    screenshot(narrow_page, "search-folded-360")


def test_an_admin_adds_a_missed_search_as_a_keyword(live_server, demo_district, page):
    from tests.e2e.conftest import log_in

    base = live_server.url
    page.goto(f"{base}/search/?q=卖文具")
    expect(page.get_by_role("heading", name="没有找到与“卖文具”相关的事项")).to_be_visible()
    log_in(page, base, "catalog-admin")
    page.goto(f"{base}/workbench/catalog/search/")
    row = page.get_by_role("row").filter(has_text="卖文具")
    row.get_by_label("把“卖文具”加到哪个事项（事项编码）").fill("SCJ-XK-0005")
    row.get_by_role("button", name="加为关键词").click()
    expect(page.get_by_text("已把“卖文具”加入事项“个体工商户设立登记”")).to_be_visible()
