"""What catalogue staff click: an admin edits and submits, a reviewer reads the diff and
publishes, the portal shows the new version; axe on every workbench page."""

import pytest
from playwright.sync_api import expect

from .conftest import log_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

CODE = "SCJ-XK-0001"


def test_admin_edits_reviewer_publishes_and_the_portal_shows_it(
    live_server, demo_district, browser, page, accessible, screenshot
):
    from yiwang.catalog.models import ServiceItem

    base = live_server.url
    log_in(page, base, "catalog-admin")
    page.goto(f"{base}/workbench/")
    page.get_by_role("link", name="事项管理（编辑、审核、发布、导入导出）").click()
    assert page.locator("h1").inner_text() == "事项管理"
    accessible(page)
    screenshot(page, "catalog-workbench-list-1280")

    page.get_by_label("名称或编码").fill(CODE)
    page.get_by_role("button", name="筛选").click()
    page.get_by_role("link", name="企业设立登记").click()
    assert page.locator("h1").inner_text() == "企业设立登记"
    accessible(page)
    page.get_by_role("button", name="编辑", exact=True).click()

    assert page.locator("h1").inner_text() == "编辑草稿：企业设立登记"
    accessible(page)
    page.get_by_label("事项名称").fill("企业设立登记（一网通办）")
    page.get_by_label("收费标准").fill("每件10元")
    page.get_by_role("button", name="保存事项信息").click()
    assert "事项信息已保存。" in page.locator(".flash-list").inner_text()
    screenshot(page, "catalog-workbench-editor-1280")
    page.get_by_role("region", name="提交审核").get_by_role("button", name="提交审核").click()
    assert "已提交审核" in page.locator(".flash-list").inner_text()

    reviewer_context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    reviewer = reviewer_context.new_page()
    errors = []
    reviewer.on("console", lambda m: m.type == "error" and errors.append(m.text))
    log_in(reviewer, base, "catalog-reviewer")
    reviewer.goto(f"{base}/workbench/catalog/review/")
    accessible(reviewer)
    reviewer.get_by_role("link", name="企业设立登记（一网通办）").click()
    diff = reviewer.locator("table.wb-diff")
    assert "不收费" in diff.inner_text() and "每件10元" in diff.inner_text()
    assert "企业设立登记（一网通办）" in diff.inner_text()
    accessible(reviewer)
    screenshot(reviewer, "catalog-workbench-review-1280")
    reviewer.get_by_role("region", name="发布").get_by_role("button", name="发布").click()
    assert "第2版已发布" in reviewer.locator(".flash-list").inner_text()
    screenshot(reviewer, "catalog-workbench-history-1280")

    item = ServiceItem.objects.select_related("published").get(code=CODE)
    assert (item.published.number, item.published.name) == (2, "企业设立登记（一网通办）")
    guide = reviewer.goto(f"{base}/items/{CODE}/")
    assert guide.status == 200
    assert "企业设立登记（一网通办）" in reviewer.locator("h1").inner_text()
    reviewer.goto(f"{base}/items/{CODE}/v/1/")
    assert "这是历史版本" in reviewer.locator("main").inner_text()
    reviewer.goto(f"{base}/workbench/catalog/items/{CODE}/v1/")
    assert "已停用" in reviewer.locator("main").inner_text()
    reviewer_context.close()
    assert errors == []


def test_import_page_shows_progress_and_every_error(
    live_server, demo_district, page, accessible, screenshot, tmp_path
):
    from tests.catalog.test_exchange import broken_demo_file

    base = live_server.url
    log_in(page, base, "catalog-admin")
    page.goto(f"{base}/workbench/catalog/import/")
    accessible(page)
    screenshot(page, "catalog-workbench-import-1280")
    page.get_by_label("事项交换文件（.xlsx）").set_input_files(str(broken_demo_file(tmp_path)))
    page.get_by_role("button", name="上传并导入").click()
    page.locator(".import-rejected").wait_for()
    assert "发现 3 处错误，未导入任何数据" in page.locator("#import-status").inner_text()
    expect(page.locator("table.import-errors tbody tr")).to_have_count(3)
    accessible(page)
    screenshot(page, "catalog-workbench-import-errors-1280")
