"""The 12345 line's whole story in a browser (issue 21, "done means"; docs/hotline.md), every
role through its own pages and nothing done behind them:

1. the agent records a call that is a 咨询 and closes it on the spot with the knowledge-base
   article offered as the text is typed (直接答复办结);
2. a citizen files a complaint on the web and gets its number;
3. the dispatcher takes the classifier's suggested unit with one key;
4. that unit returns it (退单) with its reason, which the dispatcher reads in the queue and
   on the dispatch screen, and sends it to the right unit;
5. the unit signs for it and replies; 6. the dispatcher approves the reply;
7. the citizen reads it, rates it 不满意 and it is handled again;
8. the unit replies again, the dispatcher approves, the citizen rates it 满意: closed;
9. the citizen asks on the message board, the line answers, and anyone signed out reads the
   question and the reply with the name, the phone and the house number masked.

The setup builds only what the line needs before its first call: the demo district's people
and org tree, the subject tree of categories.yaml, the knowledge base of knowledge.yaml, the
demo's 180 past appeals and the dispatch classifier trained on them."""

import datetime

import pytest
import time_machine
import yaml
from playwright.sync_api import expect

from .conftest import _open, log_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SHANGHAI = datetime.timezone(datetime.timedelta(hours=8))
MONDAY = datetime.datetime(2026, 11, 2, 9, 30, tzinfo=SHANGHAI)  # an ordinary working Monday
PASSWORD = "yiwang-demo"
CGW = "示范区城市管理委员会"
ZJW = "示范区住房和城乡建设委员会"

# What the citizen writes: a phone number, a house number and (on the board) a name.
COMPLAINT = (
    "我家住幸福小区3号楼2单元501室，楼下的垃圾桶已经三天没有清运了，垃圾堆到地上，"
    "气味很大。我的电话13912345678，请尽快处理。"
)
RETURN_REASON = "经现场核实，垃圾桶在幸福小区院内，由小区物业负责清运，不属城管委职责，请改派。"
FIRST_REPLY = "经核查，幸福小区物业因清运车辆故障未按时清运，我委已责令物业当日清运完毕。"
SECOND_REPLY = "我委已约谈物业负责人，垃圾已全部清运，今后每天清运两次，社区每日巡查。"
BOARD_TITLE = "旧沙发和床垫怎么扔？"
BOARD_TEXT = (
    "我叫李明，住和平里小区8号楼1单元302室，电话13712345678。家里换了新沙发，"
    "旧沙发和床垫想扔掉，请问大件垃圾怎么处理，找谁预约？"
)
BOARD_REPLY = (
    "李先生您好：大件垃圾可在街道便民服务中心预约清运，清运单位按约定时间上门收运。"
    "社区工作人员会按您留的电话13712345678与您联系。"
)
SECRETS = [
    "13912345678",
    "13712345678",
    "3号楼2单元501室",
    "8号楼1单元302室",
    "李明",
    "李先生",
    "张三",  # the citizen's account name
]


def _read(name):
    from tests.hotline.demo_appeals import DATA

    return yaml.safe_load((DATA / name).read_text(encoding="utf-8"))


@pytest.fixture
def monday():
    with time_machine.travel(MONDAY, tick=True):
        yield


@pytest.fixture
def line(transactional_db, monday):
    """On that Monday: the demo district, the line's subjects, knowledge base and classifier,
    and its staff: an agent, a dispatcher, a handler at 城管委 and one at 住建委 (demo
    password)."""
    from tests.dbcache import rows_of
    from tests.hotline import factories
    from tests.hotline.demo_appeals import load_appeals
    from yiwang.demo.loader import load_demo
    from yiwang.hotline import knowledge, knowledge_index, subjects, suggest
    from yiwang.identity.roles import Role

    rows_of("demo", lambda: load_demo(catalog=False))
    subjects.sync(_read("categories.yaml"))
    articles = knowledge.load_articles(_read("knowledge.yaml"))
    load_appeals()  # the demo's past appeals, closed by the units the data names
    trained = suggest.train_from_appeals()
    assert trained is not None and trained.samples == 180
    factories.make_user("story-agent", role=Role.HOTLINE_AGENT, password=PASSWORD)
    factories.make_user("story-dispatcher", role=Role.DISPATCHER, password=PASSWORD)
    factories.make_user("story-cgw", role=Role.HANDLER, at=factories.CGW, password=PASSWORD)
    factories.make_user("story-zjw", role=Role.HANDLER, at=factories.ZJW, password=PASSWORD)
    yield {"article": articles["K001"]}  # 家里的旧沙发、床垫等大件垃圾怎么处理？
    knowledge_index.forget()
    suggest.invalidate()


@pytest.fixture
def people(browser, live_server):
    """A browser of its own for each person, signed in as them (the visitor is not); no
    page may log an error in any of them."""
    opened = []

    def person(username=None):
        context, page, errors = _open(browser, viewport={"width": 1280, "height": 900})
        opened.append((context, errors))
        if username:
            log_in(page, live_server.url, username, PASSWORD)
            expect(page.get_by_role("button", name="退出登录")).to_be_visible()
        return page

    yield person
    found = [error for context, errors in opened for error in errors]
    for context, _errors in opened:
        context.close()
    assert found == [], f"browser console errors: {found}"


def _flash(page):
    return page.locator(".flash")


def _dispatch_queue(page, base):
    page.goto(f"{base}/workbench/hotline/dispatch/")
    expect(page.get_by_role("heading", level=1)).to_have_text("派单台")


def _unit_queue(page, base, tab=""):
    page.goto(f"{base}/workbench/hotline/unit/" + (f"?tab={tab}" if tab else ""))
    expect(page.get_by_role("heading", level=1)).to_have_text("本单位诉求")


def _take_suggestion(dispatcher, base, number, *, unit, subject):
    """The dispatcher opens the appeal from the queue and takes the suggestion with Enter."""
    _dispatch_queue(dispatcher, base)
    dispatcher.get_by_role("link", name=number, exact=True).click()
    expect(dispatcher.get_by_role("heading", level=1)).to_contain_text("派单")
    take = dispatcher.locator(".hotline-take")
    expect(take).to_contain_text(f"{subject}，主办：{unit}")
    expect(dispatcher.locator(".hotline-suggest ol").last.locator("li").first).to_contain_text(unit)
    expect(take.get_by_role("button", name="采纳建议并派单")).to_be_focused()
    dispatcher.keyboard.press("Enter")
    expect(_flash(dispatcher)).to_contain_text(f"已派单：{number} → {unit}")


def _accept_and_reply(handler, base, number, reply, *, sign=True):
    """The unit signs for the appeal in its list (unless it holds it already), opens it
    from 办理中 and replies."""
    if sign:
        _unit_queue(handler, base)
        handler.locator("tr", has_text=number).get_by_role("button", name="签收").click()
        expect(_flash(handler)).to_contain_text(f"已签收：{number}")
    _unit_queue(handler, base, "handling")
    handler.locator("tr", has_text=number).get_by_role("link", name=number, exact=True).click()
    handler.get_by_label("答复内容").fill(reply)
    handler.get_by_role("button", name="提交答复").click()
    expect(_flash(handler)).to_contain_text("答复已提交")


def _approve(dispatcher, base, number, reply):
    dispatcher.goto(f"{base}/workbench/hotline/dispatch/?tab=replies")
    dispatcher.get_by_role("link", name=number, exact=True).click()
    expect(dispatcher.get_by_role("region", name="承办单位", exact=True)).to_contain_text(reply)
    dispatcher.get_by_label("审核通过，答复诉求人").check()
    dispatcher.get_by_role("button", name="提交审核").click()
    expect(_flash(dispatcher)).to_contain_text(f"已审核通过，答复已告知诉求人：{number}")


def test_the_line_from_the_first_call_to_the_published_board_post(live_server, line, people):
    from yiwang.hotline import masking
    from yiwang.hotline.models import Appeal, AppealStatus, Article, Resolution

    base = live_server.url
    article = line["article"]

    # --- 1. the agent closes a 咨询 with the knowledge base's answer ---------------------------
    agent = people("story-agent")
    agent.goto(f"{base}/workbench/hotline/console/")
    expect(agent.get_by_role("heading", level=1)).to_contain_text("话务登记")
    agent.get_by_label("来电号码").fill("13600136000")
    expect(agent.locator("#console-history")).to_contain_text("首次来电")
    # The panel answers the text, then the type: each answer is awaited, so nothing is asked
    # while the call is saved (a live server on SQLite shares one connection).
    knowledge = agent.locator("#console-knowledge")
    agent.get_by_label("诉求内容").fill("家里的旧沙发和床垫想扔掉，应该怎么处理？")
    expect(knowledge.locator("li").first).to_contain_text(article.question)
    expect(knowledge).to_contain_text("只有“咨询”可以用知识库直接答复办结")
    agent.get_by_label("诉求类型").select_option(label="咨询")
    offered = knowledge.locator("li", has_text=article.question)
    answer = offered.get_by_role("button", name="直接答复办结")
    expect(answer).to_be_visible()
    answer.click()
    recorded = agent.get_by_test_id("recorded")
    expect(recorded).to_contain_text("已登记并直接答复办结")
    expect(recorded).to_contain_text("咨询")
    expect(recorded).to_contain_text("已办结")
    consult = agent.get_by_test_id("appeal-number").inner_text()
    closed = Appeal.objects.get(pk=Appeal.id_of_number(consult))
    assert closed.status == AppealStatus.CLOSED and closed.resolution == Resolution.DIRECT
    assert closed.reply == article.answer
    assert Article.objects.get(pk=article.pk).uses == 1
    recorded.get_by_role("link", name="查看诉求").click()
    expect(agent.locator(".case-head .case-status")).to_have_text("已办结")
    expect(agent.get_by_role("region", name="承办单位", exact=True)).to_contain_text(article.answer)
    agent.goto(f"{base}/workbench/hotline/knowledge/{article.pk}/")
    expect(agent.locator("dt", has_text="引用次数").locator("+ dd")).to_have_text("1")

    # --- 2. a citizen files a complaint on the web -------------------------------------------
    citizen = people("citizen")
    citizen.goto(f"{base}/hotline/new/")
    expect(citizen.get_by_role("heading", name="我要反映问题")).to_be_visible()
    citizen.get_by_label("投诉：对某件事或某个单位不满意").check()
    citizen.get_by_label("是哪方面的事").select_option(label="不清楚，请工作人员帮我分类")
    citizen.get_by_label("在哪个街道或社区").select_option(label="和平街道（不清楚哪个社区）")
    citizen.get_by_label("详细地址（选填）").fill("幸福小区")
    citizen.get_by_label("具体情况").fill(COMPLAINT)
    citizen.get_by_role("button", name="提交", exact=True).click()
    expect(citizen.get_by_role("heading", name="已收到您的诉求")).to_be_visible()
    number = citizen.locator("#appeal-number").inner_text()
    appeal = Appeal.objects.get(pk=Appeal.id_of_number(number))
    assert appeal.number == number and appeal.citizen.username == "citizen"
    citizen.get_by_role("link", name="查看办理进度").click()
    expect(citizen.locator("#appeal-status")).to_have_text("已收到，正在分派给办理单位")

    # --- 3. the dispatcher takes the suggested unit with one key --------------------------------
    dispatcher = people("story-dispatcher")
    _take_suggestion(dispatcher, base, number, unit=CGW, subject="市容环境卫生")

    # --- 4. 城管委 returns it with its reason; the dispatcher sends it to 住建委 ----------------
    cgw = people("story-cgw")
    _unit_queue(cgw, base)
    cgw.locator("tr", has_text=number).get_by_role("link", name=number, exact=True).click()
    expect(cgw.get_by_role("heading", name="退单")).to_be_visible()
    cgw.get_by_label("退单理由").fill(RETURN_REASON)
    cgw.get_by_role("button", name="退单", exact=True).click()
    expect(_flash(cgw)).to_contain_text(f"已退单：{number}")
    expect(cgw.get_by_role("link", name=number, exact=True)).to_have_count(0)  # not theirs now

    _dispatch_queue(dispatcher, base)
    row = dispatcher.locator("tr", has_text=number)
    expect(row).to_contain_text("已退单1次")
    expect(row).to_contain_text(f"{CGW}：{RETURN_REASON}")
    row.get_by_role("link", name=number, exact=True).click()
    expect(dispatcher.locator(".hotline-returns")).to_contain_text(RETURN_REASON)
    dispatcher.get_by_label("诉求分类").select_option(label="ZF-01 住房建设·物业管理")
    dispatcher.get_by_label("主办单位").select_option(label=ZJW)
    dispatcher.get_by_label("派单意见").fill("小区院内垃圾由物业清运，请督促物业处理。")
    dispatcher.get_by_role("button", name="派单", exact=True).click()
    expect(_flash(dispatcher)).to_contain_text(f"已派单：{number} → {ZJW}")

    citizen.reload()
    expect(citizen.locator("#appeal-status")).to_have_text("已转交办理单位")
    expect(citizen.locator("main")).not_to_contain_text(RETURN_REASON)  # internal

    # --- 5. 住建委 signs for it and replies; 6. the dispatcher approves ------------------------
    zjw = people("story-zjw")
    _accept_and_reply(zjw, base, number, FIRST_REPLY)
    citizen.reload()
    expect(citizen.locator("#appeal-status")).to_have_text("办理单位已答复，正在审核")
    expect(citizen.locator("main")).not_to_contain_text(FIRST_REPLY)  # not before review
    _approve(dispatcher, base, number, FIRST_REPLY)

    # --- 7. the citizen reads the reply and rates it 不满意: handled again --------------------
    citizen.goto(f"{base}/my/appeals/")
    expect(citizen.locator("main")).to_contain_text("已答复，请您评价")
    citizen.goto(f"{base}/my/appeals/{number}/")
    expect(citizen.locator("#appeal-status")).to_have_text("已答复，请您评价")
    expect(citizen.locator(".hl-reply-text")).to_have_text(FIRST_REPLY)
    expect(citizen.locator(".hl-reply")).to_contain_text(f"答复单位：{ZJW}")
    citizen.get_by_label("不满意").check()
    citizen.get_by_label("您的意见（选填）").fill("垃圾还是没人清运。")
    citizen.get_by_role("button", name="提交评价").click()
    expect(_flash(citizen)).to_contain_text("诉求已重新交给办理单位办理")
    expect(citizen.get_by_role("heading", name="正在重新办理")).to_be_visible()
    expect(citizen.locator("#appeal-status")).to_have_text("正在办理")
    expect(citizen.get_by_role("button", name="提交评价")).to_have_count(0)

    # --- 8. replied again, approved, rated 满意: closed -----------------------------------------
    _accept_and_reply(zjw, base, number, SECOND_REPLY, sign=False)
    _approve(dispatcher, base, number, SECOND_REPLY)
    citizen.reload()
    expect(citizen.locator("#appeal-status")).to_have_text("已答复，请您评价")
    expect(citizen.locator(".hl-reply-text")).to_have_text(SECOND_REPLY)
    citizen.get_by_label("满意", exact=True).check()
    citizen.get_by_role("button", name="提交评价").click()
    expect(_flash(citizen)).to_contain_text("感谢您的评价！诉求已办结。")
    expect(citizen.locator("#appeal-status")).to_have_text("已办结")
    expect(citizen.get_by_role("region", name="您的评价", exact=True)).to_contain_text("满意")
    appeal.refresh_from_db()
    assert appeal.status == AppealStatus.CLOSED and appeal.resolution == Resolution.HANDLED
    assert (appeal.returns, appeal.reopened, appeal.satisfaction) == (1, 1, "satisfied")
    assert appeal.lead_unit.name == ZJW

    # --- 9. the message board: asked, answered, published masked ------------------------------
    citizen.goto(f"{base}/board/new/")
    expect(citizen.get_by_role("heading", name="我要留言")).to_be_visible()
    expect(citizen.get_by_label("联系电话（不公开）")).to_have_value("13800000001")
    citizen.get_by_label("我要问：问政策、问怎么办").check()
    citizen.get_by_label("标题").fill(BOARD_TITLE)
    citizen.get_by_label("留言内容").fill(BOARD_TEXT)
    citizen.get_by_label("所在街道或社区（选填）").select_option(label="和平街道（不清楚哪个社区）")
    citizen.get_by_role("button", name="提交留言").click()
    expect(citizen.get_by_role("heading", name="已收到您的留言")).to_be_visible()
    post = citizen.locator("#appeal-number").inner_text()

    visitor = people()
    visitor.goto(f"{base}/board/")
    expect(visitor.get_by_role("heading", name="网上留言板")).to_be_visible()
    expect(visitor.get_by_role("link", name=BOARD_TITLE)).to_have_count(0)  # not yet answered

    _take_suggestion(dispatcher, base, post, unit=CGW, subject="市容环境卫生")
    _accept_and_reply(cgw, base, post, BOARD_REPLY)
    dispatcher.goto(f"{base}/workbench/hotline/dispatch/?tab=replies")
    dispatcher.get_by_role("link", name=post, exact=True).click()
    public = dispatcher.get_by_label("留言板公开的答复")
    expect(public).to_have_value(masking.mask(BOARD_REPLY))  # prefilled masked
    assert "＊先生您好" in masking.mask(BOARD_REPLY)
    dispatcher.get_by_label("审核通过，答复诉求人").check()
    dispatcher.get_by_role("button", name="提交审核").click()
    expect(_flash(dispatcher)).to_contain_text(f"已审核通过，答复已告知诉求人：{post}")

    visitor.goto(f"{base}/board/")
    expect(visitor.get_by_role("button", name="退出登录")).to_have_count(0)  # signed out
    listed = visitor.locator(".hl-post", has_text=BOARD_TITLE)
    expect(listed).to_contain_text("我要问")
    expect(listed).to_contain_text(f"答复单位：{CGW}")
    listed.get_by_role("link", name=BOARD_TITLE).click()
    expect(visitor.get_by_role("heading", level=1)).to_contain_text(BOARD_TITLE)
    expect(visitor.locator(".hl-question-text")).to_contain_text("旧沙发和床垫想扔掉")
    expect(visitor.locator(".hl-reply-text")).to_contain_text("街道便民服务中心预约清运")
    shown = visitor.locator("main").inner_text()
    assert post in shown and "＊" in shown
    for secret in SECRETS:
        assert secret not in shown, secret
    visitor.goto(f"{base}/board/")
    listing = visitor.locator("main").inner_text()
    for secret in SECRETS:
        assert secret not in listing, secret
