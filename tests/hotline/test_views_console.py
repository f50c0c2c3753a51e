"""The agent's console (yiwang.hotline.views_console; docs/hotline.md, "The agent's
console"): an agent records a call and reads its number out, a bad form is refused with
nothing recorded, the caller's history and the knowledge base show beside the form, a
confidential report, a 咨询 closed on the spot from an article, today's list, the return
calls (回访), and who may use the pages."""

import datetime

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.hotline import factories
from yiwang.hotline import knowledge_index, services
from yiwang.hotline.models import (
    Appeal,
    AppealArticle,
    AppealStatus,
    AppealType,
    Article,
    Callback,
    Channel,
    Resolution,
    Subject,
)
from yiwang.identity.models import OrgUnit, RoleGrant, User
from yiwang.identity.roles import Role

pytestmark = pytest.mark.django_db

CONSOLE = "/workbench/hotline/console/"
HISTORY = "/workbench/hotline/console/history/"
KNOWLEDGE = "/workbench/hotline/console/knowledge/"
TODAY = "/workbench/hotline/console/today/"
CALLBACKS = "/workbench/hotline/callbacks/"
HX = {"HTTP_HX_REQUEST": "true"}
PHONE = "13800138000"
OTHER_PHONE = "13900139000"
SHANGHAI = datetime.timezone(datetime.timedelta(hours=8))


@pytest.fixture
def kb(demo):
    """Two first-level subjects with a leaf each, and an article answering a 咨询 on bulky
    waste."""
    cgw = OrgUnit.objects.get(code="990101-CGW")
    scj = OrgUnit.objects.get(code="990101-SCJ")
    city = Subject.objects.create(code="CS", name="城市管理", position=1)
    market = Subject.objects.create(code="SC", name="市场监管", position=2)
    waste = Subject.objects.create(
        code="CS-01", name="市容环境卫生", parent=city, org=cgw, keywords=["垃圾清运"]
    )
    licence = Subject.objects.create(
        code="SC-06", name="市场主体登记", parent=market, org=scj, keywords=["营业执照"]
    )
    article = Article.objects.create(
        subject=waste,
        question="家里的旧沙发、床垫等大件垃圾怎么处理？",
        answer="大件垃圾不能直接投放到小区垃圾桶站，可在街道便民服务中心预约大件垃圾清运。",
        owner=cgw,
    )
    knowledge_index.changed()  # rows written here, not by knowledge.create_article
    return {"waste": waste, "licence": licence, "article": article}


def _staff(username, role, org_code):
    user = User.objects.create_user(username, real_name=username, kind=User.Kind.STAFF)
    RoleGrant.objects.create(user=user, role=role, org=OrgUnit.objects.get(code=org_code))
    return user


@pytest.fixture
def agent(demo):
    return _staff("console-agent", Role.HOTLINE_AGENT, "990101")


@pytest.fixture
def handler(demo):
    return _staff("console-handler", Role.HANDLER, "990101-CGW")


@pytest.fixture
def signed_in(client, agent):
    client.force_login(agent)
    return client


def call(**fields):
    data = {
        "phone": PHONE,
        "type": AppealType.COMPLAINT,
        "subject": "CS-01 市容环境卫生",
        "area": "990101001 和平街道",
        "address": "青年湖北街2号院",
        "text": "小区门口的垃圾桶三天没人清运，味道很大。",
    }
    data.update(fields)
    return {key: value for key, value in data.items() if value is not None}


def record(by, *, phone=PHONE, subject=None, type=AppealType.COMPLAINT, text="垃圾没人清运"):
    return services.record_appeal(
        by=by, type=type, text=text, channel=Channel.PHONE, subject=subject, phone=phone
    )


# --- recording a call -------------------------------------------------------------------


def test_the_console_is_one_form_with_its_keys_listed(signed_in, kb):
    page = signed_in.get(CONSOLE)
    assert page.status_code == 200
    text = page.text
    for label in ("来电号码", "诉求类型", "诉求分类", "所在街道/社区", "诉求内容", "保密"):
        assert label in text
    # the access keys are HTML's own and listed on the page
    for key in ('accesskey="p"', 'accesskey="t"', 'accesskey="s"', 'accesskey="x"'):
        assert key in text
    assert "Esc" in text and "Alt+K" in text
    # the pickers offer the leaves (not the first level) and the streets and communities
    assert 'value="CS-01 市容环境卫生"' in text and 'value="CS ' not in text
    assert 'value="990101001 和平街道"' in text and "和平街道/和平里社区" in text
    assert "990101-CGW" not in text.split('id="console-areas"')[1].split("</datalist>")[0]
    # the save button is the form's first submit button: Enter in a field saves
    form = text.split('id="console-form"')[1].split("</form>")[0]
    assert form.index('type="submit"') < form.index("data-console-save") < form.index("保存登记")
    assert form.count('type="submit"') == 1


def test_an_agent_records_a_call_and_reads_its_number_out(signed_in, agent, kb):
    answer = signed_in.post(CONSOLE, call(caller_name="王先生"))
    appeal = Appeal.objects.get()
    assert answer.status_code == 302
    assert answer.url == f"{CONSOLE}?recorded={appeal.pk}"
    assert appeal.channel == Channel.PHONE and appeal.recorded_by == agent
    assert appeal.type == AppealType.COMPLAINT and appeal.status == AppealStatus.PENDING
    assert appeal.subject == kb["waste"] and appeal.area.code == "990101001"
    assert appeal.phone == PHONE and appeal.caller_name == "王先生"
    assert not appeal.confidential
    page = signed_in.get(answer.url)
    assert "已登记" in page.text and appeal.number in page.text
    assert 'data-testid="duplicate"' not in page.text
    # the form is empty again for the next call, the cursor in the phone field
    assert 'name="phone" type="tel" inputmode="tel" value=""' in page.text
    assert page.text.count("autofocus") == 1 and 'accesskey="p"' in page.text


def test_a_subject_and_an_area_are_found_by_code_or_name_and_may_be_left_empty(signed_in, kb):
    signed_in.post(CONSOLE, call(subject="SC-06", area="和平里社区"))
    signed_in.post(CONSOLE, call(phone=OTHER_PHONE, subject="", area="", address="人民路1号"))
    first, second = Appeal.objects.order_by("id")
    assert first.subject == kb["licence"] and first.area.code == "990101001001"
    assert second.subject is None and second.area is None and second.address == "人民路1号"


def test_someone_elses_result_is_not_shown(client, signed_in, kb, demo):
    signed_in.post(CONSOLE, call())
    appeal = Appeal.objects.get()
    other = _staff("console-agent-2", Role.HOTLINE_AGENT, "990101")
    client.force_login(other)
    page = client.get(f"{CONSOLE}?recorded={appeal.pk}")
    assert page.status_code == 200 and appeal.number not in page.text
    for junk in ("abc", "-1", "１２", "9" * 40):
        assert client.get(CONSOLE, {"recorded": junk}).status_code == 200
    assert client.get(CONSOLE, {"recorded": "1\x00"}).status_code == 400


@pytest.mark.parametrize(
    "fields, error",
    [
        ({"phone": "12345"}, "请输入11位中国大陆手机号码"),
        ({"phone": "١٣٨٠٠١٣٨٠٠٠"}, "请输入11位中国大陆手机号码"),
        ({"phone": ""}, "来电号码"),
        ({"type": "gossip"}, "诉求类型"),
        ({"text": ""}, "诉求内容"),
        ({"text": "垃" * 5001}, "诉求内容"),
        ({"subject": "XX-99 不存在"}, "请从列表中选择二级诉求分类"),
        ({"subject": "CS"}, "请从列表中选择二级诉求分类"),
        ({"area": "990101-CGW 示范区城市管理委员会"}, "请从列表中选择街道或社区"),
        ({"confidential": "1"}, "只有举报可以保密"),
        ({"article": "999999", "type": AppealType.CONSULT}, "没有找到这篇知识库文章"),
        ({"article": "12abc", "type": AppealType.CONSULT}, "没有找到这篇知识库文章"),
    ],
)
def test_bad_input_is_refused_with_what_was_typed_and_nothing_recorded(
    signed_in, kb, fields, error
):
    answer = signed_in.post(CONSOLE, call(**fields))
    assert answer.status_code == 400
    assert error in answer.text
    assert "没有登记" in answer.text
    assert not Appeal.objects.exists()
    if "text" not in fields:  # what was typed is still there
        assert "小区门口的垃圾桶三天没人清运" in answer.text


@pytest.mark.parametrize(
    "fields",
    [{"text": "垃圾\x00没人清运"}, {"text": "垃圾没人清运\x1b[31m"}, {"article": "1\x00"}],
)
def test_control_characters_are_refused_and_nothing_recorded(signed_in, kb, fields):
    answer = signed_in.post(CONSOLE, call(**fields))
    assert answer.status_code == 400 and "控制字符" in answer.text
    assert not Appeal.objects.exists()


def test_a_likely_duplicate_is_flagged_with_a_link_to_the_other(signed_in, kb):
    signed_in.post(CONSOLE, call())
    first = Appeal.objects.get()
    answer = signed_in.post(CONSOLE, call(text="还是没人来清运垃圾桶，又过了一天。"))
    second = Appeal.objects.exclude(pk=first.pk).get()
    assert second.suspected_duplicate_of == first
    page = signed_in.get(answer.url)
    assert 'data-testid="duplicate"' in page.text and "疑似重复" in page.text
    assert first.number in page.text.split('data-testid="duplicate"')[1]


# --- the caller's history -----------------------------------------------------------------


def test_the_history_of_a_known_caller_shows_beside_the_form(signed_in, agent, kb):
    old = record(agent, subject=kb["licence"], type=AppealType.CONSULT, text="营业执照怎么办")
    record(agent, phone=OTHER_PHONE, text="另一个人的诉求")
    panel = signed_in.get(HISTORY, {"phone": "138-0013-8000"}, **HX)
    assert panel.status_code == 200
    assert old.number in panel.text and "市场主体登记" in panel.text and "待派单" in panel.text
    assert old.received_at.astimezone(SHANGHAI).strftime("%Y-%m-%d") in panel.text
    assert "另一个人的诉求" not in panel.text and len(panel.text.split("<tr>")) == 3
    # a telephony screen pop: the page opens with the number and its history
    page = signed_in.get(CONSOLE, {"phone": PHONE})
    assert old.number in page.text and f'value="{PHONE}"' in page.text


def test_an_incomplete_or_unknown_number_shows_no_history(signed_in, agent, kb):
    record(agent)
    incomplete = signed_in.get(HISTORY, {"phone": "1380013"}, **HX)
    assert "号码还不完整" in incomplete.text and "<table" not in incomplete.text
    for junk in ("x" * 1000, "１３８００１３８０００'", "<script>"):
        assert signed_in.get(HISTORY, {"phone": junk}, **HX).status_code == 200
    assert signed_in.get(HISTORY, {"phone": "1380013800\x00"}, **HX).status_code == 400
    first_call = signed_in.get(HISTORY, {"phone": "13700137000"}, **HX)
    assert "首次来电" in first_call.text


def test_without_javascript_the_lookup_button_shows_history_and_articles_and_records_nothing(
    signed_in, agent, kb
):
    old = record(agent)
    answer = signed_in.post(
        CONSOLE,
        {"lookup": "1", "phone": PHONE, "type": AppealType.CONSULT, "text": "大件垃圾怎么处理"},
    )
    assert answer.status_code == 200
    assert old.number in answer.text
    assert "家里的旧沙发、床垫等大件垃圾怎么处理？" in answer.text
    assert "直接答复办结" in answer.text
    assert (
        'value="大件垃圾怎么处理"' not in answer.text
        and "大件垃圾怎么处理</textarea>" in answer.text
    )
    assert Appeal.objects.count() == 1


# --- the knowledge base -------------------------------------------------------------------


def test_the_knowledge_panel_offers_answering_a_consultation_only(signed_in, kb):
    article = kb["article"]
    consult = signed_in.get(KNOWLEDGE, {"text": "大件垃圾怎么处理", "type": "consult"}, **HX)
    assert article.question in consult.text
    assert f'name="article" value="{article.pk}"' in consult.text and 'data-key="k"' in consult.text
    complaint = signed_in.get(KNOWLEDGE, {"text": "大件垃圾怎么处理", "type": "complaint"}, **HX)
    assert article.question in complaint.text and 'name="article"' not in complaint.text
    assert "只有“咨询”可以用知识库直接答复办结" in complaint.text
    for junk in ("", "垃", "  ", "垃圾" * 2000, "%_'\"<>"):
        assert signed_in.get(KNOWLEDGE, {"text": junk, "type": "consult"}, **HX).status_code == 200


def test_answering_on_the_spot_closes_a_consultation_with_its_article_counted(signed_in, agent, kb):
    article = kb["article"]
    answer = signed_in.post(
        CONSOLE,
        call(type=AppealType.CONSULT, text="家里的旧沙发怎么扔？", article=str(article.pk)),
    )
    appeal = Appeal.objects.get()
    assert answer.status_code == 302 and answer.url == f"{CONSOLE}?recorded={appeal.pk}"
    assert appeal.status == AppealStatus.CLOSED and appeal.resolution == Resolution.DIRECT
    assert appeal.reply == article.answer and appeal.recorded_by == agent
    used = AppealArticle.objects.get(appeal=appeal)
    assert used.article == article and used.version == article.version
    assert Article.objects.get(pk=article.pk).uses == 1
    page = signed_in.get(answer.url)
    assert "已登记并直接答复办结" in page.text and appeal.number in page.text


def test_only_a_consultation_is_answered_on_the_spot_and_a_refusal_records_nothing(signed_in, kb):
    article = kb["article"]
    answer = signed_in.post(CONSOLE, call(article=str(article.pk)))  # a 投诉
    assert answer.status_code == 400 and "只有咨询可以用知识库直接答复办结" in answer.text
    assert not Appeal.objects.exists()
    assert Article.objects.get(pk=article.pk).uses == 0
    Article.objects.filter(pk=article.pk).update(is_active=False)
    retired = signed_in.post(CONSOLE, call(type=AppealType.CONSULT, article=str(article.pk)))
    assert retired.status_code == 400 and "没有找到这篇知识库文章" in retired.text
    assert not Appeal.objects.exists()


# --- a confidential report ------------------------------------------------------------------


def test_a_confidential_report_is_recorded_as_such(signed_in, kb, handler):
    answer = signed_in.post(
        CONSOLE,
        call(type=AppealType.REPORT, confidential="1", text="有人在楼顶私自加盖房屋。"),
    )
    appeal = Appeal.objects.get()
    assert answer.status_code == 302
    assert appeal.type == AppealType.REPORT and appeal.confidential
    assert appeal.phone == PHONE  # kept, for the line; hidden from the handling units
    page = signed_in.get(answer.url)
    assert "保密" in page.text.split('data-testid="recorded"')[1].split("</section>")[0]
    from yiwang.hotline import selectors

    assert not selectors.caller_visible_to(handler, appeal)


# --- today's list ---------------------------------------------------------------------------


def test_today_lists_what_this_agent_recorded_today(client, signed_in, agent, kb, demo):
    with time_machine.travel(datetime.datetime(2025, 3, 3, 10, 0, tzinfo=SHANGHAI)):
        earlier = record(agent, text="以前的诉求")
    mine = record(agent, text="今天的诉求")
    theirs = record(_staff("console-agent-3", Role.HOTLINE_AGENT, "990101"), text="同事的诉求")
    page = signed_in.get(TODAY)
    assert page.status_code == 200
    assert mine.number in page.text
    assert earlier.number not in page.text and theirs.number not in page.text
    for number in range(25):
        record(agent, phone=f"137{number:08d}", text=f"第{number}个测试诉求")
    first, second = signed_in.get(TODAY), signed_in.get(TODAY, {"page": "2"})
    assert first.text.count('<th scope="row"') == 20 and second.text.count('<th scope="row"') == 6
    assert signed_in.get(TODAY, {"page": "99x"}).status_code == 200


# --- return calls (回访) -----------------------------------------------------------------------


@pytest.fixture
def answered(kb, monday):
    """An appeal brought through dispatch, handling, reply and review to 已答复, as the
    line's services do it (tests/hotline/factories.py)."""
    people = factories.make_line()

    def make(phone=PHONE):
        return factories.make_appeal("answered", line=people, subject=kb["waste"], phone=phone)

    return make


def test_the_callback_list_shows_answered_appeals_each_with_its_form(
    signed_in, agent, kb, answered
):
    waiting = answered()
    still_open = record(agent, phone=OTHER_PHONE, text="这件还在办理中")
    page = signed_in.get(CALLBACKS)
    assert page.status_code == 200
    assert waiting.number in page.text and still_open.number not in page.text
    assert PHONE in page.text and "已安排清运" in page.text
    assert f'action="/workbench/hotline/callbacks/{waiting.pk}/"' in page.text
    assert "已接通" in page.text and "未接通" in page.text and "基本满意" in page.text


def test_a_reached_caller_rates_and_the_appeal_leaves_the_list(signed_in, agent, kb, answered):
    appeal = answered()
    prefix = f"c{appeal.pk}-"
    answer = signed_in.post(
        f"{CALLBACKS}{appeal.pk}/",
        {prefix + "reached": "yes", prefix + "satisfaction": "satisfied", prefix + "note": "满意"},
    )
    assert answer.status_code == 302 and answer.url == CALLBACKS
    callback = Callback.objects.get(appeal=appeal)
    assert callback.reached and callback.satisfaction == "satisfied" and callback.agent == agent
    assert Appeal.objects.get(pk=appeal.pk).status == AppealStatus.CLOSED
    page = signed_in.get(CALLBACKS)
    assert f"已记录对{appeal.number}的回访" in page.text
    assert f'id="callback-{appeal.pk}"' not in page.text


def test_an_unanswered_call_stays_on_the_list(signed_in, agent, kb, answered):
    appeal = answered()
    prefix = f"c{appeal.pk}-"
    answer = signed_in.post(f"{CALLBACKS}{appeal.pk}/", {prefix + "reached": "no"})
    assert answer.status_code == 302
    assert Appeal.objects.get(pk=appeal.pk).status == AppealStatus.ANSWERED
    page = signed_in.get(CALLBACKS)
    assert f'id="callback-{appeal.pk}"' in page.text and "已拨1次未接通" in page.text


@pytest.mark.parametrize(
    "fields, error",
    [
        ({}, "是否接通"),
        ({"reached": "maybe"}, "是否接通"),
        ({"reached": "no", "satisfaction": "satisfied"}, "未接通时不能记录满意度"),
        ({"reached": "yes", "satisfaction": "ecstatic"}, "满意度"),
        ({"reached": "yes", "note": "记录\x00"}, "控制字符"),
        ({"reached": "yes", "note": "长" * 2001}, "回访记录"),
    ],
)
def test_a_bad_callback_is_refused_and_nothing_changes(
    signed_in, agent, kb, fields, error, answered
):
    appeal = answered()
    prefix = f"c{appeal.pk}-"
    answer = signed_in.post(
        f"{CALLBACKS}{appeal.pk}/", {prefix + key: value for key, value in fields.items()}
    )
    assert answer.status_code == 400 and error in answer.text
    if "\x00" not in fields.get("note", ""):  # NUL is refused before the page (middleware)
        assert "回访没有记录" in answer.text
    assert not Callback.objects.exists()
    assert Appeal.objects.get(pk=appeal.pk).status == AppealStatus.ANSWERED


def test_a_callback_on_an_appeal_not_answered_is_refused(signed_in, agent, kb):
    appeal = record(agent, subject=kb["waste"])
    prefix = f"c{appeal.pk}-"
    answer = signed_in.post(f"{CALLBACKS}{appeal.pk}/", {prefix + "reached": "yes"})
    assert answer.status_code in (400, 404)
    assert not Callback.objects.exists()
    assert signed_in.post(f"{CALLBACKS}99999999/", {"c1-reached": "yes"}).status_code == 404


def test_the_callback_list_is_paginated_and_costs_the_same_whatever_its_length(
    signed_in, agent, kb, answered
):
    answered()

    signed_in.get(CALLBACKS)  # the first visit remembers it as the agent's queue (web.landing)

    def cost():
        with CaptureQueriesContext(connection) as queries:
            assert signed_in.get(CALLBACKS).status_code == 200
        return len(queries)

    one = cost()
    for number in range(24):
        answered(phone=f"137{number:08d}")
    assert cost() == one
    first, second = signed_in.get(CALLBACKS), signed_in.get(CALLBACKS, {"page": "2"})
    assert first.text.count('class="callback-form"') == 20
    assert second.text.count('class="callback-form"') == 5


# --- who may use it -------------------------------------------------------------------------


PAGES = [CONSOLE, HISTORY, KNOWLEDGE, TODAY, CALLBACKS]


def test_the_pages_need_the_agents_role(client, kb, handler, user_named, agent, answered):
    for url in PAGES:
        assert client.get(url).status_code == 302  # to the login page
    client.force_login(handler)
    for url in PAGES:
        assert client.get(url).status_code in (403, 404), url
    assert client.post(CONSOLE, call()).status_code in (403, 404)
    client.force_login(user_named("citizen"))
    for url in PAGES:
        assert client.get(url).status_code in (403, 404), url
    assert client.post(CONSOLE, call()).status_code in (403, 404)
    assert not Appeal.objects.exists()
    appeal = answered()
    prefix = f"c{appeal.pk}-"
    assert client.post(f"{CALLBACKS}{appeal.pk}/", {prefix + "reached": "yes"}).status_code in (
        403,
        404,
    )
    assert not Callback.objects.exists()


def test_a_dispatcher_may_use_the_console_too(client, kb, demo):
    client.force_login(_staff("console-dispatcher", Role.DISPATCHER, "990101"))
    assert client.get(CONSOLE).status_code == 200
    assert client.post(CONSOLE, call()).status_code == 302
    assert Appeal.objects.get().recorded_by.username == "console-dispatcher"


# --- links to the staff appeal page, and what a keystroke costs --------------------------------


def test_appeal_numbers_link_to_the_staff_appeal_page(signed_in, agent, kb):
    old = record(agent, subject=kb["waste"])
    url = f"/workbench/hotline/appeals/{old.pk}/"
    assert f'href="{url}"' in signed_in.get(HISTORY, {"phone": PHONE}, **HX).text
    assert f'href="{url}"' in signed_in.get(TODAY).text
    answer = signed_in.post(CONSOLE, call())
    new = Appeal.objects.exclude(pk=old.pk).get()
    result = (
        signed_in.get(answer.url).text.split('data-testid="recorded"')[1].split("</section>")[0]
    )
    assert f'href="/workbench/hotline/appeals/{new.pk}/"' in result
    assert f'href="{url}"' in result  # the appeal it probably repeats


def test_the_history_panel_and_todays_list_cost_the_same_whatever_their_length(
    signed_in, agent, kb
):
    record(agent, subject=kb["waste"])

    def cost(url, data=None):
        with CaptureQueriesContext(connection) as queries:
            assert signed_in.get(url, data or {}, **HX).status_code == 200
        return len(queries)

    history, today = cost(HISTORY, {"phone": PHONE}), cost(TODAY)
    for number in range(6):
        record(agent, subject=kb["licence"], text=f"第{number}次来电反映同一问题")
    assert cost(HISTORY, {"phone": PHONE}) == history
    assert cost(TODAY) == today
