# ruff: noqa: F811 (pytest fixtures imported from tests.hotline.knowledge_fixtures)
"""The knowledge base's pages: the staff list, article, forms and review list, the search
fragment the agent console loads, and the citizens' 常见问题."""

import datetime

import pytest
from django.urls import reverse

from tests.hotline.knowledge_fixtures import (  # noqa: F401 - fixtures
    kb,
    kb_staff,
)
from yiwang.hotline import knowledge
from yiwang.hotline.models import Article
from yiwang.identity.models import User

LIST = reverse("hotline_knowledge")
SEARCH = reverse("hotline_knowledge_search")


def _as(client, user):
    client.force_login(user)
    return client


def _text(response) -> str:
    return response.content.decode()


# --- who gets in ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "username", ["kb-agent", "kb-dispatcher", "kb-handler-cgw", "kb-supervisor"]
)
def test_the_lines_staff_read_the_knowledge_base(client, kb, kb_staff, username):
    _as(client, kb_staff[username])
    assert client.get(LIST).status_code == 200
    page = client.get(reverse("hotline_knowledge_article", args=[kb["K001"].pk]))
    assert page.status_code == 200
    assert "大件垃圾" in _text(page)
    assert client.get(reverse("hotline_knowledge_due")).status_code == 200


def test_others_do_not(client, kb):
    assert client.get(LIST).status_code == 302  # to the login page
    assert client.get(SEARCH + "?q=垃圾").status_code == 302
    citizen = User.objects.create_user("kb-citizen-view", kind=User.Kind.CITIZEN)
    _as(client, citizen)
    assert client.get(LIST).status_code == 403
    assert client.get(SEARCH + "?q=垃圾").status_code == 403
    assert client.get(reverse("hotline_knowledge_article", args=[kb["K001"].pk])).status_code == 404


def test_an_agent_reads_but_may_not_edit(client, kb, kb_staff):
    _as(client, kb_staff["kb-agent"])
    article = kb["K001"]
    page = client.get(reverse("hotline_knowledge_article", args=[article.pk]))
    assert reverse("hotline_knowledge_edit", args=[article.pk]) not in _text(page)
    assert client.get(reverse("hotline_knowledge_edit", args=[article.pk])).status_code == 403
    assert client.get(reverse("hotline_knowledge_create")).status_code == 403
    response = client.post(reverse("hotline_knowledge_retire", args=[article.pk]))
    assert response.status_code == 403
    assert Article.objects.get(pk=article.pk).is_active


def test_a_handler_of_another_unit_may_not_edit(client, kb, kb_staff):
    _as(client, kb_staff["kb-handler-zjw"])
    article = kb["K001"]  # 城管委's
    response = client.post(
        reverse("hotline_knowledge_edit", args=[article.pk]),
        {"subject": "CS-01", "question": article.question, "answer": article.answer + "改"},
    )
    assert response.status_code == 403
    assert Article.objects.get(pk=article.pk).version == 1


# --- list and search ---------------------------------------------------------------------------


def test_the_list_searches_and_filters(client, kb, kb_staff):
    _as(client, kb_staff["kb-agent"])
    page = _text(client.get(LIST, {"q": "大件垃圾"}))
    assert page.index(kb["K001"].question) < page.index(kb["K002"].question)
    page = _text(client.get(LIST, {"subject": "ZF-02"}))
    assert kb["K004"].question in page and kb["K001"].question not in page
    page = _text(client.get(LIST, {"owner": kb["K004"].owner_id}))
    assert kb["K004"].question in page and kb["K001"].question not in page
    Article.objects.filter(pk=kb["K002"].pk).update(review_on=knowledge.today())
    page = _text(client.get(LIST, {"state": "due"}))
    assert kb["K002"].question in page and kb["K001"].question not in page


@pytest.mark.parametrize("query", ["x" * 5000, "%00", "' OR 1=1 --", "<script>", "１２３４５"])
def test_the_list_takes_any_query(client, kb, kb_staff, query):
    _as(client, kb_staff["kb-agent"])
    response = client.get(LIST, {"q": query, "page": "９"})
    assert response.status_code == 200
    assert "<script>" not in _text(response)


def test_a_nul_in_the_query_is_refused_before_the_page(client, kb, kb_staff):
    _as(client, kb_staff["kb-agent"])
    assert client.get(SEARCH, {"q": "垃圾\x00"}).status_code == 400


def test_the_search_fragment(client, kb, kb_staff):
    _as(client, kb_staff["kb-agent"])
    response = client.get(SEARCH, {"q": "旧沙发怎么扔"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    html = _text(response)
    assert "<html" not in html  # a fragment
    assert f'data-article="{kb["K001"].pk}"' in html
    assert "大件垃圾清运预约" in html  # the linked item
    assert reverse("item_guide", args=[kb["K001"].item.code]) in html
    assert "市容环境卫生" in html  # the subject
    empty = _text(client.get(SEARCH, {"q": "完全无关的火星文字"}))
    assert "data-article" not in empty


def test_the_search_fragment_as_json(client, kb, kb_staff):
    _as(client, kb_staff["kb-agent"])
    data = client.get(SEARCH, {"q": "大件垃圾", "format": "json"}).json()
    first = data["results"][0]
    assert first["id"] == kb["K001"].pk
    assert first["version"] == 1
    assert first["subject"] == {"code": "CS-01", "name": "市容环境卫生"}
    assert first["item"]["name"] == "大件垃圾清运预约"
    assert first["answer"] == kb["K001"].answer
    assert first["excerpt"] and len(first["excerpt"]) <= 90
    assert client.get(SEARCH, {"q": "", "format": "json"}).json() == {"query": "", "results": []}
    narrowed = client.get(SEARCH, {"q": "垃圾", "subject": "ZF-02", "format": "json"}).json()
    assert narrowed["results"] == []


# --- write, edit, retire, review ---------------------------------------------------------------


def test_a_handler_edits_their_units_article_and_the_history_shows_both(client, kb, kb_staff):
    article = kb["K001"]
    _as(client, kb_staff["kb-handler-cgw"])
    edit = reverse("hotline_knowledge_edit", args=[article.pk])
    form = _text(client.get(edit))
    assert article.answer in form
    response = client.post(
        edit,
        {
            "subject": "CS-01",
            "question": article.question,
            "answer": "大件垃圾请提前一天预约，清运单位上门收运。",
            "item": article.item.code,
            "owner": article.owner_id,
            "review_on": "",
            "version": "1",
        },
    )
    assert response.status_code == 302
    page = _text(client.get(response["Location"]))
    assert "大件垃圾请提前一天预约" in page
    assert "第 2 版" in page and "第 1 版" in page
    assert article.answer in page  # the old text, in the history


def test_an_edit_from_a_stale_form_is_refused_with_a_message(client, kb, kb_staff):
    article = kb["K001"]
    knowledge.edit_article(
        article,
        by=kb_staff["kb-dispatcher"],
        question=article.question,
        answer=article.answer + "甲",
    )
    _as(client, kb_staff["kb-handler-cgw"])
    response = client.post(
        reverse("hotline_knowledge_edit", args=[article.pk]),
        {"subject": "CS-01", "question": article.question, "answer": "乙" * 20, "version": "1"},
    )
    assert response.status_code == 400
    assert "已被他人修改" in _text(response)
    assert Article.objects.get(pk=article.pk).answer == article.answer + "甲"


@pytest.mark.parametrize(
    "values, message",
    [
        ({"question": "短"}, "问题至少要写"),
        ({"item": "没有这个事项"}, "没有找到这个事项"),
        ({"subject": "CS"}, "选择一个有效的选项"),
        ({"review_on": "2001-01-01"}, "复核日期须在今天之后"),
    ],
)
def test_a_bad_article_comes_back_with_its_problem(client, kb, kb_staff, values, message):
    _as(client, kb_staff["kb-dispatcher"])
    data = {
        "subject": "CS-01",
        "question": "路灯不亮找谁修？",
        "answer": "可拨打12345，由城管部门安排维修。",
    }
    data.update(values)
    before = Article.objects.count()
    response = client.post(reverse("hotline_knowledge_create"), data)
    assert response.status_code == 400
    assert message in _text(response)
    assert Article.objects.count() == before


def test_a_dispatcher_writes_an_article_agents_then_find(client, kb, kb_staff):
    _as(client, kb_staff["kb-dispatcher"])
    response = client.post(
        reverse("hotline_knowledge_create"),
        {
            "subject": "CS-06",
            "question": "小区的树挡住窗户了，能修剪吗？",
            "answer": "可向物业反映；公共绿地的树木由园林部门评估后修剪。",
        },
    )
    assert response.status_code == 302
    _as(client, kb_staff["kb-agent"])
    data = client.get(SEARCH, {"q": "修剪树", "format": "json"}).json()
    assert data["results"][0]["question"] == "小区的树挡住窗户了，能修剪吗？"


def test_retire_restore_and_mark_reviewed(client, kb, kb_staff):
    article = kb["K001"]
    _as(client, kb_staff["kb-handler-cgw"])
    client.post(reverse("hotline_knowledge_retire", args=[article.pk]), {"reason": "改由街道办理"})
    assert not Article.objects.get(pk=article.pk).is_active
    assert (
        client.get(SEARCH, {"q": "大件垃圾", "format": "json"}).json()["results"][0]["id"]
        != article.pk
    )
    client.post(reverse("hotline_knowledge_restore", args=[article.pk]))
    assert Article.objects.get(pk=article.pk).is_active
    Article.objects.filter(pk=article.pk).update(review_on=knowledge.today())
    due = _text(client.get(reverse("hotline_knowledge_due")))
    assert article.question in due
    next_review = knowledge.today() + datetime.timedelta(days=100)
    response = client.post(
        reverse("hotline_knowledge_reviewed", args=[article.pk]),
        {"next_review_on": next_review.isoformat(), "next": "due"},
    )
    assert response.status_code == 302 and response["Location"] == reverse("hotline_knowledge_due")
    assert Article.objects.get(pk=article.pk).review_on == next_review
    bad = client.post(
        reverse("hotline_knowledge_reviewed", args=[article.pk]), {"next_review_on": "yesterday"}
    )
    assert bad.status_code == 400


# --- 常见问题 -------------------------------------------------------------------------------------


def test_citizens_read_the_faq_without_signing_in(client, kb):
    page = _text(client.get(reverse("hotline_faq")))
    assert kb["K001"].question in page
    assert "城市管理" in page  # grouped by first-level subject
    found = _text(client.get(reverse("hotline_faq"), {"q": "旧沙发怎么扔"}))
    assert kb["K001"].question in found and kb["K004"].question not in found
    one = client.get(reverse("hotline_faq_article", args=[kb["K001"].pk]))
    assert one.status_code == 200 and kb["K001"].answer in _text(one)
    # Nothing internal: owners, review dates and versions are for staff.
    assert "复核日期" not in _text(one) and "负责单位" not in _text(one)


def test_a_retired_article_is_not_public(client, kb, kb_staff):
    knowledge.retire_article(kb["K001"], by=kb_staff["kb-dispatcher"])
    assert client.get(reverse("hotline_faq_article", args=[kb["K001"].pk])).status_code == 404
    assert kb["K001"].question not in _text(client.get(reverse("hotline_faq")))


def test_the_faq_takes_any_query(client, kb):
    for query in ["x" * 5000, "<b>", "１２３"]:
        response = client.get(reverse("hotline_faq"), {"q": query})
        assert response.status_code == 200
        assert "<b>" not in _text(response).split("<main", 1)[1]
