"""The dispatcher's and the units' pages (yiwang.hotline.views_workbench*, docs/hotline.md
"Dispatching and handling"): every action through its page changes the appeal, is refused
to the wrong role or unit (a 404 to outsiders), and bad input changes nothing; a
confidential caller stays hidden from the units; the lists cost the same number of
statements for 3 appeals as for 30."""

import pytest
from django.core.files.base import ContentFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.hotline import factories
from tests.hotline.factories import CGW, SCJ, ZJW
from yiwang.hotline import services
from yiwang.hotline.models import (
    Appeal,
    AppealStatus,
    AppealType,
    AppealUnit,
    Attachment,
    Channel,
    EntryKind,
    Extension,
    ExtensionStatus,
    Subject,
    UnitRole,
    UnitStatus,
)
from yiwang.identity.roles import Role

W = "/workbench/hotline"


@pytest.fixture
def wb(line):
    """The line's people (tests/hotline/factories.py: a dispatcher and an agent for the
    district, handlers at 城管委 and 住建委) and one at 市场监管局; two subjects, 市容环境卫生
    (城管委, 5 working days) and 物业管理 (住建委, 10)."""
    parent = Subject.objects.create(code="WB", name="城市管理")
    subjects = {
        "CS-01": factories.make_subject("WB-01", name="市容环境卫生", org=CGW, parent=parent),
        "ZF-01": factories.make_subject("WB-02", name="物业管理", org=ZJW, days=10, parent=parent),
    }
    people = {
        "dispatcher": line.dispatcher,
        "agent": line.agent,
        "cgw": line.handler,
        "zjw": line.handler2,
        "scj": factories.make_user(role=Role.HANDLER, at=SCJ, real_name="市场监管承办人"),
    }
    orgs = {code: factories.org(code) for code in (CGW, ZJW, SCJ)}
    return {"orgs": orgs, "subjects": subjects, "people": people}


def record(wb, *, text="小区门口垃圾三天没人清运，气味很大。", subject="CS-01", **extra):
    options = {
        "by": wb["people"]["agent"],
        "type": AppealType.COMPLAINT,
        "text": text,
        "channel": Channel.PHONE,
        "subject": wb["subjects"][subject] if subject else None,
        "caller_name": "王秀英",
        "phone": "13800138000",
        **extra,
    }
    return services.record_appeal(**options)


def dispatched(wb, *, lead=CGW, assisting=(), **extra):
    appeal = record(wb, **extra)
    return services.dispatch(
        appeal,
        by=wb["people"]["dispatcher"],
        subject=appeal.subject or wb["subjects"]["CS-01"],
        lead=wb["orgs"][lead],
        assisting=[wb["orgs"][code] for code in assisting],
    )


def handling(wb, **extra):
    appeal = dispatched(wb, **extra)
    return services.accept(appeal, by=wb["people"]["cgw"])


def fresh(appeal) -> Appeal:
    return Appeal.objects.get(pk=appeal.pk)


def snapshot(appeal):
    """What a refused action must leave as it was."""
    appeal = fresh(appeal)
    return (
        appeal.status,
        appeal.lead_unit_id,
        appeal.subject_id,
        appeal.returns,
        appeal.reply,
        appeal.entries.count(),
        list(appeal.units.values_list("org_id", "role", "status", "is_current")),
        list(appeal.extensions.values_list("status", "days")),
    )


def as_(client, user):
    client.force_login(user)
    return client


# --- the dispatcher's queue ---------------------------------------------------------------


def test_the_queue_lists_pending_appeals_oldest_first_with_returns_and_duplicates(client, wb):
    first = record(wb, text="第一件：人行道上堆放建筑垃圾。")
    second = record(wb, text="第二件：楼道里的电动车充电。", phone="13900139000")
    returned = dispatched(wb, text="第三件：物业不修电梯。", subject="ZF-01", lead=CGW)
    services.return_appeal(returned, by=wb["people"]["cgw"], reason="电梯维修由住建委负责")
    page = as_(client, wb["people"]["dispatcher"]).get(f"{W}/dispatch/")
    assert page.status_code == 200
    text = page.text
    assert text.index(first.number) < text.index(second.number) < text.index(returned.number)
    assert "已退单1次" in text and "电梯维修由住建委负责" in text
    duplicate = record(wb, text="第一件：人行道上堆放建筑垃圾。")
    if fresh(duplicate).suspected_duplicate_of_id:
        assert "疑似重复" in client.get(f"{W}/dispatch/").text


@pytest.mark.parametrize("who", ["agent", "cgw"])
def test_the_dispatcher_pages_do_not_exist_for_others(client, wb, who):
    appeal = record(wb)
    before = snapshot(appeal)
    as_(client, wb["people"][who])
    assert client.get(f"{W}/dispatch/").status_code == 404
    assert client.get(f"{W}/dispatch/{appeal.pk}/").status_code == 404
    data = {"subject": wb["subjects"]["CS-01"].pk, "lead": wb["orgs"][CGW].pk}
    assert client.post(f"{W}/dispatch/{appeal.pk}/", data).status_code == 404
    assert client.post(f"{W}/dispatch/{appeal.pk}/merge/", {"into": "1"}).status_code == 404
    assert snapshot(appeal) == before


def test_a_citizen_gets_404_on_every_staff_page(client, wb, user_named):
    appeal = record(wb)
    as_(client, user_named("citizen"))
    for url in (
        f"{W}/dispatch/",
        f"{W}/unit/",
        f"{W}/appeals/{appeal.pk}/",
        f"{W}/dispatch/{appeal.pk}/",
    ):
        assert client.get(url).status_code == 404, url


# --- dispatching --------------------------------------------------------------------------


def test_the_dispatch_screen_shows_text_caller_and_suggestion(client, wb):
    appeal = record(wb)
    page = as_(client, wb["people"]["dispatcher"]).get(f"{W}/dispatch/{appeal.pk}/")
    assert page.status_code == 200
    assert "小区门口垃圾三天没人清运" in page.text
    assert "王秀英" in page.text and "13800138000" in page.text
    assert "示范区城市管理委员会" in page.text and "采纳建议并派单" in page.text


def test_taking_the_suggestion_dispatches_and_goes_to_the_next_appeal(client, wb):
    appeal = record(wb)
    following = record(wb, text="下一件：楼下饭店油烟扰民。", phone="13700137000")
    as_(client, wb["people"]["dispatcher"])
    answer = client.post(
        f"{W}/dispatch/{appeal.pk}/",
        {"subject": wb["subjects"]["CS-01"].pk, "lead": wb["orgs"][CGW].pk},
    )
    assert answer.status_code == 302 and answer.url == f"{W}/dispatch/{following.pk}/"
    appeal = fresh(appeal)
    assert appeal.status == AppealStatus.DISPATCHED
    assert appeal.lead_unit == wb["orgs"][CGW]
    assert appeal.accept_by and appeal.due_on
    assert appeal.suggestion  # what was suggested is kept beside what was chosen


def test_the_dispatcher_corrects_the_suggestion_with_assisting_units(client, wb):
    appeal = record(wb)
    as_(client, wb["people"]["dispatcher"]).post(
        f"{W}/dispatch/{appeal.pk}/",
        {
            "subject": wb["subjects"]["ZF-01"].pk,
            "lead": wb["orgs"][ZJW].pk,
            "assisting": [wb["orgs"][CGW].pk],
            "note": "物业负责清运",
        },
    )
    appeal = fresh(appeal)
    assert appeal.subject == wb["subjects"]["ZF-01"] and appeal.lead_unit == wb["orgs"][ZJW]
    units = {(u.org.code, u.role) for u in appeal.units.filter(is_current=True)}
    assert units == {(ZJW, UnitRole.LEAD), (CGW, UnitRole.ASSIST)}


@pytest.mark.parametrize(
    "data",
    [
        {"subject": "１", "lead": "x"},  # full-width digits, not a number
        {"subject": "999999", "lead": "999999"},  # no such rows
        {"subject": "", "lead": ""},
        {"subject": "CS", "lead": "1e3"},
        {"note": "垃圾\x00"},  # a NUL in the note
        {"note": "长" * 5000},
        {"assisting": "same-as-lead"},
    ],
)
def test_bad_dispatch_input_changes_nothing(client, wb, data):
    appeal = record(wb)
    before = snapshot(appeal)
    full = {"subject": wb["subjects"]["CS-01"].pk, "lead": wb["orgs"][CGW].pk, **data}
    if data.get("assisting") == "same-as-lead":
        full["assisting"] = [wb["orgs"][CGW].pk]
    answer = as_(client, wb["people"]["dispatcher"]).post(f"{W}/dispatch/{appeal.pk}/", full)
    assert answer.status_code == 400
    # A NUL is refused before the view (web.middleware.RequestInputMiddleware).
    assert "诉求没有任何改变" in answer.text or "\x00" in str(data.get("note"))
    assert snapshot(appeal) == before


def test_merging_a_duplicate(client, wb):
    original = record(wb)
    duplicate = record(wb, text="又打来：小区门口垃圾三天没人清运。")
    as_(client, wb["people"]["dispatcher"])
    refused = client.post(f"{W}/dispatch/{duplicate.pk}/merge/", {"into": "２０２５"})
    assert refused.status_code == 400 and fresh(duplicate).status == AppealStatus.PENDING
    wrong_day = "19990101" + original.number[8:]
    refused = client.post(f"{W}/dispatch/{duplicate.pk}/merge/", {"into": wrong_day})
    assert refused.status_code == 400 and "没有找到" in refused.text
    answer = client.post(f"{W}/dispatch/{duplicate.pk}/merge/", {"into": original.number})
    assert answer.status_code == 302
    duplicate = fresh(duplicate)
    assert duplicate.status == AppealStatus.MERGED and duplicate.merged_into_id == original.pk


def test_a_consultation_answered_on_the_phone_is_closed_without_dispatch(client, wb):
    appeal = record(wb, type=AppealType.CONSULT, text="请问垃圾分类的投放时间？")
    as_(client, wb["people"]["dispatcher"])
    assert "直接答复办结" in client.get(f"{W}/dispatch/{appeal.pk}/").text
    assert client.post(f"{W}/dispatch/{appeal.pk}/answer/", {"answer": ""}).status_code == 400
    assert fresh(appeal).status == AppealStatus.PENDING
    answer = client.post(f"{W}/dispatch/{appeal.pk}/answer/", {"answer": "早7点至9点。"})
    assert answer.status_code == 302
    assert fresh(appeal).status == AppealStatus.CLOSED


# --- the units ----------------------------------------------------------------------------


def test_the_unit_sees_its_appeal_with_the_accept_limit_in_words(client, wb):
    appeal = dispatched(wb)
    page = as_(client, wb["people"]["cgw"]).get(f"{W}/unit/")
    assert page.status_code == 200
    assert appeal.number in page.text and "签收剩余" in page.text
    assert appeal.number not in as_(client, wb["people"]["zjw"]).get(f"{W}/unit/").text


def test_the_unit_accepts_from_its_list(client, wb):
    appeal = dispatched(wb)
    answer = as_(client, wb["people"]["cgw"]).post(
        f"{W}/appeals/{appeal.pk}/accept/", {"next": "queue"}
    )
    assert answer.status_code == 302 and answer.url == f"{W}/unit/"
    appeal = fresh(appeal)
    assert appeal.status == AppealStatus.HANDLING
    page = client.get(f"{W}/unit/?tab=handling")
    assert appeal.number in page.text and "办理剩余" in page.text


def test_another_unit_gets_404_and_changes_nothing(client, wb):
    appeal = dispatched(wb)
    before = snapshot(appeal)
    as_(client, wb["people"]["scj"])
    assert client.get(f"{W}/appeals/{appeal.pk}/").status_code == 404
    for action, data in [
        ("accept", {}),
        ("return", {"reason": "不归我们"}),
        ("note", {"note-text": "看看"}),
        ("reply", {"reply-text": "已处理"}),
        ("extension", {"days": "3", "reason": "复杂"}),
        ("review", {"decision": "approve"}),
    ]:
        assert client.post(f"{W}/appeals/{appeal.pk}/{action}/", data).status_code == 404, action
    assert snapshot(appeal) == before


def test_returning_needs_a_reason_and_goes_back_to_the_dispatcher(client, wb):
    appeal = dispatched(wb)
    before = snapshot(appeal)
    as_(client, wb["people"]["cgw"])
    refused = client.post(f"{W}/appeals/{appeal.pk}/return/", {"reason": "  "})
    assert refused.status_code == 400 and "退单必须写明理由" in refused.text
    refused = client.post(f"{W}/appeals/{appeal.pk}/return/", {"reason": "不\x07对"})
    assert refused.status_code == 400
    assert snapshot(appeal) == before
    answer = client.post(f"{W}/appeals/{appeal.pk}/return/", {"reason": "属于物业管理范围"})
    assert answer.status_code == 302 and answer.url == f"{W}/unit/"
    appeal = fresh(appeal)
    assert appeal.status == AppealStatus.PENDING and appeal.returns == 1
    queue = as_(client, wb["people"]["dispatcher"]).get(f"{W}/dispatch/").text
    assert "属于物业管理范围" in queue


def test_the_dispatcher_cannot_act_for_the_unit(client, wb):
    appeal = dispatched(wb)
    before = snapshot(appeal)
    as_(client, wb["people"]["dispatcher"])
    assert client.post(f"{W}/appeals/{appeal.pk}/accept/").status_code in (403, 404)
    assert snapshot(appeal) == before


def test_an_assisting_unit_gives_its_opinion(client, wb):
    appeal = dispatched(wb, assisting=[ZJW])
    services.accept(appeal, by=wb["people"]["cgw"])
    as_(client, wb["people"]["zjw"])
    page = client.get(f"{W}/appeals/{appeal.pk}/")
    assert page.status_code == 200 and "签收" in page.text
    client.post(f"{W}/appeals/{appeal.pk}/accept/")
    assert "提交协办意见" in client.get(f"{W}/appeals/{appeal.pk}/").text
    assert client.post(f"{W}/appeals/{appeal.pk}/opinion/", {"opinion-text": ""}).status_code == 400
    answer = client.post(f"{W}/appeals/{appeal.pk}/opinion/", {"opinion-text": "已督促物业清运"})
    assert answer.status_code == 302
    part = AppealUnit.objects.get(appeal=appeal, org__code=ZJW, is_current=True)
    assert part.opinion == "已督促物业清运" and part.status == UnitStatus.REPLIED


def test_an_internal_note_is_in_the_timeline_marked_internal(client, wb):
    appeal = handling(wb)
    as_(client, wb["people"]["cgw"])
    assert client.post(f"{W}/appeals/{appeal.pk}/note/", {"note-text": "\x00"}).status_code == 400
    client.post(f"{W}/appeals/{appeal.pk}/note/", {"note-text": "已联系环卫所"})
    entry = fresh(appeal).entries.get(kind=EntryKind.NOTE)
    assert entry.internal and entry.text == "已联系环卫所"
    assert "仅内部可见" in client.get(f"{W}/appeals/{appeal.pk}/").text


@pytest.mark.parametrize("days", ["", "0", "３", "99", "-2", "1.5"])
def test_bad_extension_requests_change_nothing(client, wb, days):
    appeal = handling(wb)
    before = snapshot(appeal)
    answer = as_(client, wb["people"]["cgw"]).post(
        f"{W}/appeals/{appeal.pk}/extension/", {"days": days, "reason": "需现场勘查"}
    )
    assert answer.status_code == 400 and snapshot(appeal) == before


def test_an_extension_requested_and_decided_by_the_dispatcher(client, wb):
    appeal = handling(wb)
    due = fresh(appeal).due_on
    as_(client, wb["people"]["cgw"]).post(
        f"{W}/appeals/{appeal.pk}/extension/", {"days": "3", "reason": "需现场勘查"}
    )
    extension = Extension.objects.get(appeal=appeal)
    assert extension.status == ExtensionStatus.PENDING and extension.days == 3
    # The unit may not decide its own request.
    assert (
        client.post(f"{W}/extensions/{extension.pk}/decide/", {"approve": "1"}).status_code == 404
    )
    as_(client, wb["people"]["dispatcher"])
    tab = client.get(f"{W}/dispatch/?tab=extensions")
    assert appeal.number in tab.text and "需现场勘查" in tab.text
    client.post(f"{W}/extensions/{extension.pk}/decide/", {"approve": "yes"})
    assert Extension.objects.get(pk=extension.pk).status == ExtensionStatus.PENDING
    answer = client.post(f"{W}/extensions/{extension.pk}/decide/", {"approve": "1"})
    assert answer.status_code == 302
    assert Extension.objects.get(pk=extension.pk).status == ExtensionStatus.APPROVED
    assert fresh(appeal).due_on > due


@pytest.mark.parametrize(
    "back", ["' OR 1=1 --", "hotline_appeal", "https://evil.example/", "//evil.example/x"]
)
def test_a_next_that_is_no_path_of_this_site_goes_back_to_the_queue(client, wb, back):
    """A `next` that is not a path here was taken for a URL name (a server error) or an
    outside address: the decision goes back to the dispatcher's tab instead."""
    appeal = handling(wb)
    services.request_extension(appeal, by=wb["people"]["cgw"], days=3, reason="需现场勘查")
    extension = Extension.objects.get(appeal=appeal)
    as_(client, wb["people"]["dispatcher"])
    answer = client.post(f"{W}/extensions/{extension.pk}/decide/", {"approve": "1", "next": back})
    assert answer.status_code == 302
    assert answer["Location"] == f"{W}/dispatch/?tab=extensions"
    assert Extension.objects.get(pk=extension.pk).status == ExtensionStatus.APPROVED


def test_reply_review_sent_back_then_approved(client, wb):
    appeal = handling(wb)
    as_(client, wb["people"]["cgw"])
    assert client.post(f"{W}/appeals/{appeal.pk}/reply/", {"reply-text": ""}).status_code == 400
    client.post(f"{W}/appeals/{appeal.pk}/reply/", {"reply-text": "已清运完毕。"})
    assert fresh(appeal).status == AppealStatus.REPLIED
    # The unit cannot approve its own reply.
    assert client.post(f"{W}/appeals/{appeal.pk}/review/", {"decision": "approve"}).status_code in (
        403,
        404,
    )
    as_(client, wb["people"]["dispatcher"])
    assert appeal.number in client.get(f"{W}/dispatch/?tab=replies").text
    refused = client.post(f"{W}/appeals/{appeal.pk}/review/", {"decision": "return"})
    assert refused.status_code == 400 and fresh(appeal).status == AppealStatus.REPLIED
    client.post(f"{W}/appeals/{appeal.pk}/review/", {"decision": "return", "note": "请写明时间"})
    assert fresh(appeal).status == AppealStatus.HANDLING
    as_(client, wb["people"]["cgw"]).post(
        f"{W}/appeals/{appeal.pk}/reply/", {"reply-text": "3月3日上午已清运完毕。"}
    )
    as_(client, wb["people"]["dispatcher"])
    answer = client.post(f"{W}/appeals/{appeal.pk}/review/", {"decision": "approve"})
    assert answer.status_code == 302
    appeal = fresh(appeal)
    assert appeal.status == AppealStatus.ANSWERED and appeal.reply == "3月3日上午已清运完毕。"


# --- who sees the caller --------------------------------------------------------------------


def test_a_confidential_reporters_caller_is_hidden_from_the_unit(client, wb):
    appeal = dispatched(wb, type=AppealType.REPORT, confidential=True, text="举报：夜间偷倒渣土。")
    unit_page = as_(client, wb["people"]["cgw"]).get(f"{W}/appeals/{appeal.pk}/")
    assert unit_page.status_code == 200
    assert "王秀英" not in unit_page.text and "13800138000" not in unit_page.text
    assert "保密举报" in unit_page.text
    dispatcher_page = as_(client, wb["people"]["dispatcher"]).get(f"{W}/appeals/{appeal.pk}/")
    assert "王秀英" in dispatcher_page.text


def test_an_ordinary_callers_number_is_shown_to_the_unit(client, wb):
    appeal = dispatched(wb)
    assert "13800138000" in as_(client, wb["people"]["cgw"]).get(f"{W}/appeals/{appeal.pk}/").text


# --- attachments ------------------------------------------------------------------------------


def test_an_attachment_is_a_sandboxed_download_for_those_who_see_the_appeal(client, wb):
    appeal = dispatched(wb)
    stored = Attachment(
        appeal=appeal, name="现场.jpg", content_type="image/jpeg", size=4, sha256="a" * 64
    )
    stored.file.save("x", ContentFile(b"\xff\xd8\xff\xe0"), save=False)
    stored.save()
    try:
        answer = as_(client, wb["people"]["cgw"]).get(f"{W}/attachments/{stored.pk}/")
        assert answer.status_code == 200
        assert "sandbox" in answer["Content-Security-Policy"]
        assert answer["Content-Disposition"].startswith("attachment")
        assert (
            as_(client, wb["people"]["scj"]).get(f"{W}/attachments/{stored.pk}/").status_code == 404
        )
    finally:
        stored.file.delete(save=False)


# --- statements: no query per row -------------------------------------------------------------


def _count(client, url) -> int:
    client.get(url)  # a first visit remembers the queue the user lands on (web.landing)
    with CaptureQueriesContext(connection) as queries:
        answer = client.get(url)
    assert answer.status_code == 200
    return len(queries)


def _fill(wb, n):
    """n rounds that put rows in every list: one appeal pending; one dispatched to 城管委
    and returned (every third) or signed for — then with an extension pending or a reply
    to review, and a warning; one dispatched and waiting to be signed for."""
    cgw = wb["people"]["cgw"]
    for i in range(n):
        record(wb, text=f"第{i}件：小区垃圾没人清运。", phone=f"1380013{i:04d}")
        appeal = dispatched(wb, text=f"第{i}件：路灯不亮。", phone=f"1390013{i:04d}")
        dispatched(wb, text=f"第{i}件：井盖缺失。", phone=f"1370013{i:04d}")
        if i % 3 == 0:
            services.return_appeal(appeal, by=cgw, reason="不归本单位")
            continue
        services.accept(appeal, by=cgw)
        if i % 3 == 1:
            services.request_extension(appeal, by=cgw, days=2, reason="需要现场勘查核实")
        else:
            services.reply(appeal, by=cgw, text="路灯已经修好了。")
        # The warning job's levels (services.refresh_warnings) without moving the clock.
        Appeal.objects.filter(pk=appeal.pk).update(warning="yellow" if i % 2 else "red")


LISTS = [
    ("dispatcher", f"{W}/dispatch/"),
    ("dispatcher", f"{W}/dispatch/?tab=replies"),
    ("dispatcher", f"{W}/dispatch/?tab=extensions"),
    ("dispatcher", f"{W}/dispatch/?tab=warned"),
    ("cgw", f"{W}/unit/"),
    ("cgw", f"{W}/unit/?tab=handling"),
    ("cgw", f"{W}/unit/?tab=replied"),
]


# Statements of each list page: the session and the user (2), the user's grants (1), the
# tabs' counts (1 aggregate; the dispatcher's pending extensions 1 more), the page's count
# (1) and rows (1, their subject, area, unit and duplicate joined), one prefetch (the return
# entries of the pending appeals; the units of a unit's appeals), the unread messages in
# the header (1) and the session's save (3: savepoint, update, release). An empty page
# skips its rows and prefetch.
PINS = {
    f"{W}/dispatch/": 12,
    f"{W}/dispatch/?tab=replies": 11,  # no prefetch
    f"{W}/dispatch/?tab=extensions": 11,  # no prefetch
    f"{W}/dispatch/?tab=warned": 11,  # no prefetch
    f"{W}/unit/": 11,
    f"{W}/unit/?tab=handling": 11,
    f"{W}/unit/?tab=replied": 11,
}


def test_the_lists_cost_the_same_for_3_appeals_as_for_30(client, wb):
    _fill(wb, 3)
    few = {url: _count(as_(client, wb["people"][who]), url) for who, url in LISTS}
    _fill(wb, 27)
    many = {url: _count(as_(client, wb["people"][who]), url) for who, url in LISTS}
    assert few == PINS
    assert many == few
