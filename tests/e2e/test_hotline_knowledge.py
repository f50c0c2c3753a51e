"""What the line's staff click in the knowledge base (docs/hotline.md, "The knowledge
base"): a handler searches, opens an article of their unit, edits it, and finds both
versions in its history; an agent's search finds the new text; a citizen reads 常见问题.
axe on every page."""

import pytest

from tests.hotline.knowledge_fixtures import build_kb

from .conftest import log_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

NEW_ANSWER = "大件垃圾请提前一天通过社区或网上办事平台预约，清运单位按约定时间上门收运。"


def test_a_handler_searches_edits_and_the_history_keeps_both(
    live_server, demo_district, page, accessible, screenshot
):
    articles = build_kb()
    base = live_server.url
    log_in(page, base, "kb-handler-cgw")
    page.goto(f"{base}/workbench/hotline/knowledge/")
    assert page.locator("h1").inner_text() == "热线知识库"
    accessible(page)

    page.get_by_label("搜索问题或答复").fill("旧沙发怎么扔")
    page.get_by_role("main").get_by_role("button", name="搜索", exact=True).click()
    first = page.locator("table.kb-list tbody tr").first
    assert first.get_attribute("data-article") == str(articles["K001"].pk)
    screenshot(page, "hotline-knowledge-list-1280")
    first.get_by_role("link").click()

    assert page.locator("h1").inner_text() == articles["K001"].question
    accessible(page)
    page.get_by_role("link", name="修改文章").click()
    accessible(page)
    page.get_by_label("标准答复").fill(NEW_ANSWER)
    page.get_by_role("button", name="保存").click()

    assert "修改已保存。" in page.locator(".flash-list").inner_text()
    history = page.get_by_role("region", name="版本记录")
    assert "第 2 版" in history.inner_text()
    history.get_by_text("第 1 版").click()  # open the old version
    assert articles["K001"].answer in history.inner_text()
    screenshot(page, "hotline-knowledge-article-1280")


def test_an_agent_finds_the_answer_and_a_citizen_reads_the_faq(
    live_server, demo_district, page, accessible
):
    articles = build_kb()
    base = live_server.url
    log_in(page, base, "kb-agent")
    page.goto(f"{base}/workbench/hotline/knowledge/search/?q=押金不退")
    assert page.locator("li.kb-result").first.get_attribute("data-article") == str(
        articles["K004"].pk
    )
    page.goto(f"{base}/hotline/faq/")
    accessible(page)
    page.get_by_label("您想问什么？").fill("身份证丢了")
    page.get_by_role("main").get_by_role("button", name="搜索", exact=True).click()
    entry = page.locator(".faq-entry").first
    entry.get_by_text(articles["K019"].question).click()
    assert "补" in entry.inner_text()
    accessible(page)
