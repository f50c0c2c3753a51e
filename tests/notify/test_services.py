import pytest

from tests.statements import exactly
from yiwang.core.machines import TransitionError
from yiwang.notify import services
from yiwang.notify.models import Delivery, Message
from yiwang.notify.transitions import MESSAGE


@pytest.fixture
def someone(db, django_user_model):
    return django_user_model.objects.create_user("someone", password="x" * 12)


def test_an_sms_lands_in_the_outbox_as_sent(someone, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        message = services.sms("13800000009", "您好", recipient=someone)
    message.refresh_from_db()
    assert message.status == Delivery.SENT and message.sent_at is not None


def test_an_email_lands_in_the_outbox_as_sent(someone, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        message = services.email("someone@example.org", "办件已受理", "正文", recipient=someone)
    message.refresh_from_db()
    assert message.channel == "email" and message.address == "someone@example.org"
    assert message.status == Delivery.SENT and message.sent_at is not None


def test_an_email_goes_out_through_django_when_enabled(
    someone, settings, mailoutbox, django_capture_on_commit_callbacks
):
    settings.YIWANG_EMAIL_ENABLED = True
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    with django_capture_on_commit_callbacks(execute=True):
        message = services.email("someone@example.org", "办件已受理", "正文", recipient=someone)
    message.refresh_from_db()
    assert message.status == Delivery.SENT
    assert [(m.to, m.subject, m.body) for m in mailoutbox] == [
        (["someone@example.org"], "办件已受理", "正文")
    ]


def test_a_failing_gateway_is_retried_then_marked_failed(someone, settings):
    settings.YIWANG_SMS_BACKEND = "tests.notify.test_services.BrokenGateway"
    message = Message.objects.create(channel="sms", address="13800000009", body="x")
    results = [services.deliver(message.pk) for _ in range(services.MAX_ATTEMPTS)]
    message.refresh_from_db()
    assert results[:-1] == ["retry"] * (services.MAX_ATTEMPTS - 1)
    assert message.status == Delivery.FAILED and "gateway down" in message.last_error


def test_a_sent_message_is_not_sent_twice(someone):
    message = Message.objects.create(channel="site", recipient=someone, body="x")
    assert services.deliver(message.pk) == "sent"
    assert services.deliver(message.pk) == "skipped"


def test_a_failed_message_is_not_sent_later(someone, settings):
    """A message's delivery ends sent or failed: a failed one is neither retried by the
    worker nor turned into a sent one."""
    settings.YIWANG_SMS_BACKEND = "tests.notify.test_services.BrokenGateway"
    message = Message.objects.create(channel="sms", address="13800000009", body="x")
    for _ in range(services.MAX_ATTEMPTS):
        services.deliver(message.pk)
    settings.YIWANG_SMS_BACKEND = "yiwang.notify.backends.OutboxSmsBackend"
    assert services.deliver(message.pk) == "skipped"
    message.refresh_from_db()
    with pytest.raises(TransitionError) as refused:
        MESSAGE.move(message, Delivery.SENT)
    assert refused.value.code == "invalid_message_transition"
    assert str(refused.value) == "通知当前状态“发送失败”，不能变为“已发送”。"
    assert message.status == Delivery.FAILED
    message.refresh_from_db()
    assert (message.status, message.sent_at, message.attempts) == (
        Delivery.FAILED,
        None,
        services.MAX_ATTEMPTS,
    )


def test_unread_count_drops_when_read(someone):
    message = services.site(someone, "办件已受理")
    assert services.unread_count(someone) == 1
    services.mark_read(someone, message.pk)
    assert services.unread_count(someone) == 0


class BrokenGateway:
    def send(self, message):
        raise ConnectionError("gateway down")


def test_one_message_to_a_department_reaches_each_bell_once(someone, django_user_model):
    colleague = django_user_model.objects.create_user("colleague", password="x" * 12)
    with exactly(1, "site_many to a department"):  # one INSERT, however many people
        services.site_many([someone, colleague], "新的审批任务：审查", link="/workbench/tasks/1/")
    for person in (someone, colleague):
        assert services.unread_count(person) == 1
        message = Message.objects.get(recipient=person)
        assert (message.body, message.link, message.status) == (
            "新的审批任务：审查",
            "/workbench/tasks/1/",
            Delivery.SENT,
        )


def test_one_notice_on_every_channel_is_one_insert_and_every_message_goes_out(
    someone, django_capture_on_commit_callbacks
):
    """The applicant's notice on site, by SMS and by e-mail: stored in one statement; the
    in-site one is delivered by being stored, the others are sent by the worker."""
    entries = [
        ("site", someone, "", "办件已受理", "正文", "/my/cases/1/"),
        ("sms", someone, "13800000009", "", "【一网】办件已受理：正文", ""),
        ("email", someone, "someone@example.org", "【一网】办件已受理", "邮件正文", "/my/"),
    ]
    with django_capture_on_commit_callbacks(execute=True):
        with exactly(1, "send_all"):
            messages = services.send_all(entries)
    stored = Message.objects.filter(pk__in=[m.pk for m in messages]).order_by("pk")
    assert [(m.channel, m.address, m.body, m.status) for m in stored] == [
        ("site", "", "正文", Delivery.SENT),
        ("sms", "13800000009", "【一网】办件已受理：正文", Delivery.SENT),
        ("email", "someone@example.org", "邮件正文", Delivery.SENT),
    ]
    assert all(m.sent_at is not None for m in stored)
