# ruff: noqa: F811 (pytest fixtures imported from tests.hotline.knowledge_fixtures)
"""The knowledge base's services, search and loader (docs/hotline.md, "The knowledge base")."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from hypothesis import given
from hypothesis import strategies as st

from tests.hotline.knowledge_fixtures import (  # noqa: F401 - fixtures
    CGW,
    ZJW,
    kb,
    kb_staff,
    knowledge_data,
    kb_line,
    staff,
)
from tests.statements import exactly, fresh
from yiwang.audit.models import AuditEvent
from yiwang.hotline import knowledge, knowledge_index
from yiwang.hotline.models import Article, ArticleVersion, Subject
from yiwang.identity.models import OrgUnit, User

ANSWER = "可联系所在小区物业或社区预约清运，费用按街道公示的标准收取。"


def _article(by, **values):
    fields = {"subject": "CS-01", "question": "路边的垃圾桶满了没人清怎么办？", "answer": ANSWER}
    fields.update(values)
    return knowledge.create_article(by=by, **fields)


# --- writing and versions ---------------------------------------------------------------------


def test_a_new_article_is_version_one_owned_by_the_subjects_unit(staff):
    article = _article(staff["kb-dispatcher"])
    assert article.version == 1
    assert article.owner.code == CGW  # CS-01's default unit
    assert article.review_on == knowledge.today() + datetime.timedelta(days=180)
    [version] = article.versions.all()
    assert (version.version, version.question, version.answer) == (1, article.question, ANSWER)
    assert version.edited_by == staff["kb-dispatcher"]
    assert AuditEvent.objects.filter(action="hotline.article.create", object_id=article.pk).exists()


def test_an_edit_keeps_every_text_the_article_had(staff):
    article = _article(staff["kb-dispatcher"])
    knowledge.edit_article(
        article, by=staff["kb-handler-cgw"], question=article.question, answer=ANSWER + "（已更新）"
    )
    knowledge.edit_article(
        article,
        by=staff["kb-dispatcher"],
        question="垃圾桶满了找谁？",
        answer=ANSWER + "（第三版）",
    )
    article.refresh_from_db()
    assert article.version == 3
    assert article.question == "垃圾桶满了找谁？"
    texts = [(v.version, v.answer) for v in knowledge.versions(article)]
    assert texts == [(3, ANSWER + "（第三版）"), (2, ANSWER + "（已更新）"), (1, ANSWER)]
    assert knowledge.versions(article)[1].edited_by == staff["kb-handler-cgw"]


def test_an_edit_that_changes_no_text_is_no_new_version(staff):
    article = _article(staff["kb-dispatcher"])
    later = knowledge.today() + datetime.timedelta(days=30)
    knowledge.edit_article(
        article,
        by=staff["kb-dispatcher"],
        question=article.question,
        answer=ANSWER,
        review_on=later,
    )
    article.refresh_from_db()
    assert (article.version, article.review_on) == (1, later)
    assert article.versions.count() == 1
    before = AuditEvent.objects.count()
    knowledge.edit_article(
        article, by=staff["kb-dispatcher"], question=article.question, answer=ANSWER
    )
    assert AuditEvent.objects.count() == before  # nothing changed, nothing recorded


def test_an_edit_on_a_stale_version_is_refused(staff):
    article = _article(staff["kb-dispatcher"])
    knowledge.edit_article(
        article, by=staff["kb-dispatcher"], question=article.question, answer=ANSWER + "甲"
    )
    with pytest.raises(ValidationError) as refused:
        knowledge.edit_article(
            article,
            by=staff["kb-handler-cgw"],
            question=article.question,
            answer=ANSWER + "乙",
            expected_version=1,
        )
    assert refused.value.code == "stale_version"
    assert Article.objects.get(pk=article.pk).answer == ANSWER + "甲"


def test_an_article_from_before_versions_were_kept_gets_its_old_text_too(staff):
    article = _article(staff["kb-dispatcher"])
    ArticleVersion.objects.filter(article=article).delete()
    knowledge.edit_article(
        article, by=staff["kb-dispatcher"], question=article.question, answer=ANSWER + "新"
    )
    assert [(v.version, v.answer) for v in knowledge.versions(article)] == [
        (2, ANSWER + "新"),
        (1, ANSWER),
    ]


def test_retire_restore_and_review(staff):
    article = _article(staff["kb-dispatcher"])
    knowledge.retire_article(article, by=staff["kb-handler-cgw"], reason="政策已调整")
    assert not Article.objects.get(pk=article.pk).is_active
    with pytest.raises(ValidationError) as twice:
        knowledge.retire_article(article, by=staff["kb-handler-cgw"])
    assert twice.value.code == "already_retired"
    knowledge.restore_article(article, by=staff["kb-dispatcher"])
    assert Article.objects.get(pk=article.pk).is_active
    next_review = knowledge.today() + datetime.timedelta(days=90)
    knowledge.mark_reviewed(article, by=staff["kb-handler-cgw"], next_review_on=next_review)
    assert Article.objects.get(pk=article.pk).review_on == next_review
    actions = list(
        AuditEvent.objects.filter(object_id=article.pk, action__startswith="hotline.article.")
        .order_by("pk")
        .values_list("action", flat=True)
    )
    assert actions == [
        "hotline.article.create",
        "hotline.article.retire",
        "hotline.article.restore",
        "hotline.article.review",
    ]


def test_due_for_review(staff):
    article = _article(staff["kb-dispatcher"])
    assert article not in knowledge.due_for_review()
    Article.objects.filter(pk=article.pk).update(review_on=knowledge.today())
    assert article in knowledge.due_for_review()
    Article.objects.filter(pk=article.pk).update(is_active=False)
    assert article not in knowledge.due_for_review()


# --- who may --------------------------------------------------------------------------------


def test_a_handler_maintains_only_their_own_units_articles(staff):
    cgw = _article(staff["kb-dispatcher"])  # owned by 城管委
    zjw = _article(staff["kb-dispatcher"], subject="ZF-02", question="押金不退怎么办？")
    handler = staff["kb-handler-zjw"]
    knowledge.edit_article(zjw, by=handler, question=zjw.question, answer=ANSWER + "住建")
    with pytest.raises(PermissionDenied):
        knowledge.edit_article(cgw, by=handler, question=cgw.question, answer=ANSWER + "越权")
    with pytest.raises(PermissionDenied):
        knowledge.retire_article(cgw, by=handler)
    with pytest.raises(PermissionDenied):
        knowledge.mark_reviewed(
            cgw, by=handler, next_review_on=knowledge.today() + datetime.timedelta(days=9)
        )
    # Nor may a handler give their article to another unit, or write one for it.
    with pytest.raises(PermissionDenied):
        knowledge.edit_article(
            zjw,
            by=handler,
            question=zjw.question,
            answer=zjw.answer,
            owner=OrgUnit.objects.get(code=CGW),
        )
    with pytest.raises(PermissionDenied):
        _article(handler)  # CS-01 belongs to 城管委
    assert Article.objects.get(pk=cgw.pk).answer == ANSWER


@pytest.mark.parametrize("username", ["kb-agent", "kb-supervisor"])
def test_agents_and_supervisors_read_but_do_not_write(staff, username):
    article = _article(staff["kb-dispatcher"])
    with pytest.raises(PermissionDenied):
        _article(staff[username], question="另一个问题是什么？")
    with pytest.raises(PermissionDenied):
        knowledge.edit_article(
            article, by=staff[username], question=article.question, answer=ANSWER + "改"
        )
    from yiwang.identity import policy

    assert policy.can(staff[username], "hotline.knowledge_read", article)


def test_a_citizen_may_do_nothing(staff):
    citizen = User.objects.create_user("kb-citizen", kind=User.Kind.CITIZEN)
    with pytest.raises(PermissionDenied):
        _article(citizen)


def test_a_dispatcher_maintains_an_article_no_unit_owns(staff):
    article = _article(staff["kb-dispatcher"])
    Article.objects.filter(pk=article.pk).update(owner=None)
    knowledge.edit_article(
        article, by=staff["kb-dispatcher"], question=article.question, answer=ANSWER + "无主"
    )
    with pytest.raises(PermissionDenied):
        knowledge.edit_article(
            article, by=staff["kb-handler-cgw"], question=article.question, answer=ANSWER
        )


# --- hostile input ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "values, field",
    [
        ({"question": "垃圾\x00桶满了怎么办"}, "question"),
        ({"answer": ANSWER + "\x1b[31m"}, "answer"),
        ({"question": "问" * 301}, "question"),
        ({"question": "  啊 "}, "question"),
        ({"answer": "好" * 2001}, "answer"),
        ({"answer": "    "}, "answer"),
        ({"subject": "CS"}, "subject"),  # a first-level subject
        ({"subject": "NO-SUCH"}, "subject"),
        ({"subject": "CS-01\x00"}, "subject"),
        ({"item": "NO-SUCH-ITEM"}, "item"),
        ({"item": 987654321}, "item"),
        ({"review_on": datetime.date(2000, 1, 1)}, "review_on"),
        ({"review_on": datetime.date(2999, 1, 1)}, "review_on"),
    ],
)
def test_bad_input_is_refused_and_nothing_is_written(staff, values, field):
    with pytest.raises(ValidationError) as refused:
        _article(staff["kb-dispatcher"], **values)
    assert field in refused.value.error_dict
    assert not Article.objects.exists()


def test_a_retired_subject_takes_no_new_article(staff):
    Subject.objects.filter(code="CS-01").update(is_active=False)
    with pytest.raises(ValidationError):
        _article(staff["kb-dispatcher"])


@given(st.text(max_size=300))
def test_any_query_is_searched_or_refused_quietly(raw):
    """A pure check of the query's normalisation: never an error, never over the cap, never
    a control character."""
    query = knowledge.normalise_query(raw)
    assert len(query) <= knowledge.MAX_QUERY
    assert "\x00" not in query
    assert query == query.strip()


@pytest.mark.parametrize("raw", [None, 12, ["大件垃圾"], "大件\x00垃圾", "", "   ", "字" * 10_000])
def test_search_takes_hostile_queries(kb, raw):
    found = knowledge.search(raw)
    assert isinstance(found, list)
    assert len(found) <= 5


# --- search ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "query, expected",
    [
        ("大件垃圾", "K001"),
        ("旧沙发怎么扔", "K001"),
        ("装修垃圾", "K002"),
        ("店门口挂招牌要批吗", "K003"),
        ("押金不退", "K004"),
        ("公租房", "K007"),
        ("老楼加装电梯", "K008"),
        ("身份证丢了", "K019"),
        ("养狗", "K022"),
        ("办退休", "K015"),
        ("房产证丢了", "K039"),
    ],
)
def test_search_finds_the_article_an_agent_means(kb, query, expected):
    found = knowledge.search(query)
    assert found, query
    assert found[0].pk == kb[expected].pk, [a.question for a in found]


def test_a_question_hit_ranks_above_an_answer_hit(kb, kb_staff):
    # "押金" is in K004's question; another article mentions it only in its answer.
    other = _article(
        kb_staff["kb-dispatcher"],
        subject="ZF-02",
        question="签了租房合同想提前搬走怎么办？",
        answer="先看合同的违约条款，押金是否退还、扣多少按合同约定；协商不成可申请街道调解。",
    )
    found = knowledge.search("押金", limit=10)
    ids = [a.pk for a in found]
    assert ids[0] == kb["K004"].pk
    assert other.pk in ids and ids.index(other.pk) > 0


def test_search_by_subject(kb):
    found = {a.pk for a in knowledge.search("垃圾", subject="CS-01")}
    assert found >= {kb["K001"].pk, kb["K002"].pk}
    assert {a.subject.code for a in knowledge.search("垃圾", subject="CS-01")} == {"CS-01"}
    assert knowledge.search("垃圾", subject="ZF-02") == []
    # A first-level subject keeps its children's articles.
    assert kb["K001"].pk in [a.pk for a in knowledge.search("大件垃圾", subject="CS")]
    assert knowledge.search("大件垃圾", subject="NO-SUCH") == []


def test_search_sees_edits_and_retirements_at_once(kb, kb_staff):
    dispatcher = kb_staff["kb-dispatcher"]
    assert knowledge.search("蟑螂") == []
    knowledge.edit_article(
        kb["K001"], by=dispatcher, question="家里有蟑螂怎么办？", answer=kb["K001"].answer
    )
    assert [a.pk for a in knowledge.search("蟑螂")] == [kb["K001"].pk]
    knowledge.retire_article(kb["K001"], by=dispatcher)
    assert knowledge.search("蟑螂") == []


def test_a_search_costs_one_statement_once_the_index_is_built(kb):
    knowledge.search("大件垃圾")  # builds the snapshot
    with exactly(1, "knowledge.search"):
        found = knowledge.search("装修垃圾怎么清运")
    assert found[0].pk == kb["K002"].pk
    with exactly(0, "knowledge.search_ids"):
        knowledge.search_ids("装修垃圾怎么清运")


def test_another_process_sees_a_change_through_the_cache(kb, kb_staff):
    """What another process's write looks like here: the cache's generation moves on."""
    from django.core.cache import cache

    knowledge.search("大件垃圾")
    Article.objects.filter(pk=kb["K001"].pk).update(question="家里有白蚁怎么办？")
    assert knowledge.search("白蚁") == []  # the snapshot of this process still holds the old text
    cache.set(knowledge_index.GENERATION_KEY, "another")
    assert [a.pk for a in knowledge.search("白蚁")] == [kb["K001"].pk]


# --- loading --------------------------------------------------------------------------------


def test_loading_is_idempotent(kb):
    before = (Article.objects.count(), ArticleVersion.objects.count())
    assert before == (40, 40)
    again = knowledge.load_articles(knowledge_data())
    assert (Article.objects.count(), ArticleVersion.objects.count()) == before
    assert again["K001"].pk == kb["K001"].pk


def test_loading_links_items_by_name(kb):
    assert kb["K001"].item.published.name == "大件垃圾清运预约"
    assert kb["K004"].item is None  # item: ""
    assert kb["K001"].subject.code == "CS-01"
    assert kb["K001"].owner.code == CGW
    assert kb["K004"].owner.code == ZJW


def test_loading_a_changed_answer_makes_a_new_version(kb):
    data = knowledge_data()
    data[0]["answer"] += "（演示口径已更新）"
    knowledge.load_articles(data)
    article = Article.objects.get(pk=kb["K001"].pk)
    assert article.version == 2
    assert [v.version for v in knowledge.versions(article)] == [2, 1]


@pytest.mark.parametrize(
    "row",
    [
        {"id": "X1", "subject": "CS", "question": "一级分类的问题？", "answer": ANSWER},
        {"id": "X2", "subject": "CS-01", "question": "控制\x00字符？", "answer": ANSWER},
        {"id": "X3", "subject": "CS-01", "question": "没有答复？", "answer": ""},
        "not a dict",
    ],
)
def test_loading_bad_data_is_refused_whole(kb_line, row):
    with pytest.raises(ValidationError):
        knowledge.load_articles(
            [{"id": "OK", "subject": "CS-01", "question": "正常的问题？", "answer": ANSWER}, row]
        )
    assert not Article.objects.exists()


def test_loading_an_item_the_catalogue_lacks_leaves_it_out(kb_line):
    [article] = knowledge.load_articles(
        [
            {
                "id": "K1",
                "subject": "CS-01",
                "question": "正常的问题？",
                "answer": ANSWER,
                "item": "不存在的事项",
            }
        ]
    ).values()
    assert article.item is None


# --- statement budgets ------------------------------------------------------------------------


def test_statement_budgets(staff):
    dispatcher = fresh(staff["kb-dispatcher"])
    subject = Subject.objects.select_related("org").get(code="CS-01")
    # grants; savepoint, insert article, insert version, audit event, release
    with exactly(6, "create_article"):
        article = knowledge.create_article(
            by=dispatcher, subject=subject, question="垃圾桶满了怎么办？", answer=ANSWER
        )
    dispatcher = fresh(dispatcher)
    # savepoint, lock, grants, update, insert versions (one INSERT), audit event, release
    with exactly(7, "edit_article"):
        knowledge.edit_article(
            article, by=dispatcher, question=article.question, answer=ANSWER + "改"
        )
    dispatcher = fresh(dispatcher)
    # savepoint, lock, grants, update, audit event, release (mark_reviewed the same)
    with exactly(6, "retire_article"):
        knowledge.retire_article(article, by=dispatcher)
    dispatcher = fresh(dispatcher)
    with exactly(6, "mark_reviewed"):
        knowledge.mark_reviewed(
            article, by=dispatcher, next_review_on=knowledge.today() + datetime.timedelta(days=9)
        )
