"""The citizen's 12345 pages (yiwang.hotline.views_citizen): filing on the web with clear
errors and nothing changed on bad input, "my appeals" (another citizen's appeal is a 404),
the public timeline without internal lines, the reply once approved, the rating (不满意
reopens once), withdrawing, and tracking by number and phone, which tells nothing to a
wrong pair."""

import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from PIL import Image

from tests.hotline.citizen_setup import PHONE, answer, called, filed, handling, street
from yiwang.hotline import services
from yiwang.hotline.models import Appeal, AppealStatus, Attachment, Channel

pytestmark = pytest.mark.django_db

NEW = "/hotline/new/"


@pytest.fixture
def citizen(line, user_named):
    """张三 of the demo district, phone 13800000001 on the account."""
    return user_named("citizen")


@pytest.fixture
def other(line, user_named):
    return user_named("citizen2")


@pytest.fixture
def signed_in(client, citizen):
    client.force_login(citizen)
    return client


def _png(name="photo.png", colour="red") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), colour).save(buffer, "PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def _form(leaf, **changes) -> dict:
    data = {
        "type": "complaint",
        "subject": str(leaf.pk),
        "area": str(street().pk),
        "address": "幸福路12号附近",
        "text": "小区门口的垃圾三天没有清运，气味很大，请尽快处理。",
        "phone": PHONE,
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def _without_csrf(html: str) -> str:
    html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", html)
    html = re.sub(r'"X-CSRFToken": "[^"]*"', "", html)
    return re.sub(r'<meta name="csrf-token" content="[^"]*">', "", html)


# --- filing -----------------------------------------------------------------------------------


def test_the_form_is_in_plain_words_and_prefilled_with_the_account_phone(signed_in, subject):
    page = signed_in.get(NEW).content.decode()
    assert "我要反映问题" in page
    assert f'value="{PHONE}"' in page  # the account's phone
    assert "投诉：对某件事或某个单位不满意" in page
    assert "不清楚，请工作人员帮我分类" in page
    assert f'<optgroup label="{subject.parent.name}">' in page and subject.name in page
    assert "和平街道（不清楚哪个社区）" in page
    assert 'enctype="multipart/form-data"' in page


def test_signing_in_comes_first(client, line):
    response = client.get(NEW)
    assert response.status_code == 302 and "/login" in response["Location"]
    assert client.post(NEW, {}).status_code == 302
    assert Appeal.objects.count() == 0


def test_a_citizen_files_a_complaint_and_gets_its_number(signed_in, citizen, subject):
    response = signed_in.post(
        NEW, {**_form(subject), "attachments": [_png(), _png("second.png", "blue")]}
    )
    appeal = Appeal.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("hotline_filed", args=[appeal.number])
    assert appeal.channel == Channel.WEB and appeal.citizen == citizen
    assert appeal.type == "complaint" and appeal.subject == subject
    assert appeal.area == street() and appeal.address == "幸福路12号附近"
    assert appeal.phone == PHONE and appeal.status == AppealStatus.PENDING
    assert Attachment.objects.filter(appeal=appeal).count() == 2
    page = signed_in.get(response["Location"]).content.decode()
    assert "已收到您的诉求" in page and appeal.number in page
    # … and it is in "my appeals" with its status in words.
    mine = signed_in.get(reverse("hotline_my_appeals")).content.decode()
    assert appeal.number in mine and "已收到，正在分派给办理单位" in mine


def test_not_sure_of_the_subject_is_fine(signed_in, subject):
    assert signed_in.post(NEW, _form(subject, subject="", area="")).status_code == 302
    appeal = Appeal.objects.get()
    assert appeal.subject is None and appeal.area is None and appeal.address


def _fake_png():
    return SimpleUploadedFile("photo.png", b"<html><script>alert(1)</script>", "image/png")


@pytest.mark.parametrize(
    ("changes", "says"),
    [
        ({"text": ""}, "请写下具体情况"),
        ({"text": "垃圾\x00没人管"}, "控制字符"),  # refused by the site's middleware
        ({"text": "垃圾\x07没人管"}, "控制字符"),
        ({"text": "很" * 4001}, "4000"),
        ({"text": "垃圾"}, "5"),  # the service's shortest text
        ({"type": ""}, "请选择您要反映的是哪一类事"),
        ({"type": "lawsuit"}, "请从列出的类型中选择"),
        ({"subject": "999999"}, "请从列出的分类中选择"),
        ({"subject": "abc"}, "请从列出的分类中选择"),
        ({"area": "", "address": ""}, "请选择街道或社区，或者填写地址"),
        ({"area": "department"}, "请从列出的街道或社区中选择"),
        ({"phone": ""}, "请留下联系电话"),
        ({"phone": "١٣٨٠٠٠٠٠٠٠١"}, "11位"),  # Arabic-Indic digits
        ({"phone": "1380000000"}, "11位"),
        ({"confidential": "on"}, "只有举报可以要求保密"),
        ({"address": "路" * 301}, "300"),
    ],
)
def test_bad_input_changes_nothing_and_says_what_is_wrong(signed_in, subject, changes, says):
    if changes.get("area") == "department":
        from yiwang.identity.models import OrgUnit

        changes = {**changes, "area": str(OrgUnit.objects.get(code="990101-CGW").pk)}
    response = signed_in.post(NEW, _form(subject, **changes))
    assert response.status_code == 400
    page = response.content.decode()
    assert says in page
    assert "控制字符" in page or "还有几项需要修改" in page  # the site's refusal, or the form's
    assert Appeal.objects.count() == 0


def test_attachments_are_checked_like_a_cases_uploads(signed_in, subject):
    response = signed_in.post(NEW, {**_form(subject), "attachments": [_fake_png()]})
    assert response.status_code == 400
    assert Appeal.objects.count() == 0 and Attachment.objects.count() == 0
    too_many = signed_in.post(
        NEW, {**_form(subject), "attachments": [_png(f"{i}.png", (i, 0, 0)) for i in range(6)]}
    )
    assert too_many.status_code == 400
    assert "最多上传 5 个附件" in too_many.content.decode()
    assert Appeal.objects.count() == 0


def test_a_report_may_be_confidential(signed_in, subject):
    assert signed_in.post(NEW, _form(subject, type="report", confidential="on")).status_code == 302
    assert Appeal.objects.get().confidential is True


# --- my appeals ---------------------------------------------------------------------------------


def test_my_appeals_lists_mine_only_a_page_at_a_time(signed_in, citizen, other):
    mine = [filed(citizen, text=f"第{i}件事，路灯不亮。") for i in range(12)]
    theirs = filed(other, text="别人的诉求：噪音扰民。")
    first = signed_in.get(reverse("hotline_my_appeals")).content.decode()
    assert mine[-1].number in first and mine[2].number in first
    assert mine[0].number not in first and theirs.number not in first
    second = signed_in.get(reverse("hotline_my_appeals"), {"page": "2"}).content.decode()
    assert mine[0].number in second and mine[1].number in second


def test_my_appeals_costs_the_same_for_three_appeals_as_for_ten(signed_in, citizen):
    def count():
        with CaptureQueriesContext(connection) as queries:
            assert signed_in.get(reverse("hotline_my_appeals")).status_code == 200
        return len(queries)

    for i in range(3):
        filed(citizen, text=f"第{i}件事。")
    three = count()
    for i in range(7):
        filed(citizen, text=f"又一件事{i}。")
    assert count() == three


def test_another_citizens_appeal_is_a_404(signed_in, other):
    appeal = filed(other)
    for name in ["hotline_my_appeal", "hotline_filed"]:
        assert signed_in.get(reverse(name, args=[appeal.number])).status_code == 404
    rate = signed_in.post(
        reverse("hotline_rate", args=[appeal.number]), {"satisfaction": "satisfied"}
    )
    withdraw = signed_in.post(reverse("hotline_withdraw", args=[appeal.number]))
    assert rate.status_code == 404 and withdraw.status_code == 404
    appeal.refresh_from_db()
    assert appeal.status == AppealStatus.PENDING and appeal.satisfaction == ""


@pytest.mark.parametrize("number", ["20260105000000", "99999999999999999999", "20261399000001"])
def test_a_number_that_is_nobodys_is_a_404(signed_in, number):
    assert signed_in.get(f"/my/appeals/{number}/").status_code == 404


def test_the_timeline_never_shows_internal_lines_nor_a_reply_before_review(
    signed_in, citizen, line, subject
):
    appeal = handling(filed(citizen), line, subject)
    services.add_note(appeal, by=line.handler, text="内部备注：这户上次也投诉过")
    services.reply(appeal, by=line.handler, text="草稿答复：明天去清运")
    url = reverse("hotline_my_appeal", args=[appeal.number])
    page = signed_in.get(url).content.decode()
    assert "办理过程" in page and "收到您的诉求" in page and "转交办理单位" in page
    assert "这户上次也投诉过" not in page and "内部备注" not in page
    assert "明天去清运" not in page  # the unit's reply waits for the dispatcher's review
    assert "办理单位已答复，正在审核" in page
    # Sent back by the dispatcher, its note stays between staff.
    services.review_reply(
        Appeal.objects.get(pk=appeal.pk), by=line.dispatcher, approve=False, note="答复太笼统"
    )
    page = signed_in.get(url).content.decode()
    assert "答复太笼统" not in page and "明天去清运" not in page


def test_the_reply_shows_once_approved_and_unsatisfied_reopens_once(
    signed_in, citizen, line, subject
):
    appeal = answer(filed(citizen), line, subject, reply="已安排环卫工人清运，并加强巡查。")
    url = reverse("hotline_my_appeal", args=[appeal.number])
    page = signed_in.get(url).content.decode()
    assert "已安排环卫工人清运，并加强巡查。" in page
    assert "已答复，请您评价" in page and "提交评价" in page

    response = signed_in.post(
        reverse("hotline_rate", args=[appeal.number]),
        {"satisfaction": "unsatisfied", "note": "垃圾还在"},
    )
    assert response.status_code == 302
    appeal.refresh_from_db()
    assert appeal.status == AppealStatus.HANDLING and appeal.reopened == 1
    page = signed_in.get(url).content.decode()
    assert "正在重新办理" in page and "提交评价" not in page
    # The earlier answer stays in the timeline, but is not shown as the answer any more.
    assert 'id="reply-title"' not in page and "垃圾还在" in page

    appeal = answer(appeal, line, subject, reply="已再次清运，并设置了临时垃圾箱。")
    signed_in.post(reverse("hotline_rate", args=[appeal.number]), {"satisfaction": "basic"})
    appeal.refresh_from_db()
    assert appeal.status == AppealStatus.CLOSED and appeal.satisfaction == "basic"
    page = signed_in.get(url).content.decode()
    assert "已办结" in page and "基本满意" in page and "提交评价" not in page


@pytest.mark.parametrize("satisfaction", ["", "great", "满意", "satisfied\x00"])
def test_a_rating_that_is_not_one_of_the_three_changes_nothing(
    signed_in, citizen, line, subject, satisfaction
):
    appeal = answer(filed(citizen), line, subject)
    response = signed_in.post(
        reverse("hotline_rate", args=[appeal.number]), {"satisfaction": satisfaction}
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "请选择满意、基本满意或不满意" in page or "控制字符" in page
    appeal.refresh_from_db()
    assert appeal.status == AppealStatus.ANSWERED and appeal.satisfaction == ""


def test_an_appeal_not_yet_answered_cannot_be_rated(signed_in, citizen):
    appeal = filed(citizen)
    response = signed_in.post(
        reverse("hotline_rate", args=[appeal.number]), {"satisfaction": "satisfied"}
    )
    assert response.status_code == 400
    assert "这件诉求还没有答复" in response.content.decode()
    appeal.refresh_from_db()
    assert appeal.status == AppealStatus.PENDING and appeal.satisfaction == ""


def test_withdrawing_while_not_yet_handled(signed_in, citizen):
    appeal = filed(citizen)
    url = reverse("hotline_my_appeal", args=[appeal.number])
    assert "撤回诉求" in signed_in.get(url).content.decode()
    response = signed_in.post(
        reverse("hotline_withdraw", args=[appeal.number]), {"reason": "已经解决了"}
    )
    assert response.status_code == 302
    appeal.refresh_from_db()
    assert appeal.status == AppealStatus.WITHDRAWN
    assert "已撤回" in signed_in.get(url).content.decode()


def test_an_appeal_being_handled_cannot_be_withdrawn(signed_in, citizen, line, subject):
    appeal = handling(filed(citizen), line, subject)
    url = reverse("hotline_my_appeal", args=[appeal.number])
    assert "撤回诉求" not in signed_in.get(url).content.decode()
    response = signed_in.post(reverse("hotline_withdraw", args=[appeal.number]))
    appeal.refresh_from_db()
    assert response.status_code == 400 and appeal.status == AppealStatus.HANDLING
    assert "不能撤回了" in response.content.decode()


# --- tracking without an account ------------------------------------------------------------------


TRACK = "/hotline/track/"


def test_a_caller_tracks_an_appeal_by_number_and_phone(client, line, subject):
    appeal = answer(called(line), line, subject, reply="路灯已修好。")
    response = client.post(TRACK, {"number": appeal.number, "phone": "139 0000 0009"})
    assert response.status_code == 302
    assert response["Location"] == reverse("hotline_tracked", args=[appeal.number])
    page = client.get(response["Location"]).content.decode()
    assert "路灯已修好。" in page and "收到您的诉求" in page
    assert "赵六" not in page and "13900000009" not in page


def test_a_wrong_phone_reads_exactly_like_a_number_that_does_not_exist(client, line):
    appeal = called(line)
    wrong = client.post(TRACK, {"number": appeal.number, "phone": "13900000008"})
    missing = client.post(TRACK, {"number": "20200101999999", "phone": "13900000008"})
    assert wrong.status_code == missing.status_code == 400
    # The pages differ only in the number typed, which each shows back in its field.
    page = _without_csrf(wrong.content.decode()).replace(appeal.number, "N")
    assert page == _without_csrf(missing.content.decode()).replace("20200101999999", "N")
    assert "没有找到这个编号和手机号码对应的诉求" in page
    assert appeal.number not in page
    # … and the appeal's page stays closed to this browser.
    tracked = reverse("hotline_tracked", args=[appeal.number])
    assert client.get(tracked).status_code == 404


@pytest.mark.parametrize(
    "number", ["", "abc", "２０２６０１０５０００００１", "2026\x000105000001", "9" * 5000]
)
def test_tracking_with_a_hostile_number_is_a_plain_refusal(client, line, number):
    response = client.post(TRACK, {"number": number, "phone": "13900000009"})
    assert response.status_code == 400


def test_tracking_is_rate_limited(client, line):
    appeal = called(line)
    for _ in range(5):
        client.post(TRACK, {"number": appeal.number, "phone": "13900000008"})
    # The right phone, too late: this number has been tried too often this hour.
    response = client.post(TRACK, {"number": appeal.number, "phone": "13900000009"})
    assert response.status_code == 400
    assert "查询太频繁了" in response.content.decode()


def test_the_tracked_page_shows_no_internal_line(client, line, subject):
    appeal = handling(called(line), line, subject)
    services.add_note(appeal, by=line.handler, text="内部备注：来电人情绪激动")
    client.post(TRACK, {"number": appeal.number, "phone": "13900000009"})
    page = client.get(reverse("hotline_tracked", args=[appeal.number])).content.decode()
    assert "情绪激动" not in page and "正在办理" in page


def test_a_caller_rates_with_the_tracking_key(client, line, subject):
    appeal = called(line)
    key = appeal.token
    appeal = answer(appeal, line, subject)
    client.post(TRACK, {"number": appeal.number, "phone": "13900000009"})
    url = reverse("hotline_tracked", args=[appeal.number])
    assert "查询码" in client.get(url).content.decode()
    wrong = client.post(url, {"satisfaction": "satisfied", "key": "not-the-key"})
    assert wrong.status_code == 400 and "查询码不对" in wrong.content.decode()
    appeal.refresh_from_db()
    assert appeal.satisfaction == "" and appeal.status == AppealStatus.ANSWERED
    right = client.post(url, {"satisfaction": "unsatisfied", "key": key})
    assert right.status_code == 302
    appeal.refresh_from_db()
    assert appeal.satisfaction == "unsatisfied" and appeal.status == AppealStatus.HANDLING
    assert "正在重新办理" in client.get(url).content.decode()
