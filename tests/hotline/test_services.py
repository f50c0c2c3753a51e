"""The 12345 line's services (docs/hotline.md, "Appeals: the line's only door"): each
state change, its refusals, its timeline and its statement count."""

import datetime
import io

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import Http404
from PIL import Image

from tests.hotline import factories
from tests.hotline.conftest import SHANGHAI
from tests.hotline.factories import CGW, SCJ, ZJW, make_appeal, make_citizen, org, record
from tests.statements import exactly, fresh
from yiwang.core.machines import TransitionError
from yiwang.core.models import DomainEvent
from yiwang.hotline import selectors, services
from yiwang.hotline.models import (
    Appeal,
    AppealArticle,
    AppealStatus,
    AppealType,
    AppealUnit,
    Article,
    Attachment,
    Callback,
    Channel,
    EntryKind,
    Extension,
    Resolution,
    UnitStatus,
    Warning,
)
from yiwang.notify.models import Channel as MessageChannel
from yiwang.notify.models import Message
from yiwang.workdays import calendar

pytestmark = pytest.mark.django_db


def kinds(appeal, *, public=False):
    return [e.kind for e in selectors.timeline(appeal, public=public)]


def told(user, number):
    return Message.objects.filter(recipient=user, subject__contains=number).exists()


def png(name="photo.png") -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", (32, 24), (200, 120, 40)).save(out, "PNG")
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/png")


def warm():
    """Load the working-day calendar once, as a running process has it."""
    calendar.add_workdays_checked(datetime.date(2026, 3, 2), 1)


# --- intake ------------------------------------------------------------------------------------


def test_an_agent_records_a_call(line, subject):
    appeal = record(line, subject=subject, caller_name="王先生", phone="138 1234 5678")
    assert appeal.status == AppealStatus.PENDING
    assert appeal.token and Appeal.hash_token(appeal.token) == appeal.token_hash
    stored = Appeal.objects.get(pk=appeal.pk)
    assert stored.phone == "13812345678" and stored.caller_name == "王先生"
    assert "13812345678" not in stored.phone_encrypted  # encrypted at rest
    assert stored.recorded_by == line.agent
    assert stored.area_path == org(factories.QINGNIANHU).path
    assert kinds(stored) == [EntryKind.RECEIVED]
    assert DomainEvent.objects.filter(kind="appeal.received", aggregate_id=appeal.pk).exists()


def test_a_number_is_the_day_and_the_id(line):
    appeal = record(line)
    assert appeal.number == f"20260302{appeal.pk:06d}"


def test_recording_costs_a_fixed_number_of_statements(line, subject):
    area = org(factories.QINGNIANHU)
    record(line, subject=subject, text="第一条诉求，内容与下一条完全不同，仅用于占位。")
    warm()
    fresh(line.agent)
    # Savepoint; the agent's grants; the same caller and subject in 7 days; the last 200 of
    # the caller or the area; the appeal; its timeline, audit and event; release.
    with exactly(9, "record_appeal"):
        services.record_appeal(
            by=line.agent,
            type="投诉",
            text="楼下餐馆油烟直排，晚上窗户都不敢开，请相关部门查处。",
            channel=Channel.PHONE,
            subject=subject,
            area=area,
            phone="13700000001",
        )


@pytest.mark.parametrize(
    ("field", "value", "code"),
    [
        ("text", "太吵了", "too_short"),
        ("text", "x" * 4001, "too_long"),
        ("text", "噪音扰民\x00严重，请处理", "control_chars"),
        ("phone", "1234", "phone_invalid"),
        ("type", "抱怨", "invalid"),
        ("channel", "fax", "invalid"),
    ],
)
def test_bad_input_is_refused_and_nothing_is_stored(line, field, value, code):
    before = Appeal.objects.count()
    with pytest.raises(ValidationError) as refused:
        record(line, **{field: value})
    assert code in [e.code for e in refused.value.error_dict[field]]
    assert Appeal.objects.count() == before


def test_every_problem_is_reported_at_once(line, subject):
    with pytest.raises(ValidationError) as refused:
        record(
            line,
            text="短",
            phone="12",
            subject=subject.parent,  # a first-level subject
            area=org(CGW),  # a department, not a street
            type=AppealType.COMPLAINT,
            confidential=True,  # only a 举报 may be confidential
        )
    assert set(refused.value.error_dict) == {"text", "phone", "subject", "area", "confidential"}


def test_attachments_are_checked_like_case_uploads(line):
    appeal = record(line, attachments=[png("a.png"), png("a.png")])  # the same bytes twice
    assert Attachment.objects.filter(appeal=appeal).count() == 1
    fake = SimpleUploadedFile("x.png", b"<html><script>alert(1)</script>", content_type="image/png")
    with pytest.raises(ValidationError) as refused:
        record(line, attachments=[fake])
    assert refused.value.error_dict["attachments"][0].code == "upload_type"
    with pytest.raises(ValidationError) as refused:
        record(line, attachments=[png(f"{i}.png") for i in range(6)])
    assert refused.value.error_dict["attachments"][0].code == "too_many_files"


def test_a_citizen_files_their_own_on_the_web_but_not_as_a_phone_call(line):
    appeal = record(line, by=line.citizen, channel=Channel.WEB, phone="")
    assert appeal.citizen == line.citizen and appeal.recorded_by == line.citizen
    with pytest.raises(PermissionDenied):
        record(line, by=line.citizen, channel=Channel.PHONE)
    with pytest.raises(PermissionDenied):  # not in someone else's name
        record(line, by=line.citizen, channel=Channel.WEB, citizen=make_citizen())


def test_an_anonymous_web_appeal_needs_a_phone_an_open311_one_does_not(line):
    with pytest.raises(ValidationError) as refused:
        record(line, by=None, channel=Channel.WEB, phone="")
    assert refused.value.error_dict["phone"][0].code == "phone_required"
    appeal = record(line, by=None, channel=Channel.OPEN311, phone="", lat="39.9", long="116.4")
    assert appeal.recorded_by is None and str(appeal.lat) == "39.900000"


# --- duplicates --------------------------------------------------------------------------------


def test_the_same_caller_on_the_same_subject_within_7_days_is_flagged(line, subject, monday):
    first = record(line, subject=subject, phone="13711112222")
    monday.shift(datetime.timedelta(days=3))
    second = record(
        line, subject=subject, phone="13711112222", text="还是门口垃圾没人清运的问题，再次反映。"
    )
    assert second.suspected_duplicate_of_id == first.pk
    assert EntryKind.FLAGGED_DUPLICATE in kinds(second)
    assert EntryKind.FLAGGED_DUPLICATE not in kinds(second, public=True)


def test_a_closed_appeal_older_than_7_days_is_not_a_duplicate(line, subject, monday):
    first = make_appeal("closed", line=line, subject=subject, phone="13711113333")
    monday.shift(datetime.timedelta(days=8))
    second = record(
        line, subject=subject, phone="13711113333", text="新的问题：楼道里堆满杂物无人清理。"
    )
    assert first.status == AppealStatus.CLOSED
    assert second.suspected_duplicate_of_id is None


def test_a_near_identical_text_in_the_same_area_is_flagged(line):
    text = "青年湖北街路口的路灯坏了一个多月，晚上一片漆黑，老人孩子走路很危险，请尽快维修。"
    first = record(line, text=text, phone="13722220001")
    second = record(line, text=text.replace("一个多月", "一个月"), phone="13722220002")
    third = record(line, text="东风路上共享单车乱停放，占满了盲道。", phone="13722220003")
    assert second.suspected_duplicate_of_id == first.pk
    assert third.suspected_duplicate_of_id is None


# --- answering on the spot, merging, withdrawing ------------------------------------------------


def test_a_consultation_is_answered_on_the_spot_from_the_knowledge_base(line, subject):
    article = Article.objects.create(
        subject=subject, question="大件垃圾怎么处理？", answer="预约清运。", version=3
    )
    appeal = record(line, type=AppealType.CONSULT, text="家里旧沙发怎么扔？有没有上门收的？")
    fresh(line.agent)
    # Savepoint; lock; grants; the appeal; the article used and its count; timeline,
    # audit, event; release.
    with exactly(10, "answer_on_spot"):
        appeal = services.answer_on_spot(
            appeal, by=line.agent, answer="可预约大件垃圾清运。", article=article
        )
    assert appeal.status == AppealStatus.CLOSED and appeal.resolution == Resolution.DIRECT
    assert AppealArticle.objects.get(appeal=appeal).version == 3
    assert Article.objects.get(pk=article.pk).uses == 1
    complaint = record(line)
    with pytest.raises(ValidationError) as refused:
        services.answer_on_spot(complaint, by=line.agent, answer="这个不能直接答复。")
    assert refused.value.code == "not_a_consultation"


def test_a_duplicate_is_merged_by_the_dispatcher(line):
    original, duplicate = record(line), record(line)
    fresh(line.dispatcher)
    # Savepoint; both locked in one statement; grants; the appeal; timeline, audit,
    # event; release.
    with exactly(8, "merge"):
        merged = services.merge(duplicate, into=original, by=line.dispatcher)
    assert merged.status == AppealStatus.MERGED and merged.merged_into_id == original.pk
    with pytest.raises(PermissionDenied):
        services.merge(record(line), into=original, by=line.agent)
    with pytest.raises(ValidationError):
        services.merge(original, into=original, by=line.dispatcher)


def test_the_citizen_withdraws_their_own_appeal_only(line):
    mine = record(line, by=line.citizen, channel=Channel.WEB)
    with pytest.raises(Http404):
        services.withdraw(mine, by=make_citizen())
    appeal = services.withdraw(mine, by=line.citizen, reason="问题已自行解决")
    assert appeal.status == AppealStatus.WITHDRAWN
    with pytest.raises(TransitionError):
        services.withdraw(appeal, by=line.citizen)


# --- dispatch ----------------------------------------------------------------------------------


def test_dispatch_sets_units_and_deadlines_on_the_working_day_calendar(line, subject):
    appeal = record(line)
    cgw, zjw = org(CGW), org(ZJW)
    warm()
    fresh(line.dispatcher)
    # Savepoint; lock; grants; the units (one insert); the appeal; the handlers of each
    # unit (two); timeline (entry and note), audit, event, messages; release.
    with exactly(12, "dispatch"):
        appeal = services.dispatch(
            appeal,
            by=line.dispatcher,
            subject=subject,
            lead=cgw,
            assisting=[zjw],
            note="请协调住建委核实物业责任",
            suggestion={"subjects": [], "units": []},
        )
    assert appeal.status == AppealStatus.DISPATCHED
    assert appeal.unit_path == org(CGW).path
    # Monday 2 March 2026: accept by Wednesday, due 5 working days later (Monday 9 March).
    assert appeal.accept_by == datetime.date(2026, 3, 4)
    assert appeal.due_on == datetime.date(2026, 3, 9)
    assert not appeal.due_provisional
    units = {(u.org.code, u.role, u.status) for u in AppealUnit.objects.filter(appeal=appeal)}
    assert units == {(CGW, "lead", "dispatched"), (ZJW, "assist", "dispatched")}
    assert told(line.handler, appeal.number) and told(line.handler2, appeal.number)
    assert EntryKind.NOTE in kinds(appeal) and EntryKind.NOTE not in kinds(appeal, public=True)


def test_deadlines_skip_holidays(demo, subject):
    # Thursday 2 April 2026; 清明 is 4–6 April: the next working days are 3 and 7 April.
    with time_machine.travel(datetime.datetime(2026, 4, 2, 9, 0, tzinfo=SHANGHAI), tick=True):
        line = factories.make_line()
        appeal = make_appeal("dispatched", line=line, subject=subject)
    assert appeal.accept_by == datetime.date(2026, 4, 7)
    assert appeal.due_on == calendar.add_workdays(datetime.date(2026, 4, 2), 5)
    assert appeal.due_on == datetime.date(2026, 4, 10)


def test_a_deadline_in_an_unpublished_year_is_provisional(demo, subject):
    with time_machine.travel(datetime.datetime(2027, 3, 1, 9, 0, tzinfo=SHANGHAI), tick=True):
        line = factories.make_line()
        appeal = make_appeal("dispatched", line=line, subject=subject)
    assert appeal.due_provisional and appeal.due_on == datetime.date(2027, 3, 8)


def test_only_a_dispatcher_dispatches(line, subject):
    appeal = record(line)
    with pytest.raises(PermissionDenied):  # the agent sees the line but does not dispatch
        services.dispatch(appeal, by=line.agent, subject=subject, lead=org(CGW))
    with pytest.raises(Http404):  # a handler does not even see a pending appeal
        services.dispatch(appeal, by=line.handler, subject=subject, lead=org(CGW))
    with pytest.raises(ValidationError):
        services.dispatch(appeal, by=line.dispatcher, subject=subject.parent, lead=org(CGW))


def test_sent_elsewhere_the_earlier_units_are_history(line, subject):
    appeal = make_appeal("dispatched", line=line, subject=subject)
    appeal = services.dispatch(appeal, by=line.dispatcher, subject=subject, lead=org(ZJW))
    current = AppealUnit.objects.filter(appeal=appeal, is_current=True)
    assert [u.org.code for u in current] == [ZJW]
    assert AppealUnit.objects.filter(appeal=appeal, is_current=False, org__code=CGW).exists()
    with pytest.raises(Http404):
        services.accept(appeal, by=line.handler)
    handling = make_appeal("handling", line=line, subject=subject)
    with pytest.raises(TransitionError):
        services.dispatch(handling, by=line.dispatcher, subject=subject, lead=org(ZJW))


# --- units -------------------------------------------------------------------------------------


def test_the_lead_unit_accepts_and_handling_starts(line, subject):
    appeal = make_appeal("dispatched", line=line, subject=subject, assisting=[ZJW])
    fresh(line.handler)
    # Savepoint; lock; grants; the current units; the appeal; the unit; timeline, audit,
    # event; release.
    with exactly(10, "accept"):
        appeal = services.accept(appeal, by=line.handler)
    assert appeal.status == AppealStatus.HANDLING and appeal.accepted_at
    appeal = services.accept(appeal, by=line.handler2)  # the assisting unit's part only
    assert appeal.status == AppealStatus.HANDLING
    assert set(AppealUnit.objects.filter(appeal=appeal).values_list("status", flat=True)) == {
        UnitStatus.ACCEPTED
    }
    with pytest.raises(TransitionError):
        services.accept(appeal, by=line.handler)


def test_an_outsider_unit_gets_a_404(line, subject):
    appeal = make_appeal("dispatched", line=line, subject=subject)
    stranger = factories.make_user(role=factories.Role.HANDLER, at=SCJ)
    with pytest.raises(Http404):
        services.accept(appeal, by=stranger)
    with pytest.raises(Http404):
        services.accept(appeal, by=line.citizen)


def test_the_lead_unit_returns_it_to_the_dispatcher(line, subject):
    appeal = make_appeal("dispatched", line=line, subject=subject, assisting=[ZJW])
    fresh(line.handler)
    # Savepoint; lock; grants; the current units; units no longer current; the unit
    # returned; the appeal; the dispatcher's message, timeline, audit, event; release.
    with exactly(12, "return_appeal"):
        appeal = services.return_appeal(
            appeal, by=line.handler, reason="不属于本单位职责，应由街道处理"
        )
    assert appeal.status == AppealStatus.PENDING and appeal.returns == 1
    assert appeal.unit_path == "" and appeal.due_on is None
    assert not AppealUnit.objects.filter(appeal=appeal, is_current=True).exists()
    assert told(line.dispatcher, appeal.number)
    assert EntryKind.RETURNED in kinds(appeal)
    assert EntryKind.RETURNED not in kinds(appeal, public=True)
    with pytest.raises(Http404):  # no longer theirs
        selectors.load_for(line.handler, "hotline.view", appeal.pk)


def test_an_assisting_unit_return_ends_only_its_part(line, subject):
    appeal = make_appeal("dispatched", line=line, subject=subject, assisting=[ZJW])
    appeal = services.return_appeal(appeal, by=line.handler2, reason="本单位无相关职责")
    assert appeal.status == AppealStatus.DISPATCHED
    assert [u.org.code for u in AppealUnit.objects.filter(appeal=appeal, is_current=True)] == [CGW]


def test_an_accepted_appeal_cannot_be_returned(line, subject):
    appeal = make_appeal("handling", line=line, subject=subject)
    with pytest.raises(TransitionError):
        services.return_appeal(appeal, by=line.handler, reason="想退回")
    with pytest.raises(ValidationError):
        services.return_appeal(appeal, by=line.handler, reason=" ")


def test_an_assisting_unit_gives_its_opinion_to_the_lead(line, subject):
    appeal = make_appeal("handling", line=line, subject=subject, assisting=[ZJW])
    with pytest.raises(TransitionError):  # not signed for yet
        services.add_opinion(appeal, by=line.handler2, text="建议物业配合清运")
    services.accept(appeal, by=line.handler2)
    fresh(line.handler2)
    # Savepoint; lock; grants; the current units; the unit; timeline, audit, event,
    # message (the lead's handlers are cached since the dispatch); release.
    with exactly(10, "add_opinion"):
        services.add_opinion(appeal, by=line.handler2, text="建议物业配合清运")
    unit = AppealUnit.objects.get(appeal=appeal, org__code=ZJW)
    assert unit.status == UnitStatus.REPLIED and unit.opinion == "建议物业配合清运"
    assert told(line.handler, appeal.number)
    with pytest.raises(ValidationError) as refused:
        services.add_opinion(appeal, by=line.handler, text="主办单位不写协办意见")
    assert refused.value.code == "not_assisting_unit"


def test_internal_notes_are_for_staff_only(line, subject):
    appeal = make_appeal("handling", line=line, subject=subject, citizen=line.citizen)
    fresh(line.handler)
    # Savepoint; lock; grants; the current units; timeline, audit; release (no event: a
    # note changes nothing).
    with exactly(7, "add_note"):
        services.add_note(appeal, by=line.handler, text="已电话联系物业经理")
    assert EntryKind.NOTE in kinds(appeal) and EntryKind.NOTE not in kinds(appeal, public=True)
    with pytest.raises(PermissionDenied):  # the owner may view, not add notes
        services.add_note(appeal, by=line.citizen, text="我也想写备注")


# --- extensions --------------------------------------------------------------------------------


def test_an_extension_is_asked_once_and_moves_the_due_day_when_approved(line, subject):
    appeal = make_appeal("handling", line=line, subject=subject)
    fresh(line.handler)
    # Savepoint; lock; grants; the current units; a pending request?; the request;
    # timeline, audit, event, message; release.
    with exactly(11, "request_extension"):
        extension = services.request_extension(
            appeal, by=line.handler, days=3, reason="需要协调产权单位现场勘查"
        )
    with pytest.raises(ValidationError) as refused:
        services.request_extension(appeal, by=line.handler, days=2, reason="再申请一次试试")
    assert refused.value.code == "extension_pending"
    with pytest.raises(PermissionDenied):
        services.decide_extension(extension, by=line.handler, approve=True)
    warm()
    fresh(line.dispatcher)
    # Savepoint; the request's appeal; lock it, then the request; grants; the request;
    # the appeal; the current units; timeline, audit, event, message; release.
    with exactly(13, "decide_extension"):
        services.decide_extension(extension, by=line.dispatcher, approve=True)
    appeal.refresh_from_db()
    # Due Monday 9 March, + 3 working days: Thursday 12 March.
    assert appeal.due_on == datetime.date(2026, 3, 12)
    assert Extension.objects.get(pk=extension.pk).status == "approved"
    with pytest.raises(TransitionError):
        services.decide_extension(extension, by=line.dispatcher, approve=False)


@pytest.mark.parametrize("days", [0, 31, "三", "１", None])
def test_extension_days_are_checked(line, subject, days):
    appeal = make_appeal("handling", line=line, subject=subject)
    with pytest.raises(ValidationError):
        services.request_extension(
            appeal, by=line.handler, days=days, reason="需要协调产权单位现场勘查"
        )


# --- reply, review, rating -----------------------------------------------------------------------


def test_the_lead_unit_replies_and_the_dispatcher_reviews(line, subject):
    appeal = make_appeal("handling", line=line, subject=subject, phone="13733334444")
    fresh(line.handler)
    # Savepoint; lock; grants; the current units; the appeal; the unit; timeline, audit,
    # event, message; release.
    with exactly(11, "reply"):
        appeal = services.reply(appeal, by=line.handler, text="已安排环卫队当日清运完毕。")
    assert appeal.status == AppealStatus.REPLIED
    assert EntryKind.REPLIED not in kinds(appeal, public=True)  # not before review
    fresh(line.dispatcher)
    # Savepoint; lock; grants; the appeal; timeline, audit, event; the text message;
    # release.
    with exactly(9, "review_reply (approve)"):
        appeal = services.review_reply(appeal, by=line.dispatcher, approve=True)
    assert appeal.status == AppealStatus.ANSWERED and appeal.answered_at
    assert EntryKind.REPLY_APPROVED in kinds(appeal, public=True)
    # A caller without an account is told by text message, with the tracking page.
    sms = Message.objects.get(channel=MessageChannel.SMS, address="13733334444")
    assert appeal.number in sms.body and "/hotline/track/" in sms.body


def test_a_reply_sent_back_goes_to_the_lead_unit_again(line, subject):
    appeal = make_appeal("replied", line=line, subject=subject)
    with pytest.raises(ValidationError):  # a reason is needed
        services.review_reply(appeal, by=line.dispatcher, approve=False)
    fresh(line.dispatcher)
    # Savepoint; lock; grants; the current units; the lead unit; the appeal; timeline,
    # audit, event, message; release.
    with exactly(11, "review_reply (send back)"):
        appeal = services.review_reply(
            appeal, by=line.dispatcher, approve=False, note="答复未说明处理结果"
        )
    assert appeal.status == AppealStatus.HANDLING
    assert AppealUnit.objects.get(appeal=appeal, role="lead").status == UnitStatus.ACCEPTED
    assert told(line.handler, appeal.number)
    with pytest.raises(PermissionDenied):
        services.review_reply(appeal, by=line.handler, approve=True)


def test_a_board_post_is_published_masked(line, subject):
    appeal = make_appeal(
        "replied",
        line=line,
        subject=subject,
        channel=Channel.BOARD,
        by=line.citizen,
        text="我姓王，住青年湖社区3号楼2单元501室，电话13912345678，楼下垃圾站很臭。",
        reply="已联系王先生，垃圾站已清洗。",
    )
    assert appeal.board_kind == "complain"
    appeal = services.review_reply(appeal, by=line.dispatcher, approve=True)
    assert appeal.published_at is not None
    assert "13912345678" not in appeal.public_text and "501" not in appeal.public_text
    assert "王" not in appeal.public_reply
    assert told(line.citizen, appeal.number)  # in-site: the citizen has an account


def test_satisfied_closes_the_appeal(line, subject):
    appeal = make_appeal("answered", line=line, subject=subject, citizen=line.citizen)
    with pytest.raises(Http404):
        services.rate(appeal, satisfaction="satisfied", by=make_citizen())
    with pytest.raises(Http404):
        services.rate(appeal, satisfaction="satisfied", token="wrong")
    fresh(line.citizen)
    # Savepoint; lock; the appeal; timeline, audit, event; release.
    with exactly(7, "rate"):
        appeal = services.rate(appeal, satisfaction="basic", by=line.citizen)
    assert appeal.status == AppealStatus.CLOSED and appeal.resolution == Resolution.HANDLED
    assert appeal.satisfaction == "basic"
    with pytest.raises(TransitionError) as closed:
        services.rate(appeal, satisfaction="satisfied", by=line.citizen)
    assert closed.value.code == "appeal_not_answered"


def test_an_appeal_not_answered_yet_cannot_be_rated_closed(line, subject):
    """The machine lets a pending appeal close (answered on the spot): a rating must not."""
    appeal = make_appeal("pending", line=line, subject=subject)
    with pytest.raises(TransitionError) as refused:
        services.rate(appeal, satisfaction="satisfied", token=appeal.token)
    assert refused.value.code == "appeal_not_answered"
    assert Appeal.objects.get(pk=appeal.pk).status == AppealStatus.PENDING


def test_unsatisfied_reopens_once_then_closes(line, subject):
    appeal = make_appeal("answered", line=line, subject=subject)
    token = appeal.token
    # Savepoint; lock (with the subject); the current units; the lead unit; the appeal;
    # timeline, audit, event, messages; release.
    with exactly(10, "rate (reopen)"):
        appeal = services.rate(
            appeal, satisfaction="unsatisfied", token=token, note="垃圾又堆起来了"
        )
    assert appeal.status == AppealStatus.HANDLING and appeal.reopened == 1
    assert AppealUnit.objects.get(appeal=appeal, role="lead").status == UnitStatus.ACCEPTED
    assert EntryKind.REOPENED in kinds(appeal, public=True)
    appeal = services.reply(appeal, by=line.handler, text="已再次清运并安排每日巡查。")
    appeal = services.review_reply(appeal, by=line.dispatcher, approve=True)
    appeal = services.rate(appeal, satisfaction="unsatisfied", token=token)
    assert appeal.status == AppealStatus.CLOSED and appeal.reopened == 1
    assert appeal.satisfaction == "unsatisfied"


def test_a_return_call_counts_as_the_rating(line, subject):
    appeal = make_appeal("answered", line=line, subject=subject)
    with pytest.raises(PermissionDenied):
        services.record_callback(appeal, by=line.supervisor, reached=True)
    with pytest.raises(ValidationError):
        services.record_callback(record(line), by=line.agent, reached=True)
    services.record_callback(appeal, by=line.agent, reached=False)
    assert Appeal.objects.get(pk=appeal.pk).status == AppealStatus.ANSWERED
    fresh(line.agent)
    # Savepoint; lock; grants; the call; the appeal; timeline, audit, event; release.
    with exactly(9, "record_callback"):
        callback = services.record_callback(
            appeal, by=line.agent, reached=True, satisfaction="satisfied", note="市民表示满意"
        )
    appeal.refresh_from_db()
    assert appeal.status == AppealStatus.CLOSED and appeal.satisfaction == "satisfied"
    assert Callback.objects.filter(appeal=appeal).count() == 2 and callback.reached


# --- who sees the caller ---------------------------------------------------------------------------


def test_a_confidential_caller_is_hidden_from_the_handling_unit(line, subject):
    appeal = make_appeal(
        "handling",
        line=line,
        subject=subject,
        type=AppealType.REPORT,
        confidential=True,
        caller_name="赵举报",
        assisting=[ZJW],
    )
    assert selectors.caller_visible_to(line.dispatcher, appeal)
    assert selectors.caller_visible_to(line.agent, appeal)
    assert not selectors.caller_visible_to(line.handler, appeal)
    assert not selectors.caller_visible_to(line.handler2, appeal)
    assert all("赵举报" not in e.text for e in selectors.timeline(appeal, public=False))
    plain = make_appeal("handling", line=line, subject=subject)
    assert selectors.caller_visible_to(line.handler, plain)


# --- jobs --------------------------------------------------------------------------------------------


def test_warnings_turn_yellow_then_red_on_working_days(line, subject, monday):
    appeal = make_appeal("handling", line=line, subject=subject)  # due Monday 9 March
    assert services.refresh_warnings() == 0
    monday.move_to(datetime.datetime(2026, 3, 6, 9, 0, tzinfo=SHANGHAI))  # Friday: 1 day left
    assert services.refresh_warnings() == 1
    assert Appeal.objects.get(pk=appeal.pk).warning == Warning.YELLOW
    assert told(line.handler, appeal.number)
    assert services.refresh_warnings() == 0  # safe to run twice
    monday.move_to(datetime.datetime(2026, 3, 10, 9, 0, tzinfo=SHANGHAI))  # Tuesday: overdue
    services.refresh_warnings()
    assert Appeal.objects.get(pk=appeal.pk).warning == Warning.RED


def test_unrated_answers_close_after_5_working_days(line, subject, monday):
    appeal = make_appeal("answered", line=line, subject=subject)  # answered Monday 2 March
    monday.move_to(datetime.datetime(2026, 3, 9, 12, 0, tzinfo=SHANGHAI))
    assert services.close_unrated() == 0
    monday.move_to(datetime.datetime(2026, 3, 10, 9, 0, tzinfo=SHANGHAI))
    assert services.close_unrated() == 1
    assert services.close_unrated() == 0
    appeal.refresh_from_db()
    assert appeal.status == AppealStatus.CLOSED and appeal.resolution == Resolution.HANDLED
    assert appeal.satisfaction == ""


def test_a_unit_that_neither_signs_nor_returns_in_2_working_days_has_it(line, subject, monday):
    """超时未退单视为签收: dispatched Monday 2 March, the unit may sign or return until
    Wednesday 4 March; on Thursday the job signs for it, once."""
    appeal = make_appeal("dispatched", line=line, subject=subject)
    assert appeal.accept_by == datetime.date(2026, 3, 4)
    monday.move_to(datetime.datetime(2026, 3, 4, 17, 0, tzinfo=SHANGHAI))
    assert services.deem_accepted() == 0
    monday.move_to(datetime.datetime(2026, 3, 5, 9, 0, tzinfo=SHANGHAI))
    # The due list; savepoint; lock; the lead units; the appeals; the units; the timeline;
    # audit; the event and its deliveries; release.
    with exactly(10, "deem_accepted"):
        assert services.deem_accepted() == 1
    assert services.deem_accepted() == 0
    appeal.refresh_from_db()
    assert appeal.status == AppealStatus.HANDLING and appeal.accepted_at is not None
    assert AppealUnit.objects.get(appeal=appeal, role="lead").status == UnitStatus.ACCEPTED
    assert EntryKind.ACCEPTED in kinds(appeal, public=True)
