"""The rating link in the conclusion notification: a random token that names nothing, works
without logging in, spent by the one rating, refused when expired or forged."""

import datetime
import re

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.core.signing import TimestampSigner

from yiwang.feedback import services
from yiwang.feedback.models import Evaluation, RatingLink
from yiwang.notify.models import Message

from .conftest import GOOD_SCORES

LINK = re.compile(r"https?://\S+?/rate/(\S+?)/")


def form_data(level=5, scores=GOOD_SCORES, comment=""):
    return {"level": level, "comment": comment, **{f"score_{k}": v for k, v in scores.items()}}


def test_the_conclusion_notification_carries_a_working_rating_link(
    concluded_case, people, client, settings, django_capture_on_commit_callbacks
):
    settings.YIWANG_SITE_URL = "https://ywtb.example.gov.cn"
    with django_capture_on_commit_callbacks(execute=True):
        case = concluded_case()
    citizen = people["citizen"]
    for channel in ("sms", "email", "site"):
        message = Message.objects.get(
            recipient=citizen,
            channel=channel,
            body__contains="办件已办结" if channel == "sms" else "",
            **({} if channel == "sms" else {"subject__contains": "办件已办结"}),
        )
        assert "请对本次服务作出评价：https://ywtb.example.gov.cn/rate/" in message.body
    sms = Message.objects.get(recipient=citizen, channel="sms", body__contains="/rate/")
    token = LINK.search(sms.body).group(1)

    page = client.get(f"/rate/{token}/")  # not logged in
    assert page.status_code == 200
    text = page.content.decode()
    assert "评价这次服务" in text and case.number in text
    for level in ("非常满意", "满意", "基本满意", "不满意", "非常不满意"):
        assert f'<span class="rate-tile-words">{level}</span>' in text

    done = client.post(f"/rate/{token}/", form_data(level=4))
    assert done.status_code == 200 and "感谢您的评价" in done.content.decode()
    evaluation = Evaluation.objects.get(case=case)
    assert evaluation.via_link and evaluation.rater == citizen and evaluation.level == 4

    again = client.get(f"/rate/{token}/")
    assert again.status_code == 409
    assert "已经评价过" in again.content.decode()


def test_only_top_level_conclusions_carry_a_link(
    concluded_bundle, people, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        parent = concluded_bundle()
    links = Message.objects.filter(
        recipient=people["citizen"], channel="site", body__contains="/rate/"
    )
    assert links.count() == 1
    assert RatingLink.objects.get().case == parent


def test_a_link_names_neither_the_case_nor_the_person(
    concluded_case, people, django_capture_on_commit_callbacks
):
    """The token used to be a signature over "case id.applicant id", in clear: the internal
    ids of the case and of the person, the same in every link that person got."""
    with django_capture_on_commit_callbacks(execute=True):
        case = concluded_case()
    sms = Message.objects.get(recipient=people["citizen"], channel="sms", body__contains="/rate/")
    token = LINK.search(sms.body).group(1)
    other = services.rating_token(case)
    assert f"{case.pk}." not in token and f".{case.applicant_id}" not in token
    assert ":" not in token  # no signed value, no timestamp
    assert token != other and len(token) == len(other) == 22  # 128 random bits
    stored = RatingLink.objects.filter(case=case).values_list("token_hash", flat=True)
    assert token not in set(stored) and len(stored) == 2  # only digests are kept
    assert services.read_token(token) == services.read_token(other) == case


def test_the_token_names_the_case_and_its_applicant(concluded_case, people):
    case = concluded_case()
    assert services.read_token(services.rating_token(case)) == case
    evaluation = services.rate_by_token(
        services.rating_token(case), level=5, scores=GOOD_SCORES, comment=""
    )
    assert evaluation.rater == people["citizen"] and evaluation.via_link


def test_a_link_is_single_use(concluded_case):
    case = concluded_case()
    token = services.rating_token(case)
    services.rate_by_token(token, level=5, scores=GOOD_SCORES)
    with pytest.raises(ValidationError) as refused:
        services.rate_by_token(token, level=1, scores=GOOD_SCORES, comment="再评一次试试看")
    assert refused.value.code == "already_rated"


def test_an_expired_link_is_refused_with_a_plain_page(concluded_case, client, settings):
    case = concluded_case()
    token = services.rating_token(case)
    later = datetime.datetime.now(datetime.UTC) + datetime.timedelta(
        days=settings.YIWANG_RATING_LINK_DAYS, minutes=1
    )
    with time_machine.travel(later, tick=False):
        with pytest.raises(ValidationError) as refused:
            services.read_token(token)
        assert refused.value.code == "link_expired"
        page = client.get(f"/rate/{token}/")
    assert page.status_code == 410
    assert "评价链接已过期" in page.content.decode()
    assert not Evaluation.objects.exists()


@pytest.mark.parametrize(
    "forge",
    [
        lambda token, case: token[:-2] + ("AA" if not token.endswith("AA") else "BB"),
        lambda token, case: token.upper() if token != token.upper() else token.lower(),
        # The old form of the link (a signature over the ids), even signed right.
        lambda token, case: TimestampSigner(salt="yiwang.feedback.rating-link").sign(
            f"{case.pk}.{case.applicant_id}"
        ),
        lambda token, case: "nonsense",
    ],
)
def test_a_forged_link_is_refused(concluded_case, client, forge):
    case = concluded_case()
    forged = forge(services.rating_token(case), case)
    with pytest.raises(ValidationError) as refused:
        services.rate_by_token(forged, level=5, scores=GOOD_SCORES)
    assert refused.value.code == "link_invalid"
    page = client.post(f"/rate/{forged}/", form_data())
    assert page.status_code == 404 and "评价链接无效" in page.content.decode()
    assert not Evaluation.objects.exists()


def test_the_link_page_asks_again_for_what_is_missing(concluded_case, client):
    case = concluded_case()
    token = services.rating_token(case)
    page = client.post(f"/rate/{token}/", {"level": 2, "comment": "慢"})
    assert page.status_code == 400
    text = page.content.decode()
    assert "还有几项没有填好" in text and "请把意见写清楚一些（至少5个字）" in text
    page = client.post(f"/rate/{token}/", {"level": 2})
    assert page.status_code == 400
    assert "请选择不满意的原因或写下意见" in page.content.decode()
    assert not Evaluation.objects.exists()


def test_making_and_reading_a_link_cost_one_statement_each(concluded_case):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    case = concluded_case()
    with CaptureQueriesContext(connection) as made:
        token = services.rating_token(case)
    with CaptureQueriesContext(connection) as read:
        assert services.read_token(token) == case
    assert (len(made), len(read)) == (1, 1)
