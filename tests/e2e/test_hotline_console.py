"""The 12345 agent's console in a browser (issue 21, part 1): the agent records a call with
the keyboard alone — phone, history beside the form, type, subject from the list, text,
Enter — reads its number out, clears the page with Esc, and closes a 咨询 from the knowledge
base found as the text is typed (Alt+K, Enter). axe on the page."""

import pytest
from playwright.sync_api import expect

from .conftest import log_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PHONE = "13800138000"


@pytest.fixture
def line(transactional_db):
    """The demo's orgs and people, two subjects, an article, an agent and one past call."""
    from tests.dbcache import rows_of
    from yiwang.demo.loader import load_demo
    from yiwang.hotline import knowledge_index, services
    from yiwang.hotline.models import AppealType, Article, Channel, Subject
    from yiwang.identity.models import OrgUnit, RoleGrant, User
    from yiwang.identity.roles import Role

    rows_of("demo", lambda: load_demo(catalog=False))
    cgw = OrgUnit.objects.get(code="990101-CGW")
    city = Subject.objects.create(code="CS", name="城市管理", position=1)
    waste = Subject.objects.create(
        code="CS-01", name="市容环境卫生", parent=city, org=cgw, keywords=["垃圾清运"]
    )
    Subject.objects.create(code="CS-03", name="占道经营", parent=city, org=cgw)
    article = Article.objects.create(
        subject=waste,
        question="家里的旧沙发、床垫等大件垃圾怎么处理？",
        answer="大件垃圾不能直接投放到小区垃圾桶站，可在街道便民服务中心预约大件垃圾清运。",
        owner=cgw,
    )
    knowledge_index.changed()  # rows written here, not by knowledge.create_article
    agent = User.objects.create_user(
        "console-e2e", password="yiwang-demo", real_name="话务员甲", kind=User.Kind.STAFF
    )
    RoleGrant.objects.create(
        user=agent, role=Role.HOTLINE_AGENT, org=OrgUnit.objects.get(code="990101")
    )
    past = services.record_appeal(
        by=agent,
        type=AppealType.COMPLAINT,
        text="路边有人摆摊占道。",
        channel=Channel.PHONE,
        subject=Subject.objects.get(code="CS-03"),
        phone=PHONE,
    )
    return {"article": article, "past": past}


def test_the_agent_records_a_call_and_closes_a_consultation_with_the_keyboard_alone(
    live_server, page, line, accessible, screenshot
):
    from yiwang.hotline.models import Appeal, AppealStatus, Article

    base = live_server.url
    log_in(page, base, "console-e2e")
    page.goto(f"{base}/workbench/hotline/console/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("话务登记")
    phone = page.get_by_label("来电号码")
    expect(phone).to_be_focused()
    accessible(page)

    # --- a complaint ---------------------------------------------------------------------
    page.keyboard.type(PHONE)
    history = page.locator("#console-history")
    expect(history).to_contain_text(line["past"].number)
    expect(history).to_contain_text("占道经营")
    page.keyboard.press("Tab")  # the caller's name: skipped
    page.keyboard.press("Tab")
    expect(page.get_by_label("诉求类型")).to_be_focused()
    page.keyboard.press("ArrowDown")  # 请选择 → 咨询
    page.keyboard.press("ArrowDown")  # → 求助
    page.keyboard.press("ArrowDown")  # → 投诉
    expect(page.get_by_label("诉求类型")).to_have_value("complaint")
    page.keyboard.press("Alt+s")
    expect(page.get_by_label("诉求分类")).to_be_focused()
    page.keyboard.type("CS-01 市容环境卫生")
    page.keyboard.press("Alt+x")
    expect(page.get_by_label("诉求内容")).to_be_focused()
    page.keyboard.type("小区门口的垃圾桶三天没人清运。")
    knowledge = page.locator("#console-knowledge")
    # The panel answered the text (a browser on SQLite must not save while it is asked).
    expect(knowledge).not_to_contain_text("输入诉求内容后")
    expect(knowledge.get_by_role("button", name="直接答复办结")).to_have_count(0)  # a 投诉
    page.keyboard.press("Control+Enter")
    result = page.get_by_test_id("recorded")
    expect(result).to_contain_text("已登记")
    appeal = Appeal.objects.exclude(pk=line["past"].pk).get()
    expect(page.get_by_test_id("appeal-number")).to_have_text(appeal.number)
    assert appeal.type == "complaint" and appeal.subject.code == "CS-01"
    expect(phone).to_be_focused()
    screenshot(page, "hotline-console-recorded")

    # --- Esc clears; a 咨询 answered from the knowledge base ------------------------------
    page.keyboard.press("Escape")
    expect(result).to_have_count(0)
    expect(phone).to_have_value("")
    expect(phone).to_be_focused()
    page.keyboard.type("13900139000")
    expect(page.locator("#console-history")).to_contain_text("首次来电")
    page.keyboard.press("Alt+t")
    page.keyboard.press("ArrowDown")  # 咨询
    page.keyboard.press("Alt+x")
    page.keyboard.type("家里的旧沙发怎么扔")
    article = line["article"]
    expect(knowledge).to_contain_text(article.question)
    expect(knowledge.get_by_role("button", name="直接答复办结").first).to_be_visible()
    accessible(page)
    page.keyboard.press("Alt+k")
    expect(knowledge.get_by_role("button", name="直接答复办结").first).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.get_by_test_id("recorded")).to_contain_text("已登记并直接答复办结")
    closed = Appeal.objects.get(type="consult")
    expect(page.get_by_test_id("appeal-number")).to_have_text(closed.number)
    assert closed.status == AppealStatus.CLOSED and closed.reply == article.answer
    assert Article.objects.get(pk=article.pk).uses == 1
    screenshot(page, "hotline-console-answered")

    # --- in the subject box the first Esc only closes the suggestions ------------------------
    page.keyboard.press("Alt+s")
    page.keyboard.type("CS")
    page.keyboard.press("Escape")
    expect(page.get_by_label("诉求分类")).to_have_value("CS")
    page.keyboard.press("Escape")
    expect(page.get_by_test_id("recorded")).to_have_count(0)
    expect(page.get_by_label("诉求分类")).to_have_value("")
    expect(phone).to_be_focused()


def test_the_agent_records_a_return_call(live_server, page, line, accessible, screenshot):
    from tests.hotline import factories
    from yiwang.hotline.models import AppealStatus, Callback

    appeal = factories.make_appeal("answered", phone="13700137000")
    base = live_server.url
    log_in(page, base, "console-e2e")
    page.goto(f"{base}/workbench/hotline/callbacks/")
    expect(page.get_by_role("heading", level=1)).to_have_text("待回访")
    card = page.locator(f"#callback-{appeal.pk}")
    expect(card).to_contain_text(appeal.number)
    expect(card).to_contain_text("13700137000")
    accessible(page)
    screenshot(page, "hotline-callbacks")
    form = card.get_by_role("form")
    form.get_by_label("已接通").check()
    form.get_by_label("满意度").select_option("basic")
    form.get_by_label("回访记录").fill("群众表示问题已解决。")
    form.get_by_role("button", name="保存回访").click()
    expect(page.get_by_text(f"已记录对{appeal.number}的回访")).to_be_visible()
    expect(page.locator(f"#callback-{appeal.pk}")).to_have_count(0)
    callback = Callback.objects.get(appeal=appeal)
    assert callback.reached and callback.satisfaction == "basic"
    appeal.refresh_from_db()
    assert appeal.status == AppealStatus.CLOSED
