"""In-site messages and the demo outbox."""

import pytest

from yiwang.notify import services as notify

pytestmark = pytest.mark.django_db


def test_messages_page_lists_own_site_messages(client, demo, user_named):
    citizen = user_named("citizen")
    notify.site(citizen, "您的申请已受理", "办件编号 990101-0001")
    notify.site(user_named("citizen2"), "别人的消息")
    client.force_login(citizen)
    page = client.get("/messages/").content.decode()
    assert "您的申请已受理" in page and "办件编号 990101-0001" in page
    assert "别人的消息" not in page
    assert "未读" in page


def test_mark_read_without_javascript(client, demo, user_named):
    citizen = user_named("citizen")
    message = notify.site(citizen, "请补正材料")
    client.force_login(citizen)
    response = client.post(f"/messages/{message.pk}/read/")
    assert response.status_code == 302
    message.refresh_from_db()
    assert message.read_at is not None


def test_mark_read_with_htmx_returns_the_item(client, demo, user_named):
    citizen = user_named("citizen")
    message = notify.site(citizen, "请补正材料")
    client.force_login(citizen)
    response = client.post(f"/messages/{message.pk}/read/", HTTP_HX_REQUEST="true")
    page = response.content.decode()
    assert page.lstrip().startswith("<li") and "已读" in page
    assert "<html" not in page


def test_cannot_mark_someone_elses_message(client, demo, user_named):
    message = notify.site(user_named("citizen2"), "别人的消息")
    client.force_login(user_named("citizen"))
    client.post(f"/messages/{message.pk}/read/")
    message.refresh_from_db()
    assert message.read_at is None


def test_outbox_shows_a_citizen_only_their_own_sms(client, demo, user_named):
    notify.sms("13800000001", "【一网】给张三", recipient=user_named("citizen"))
    notify.sms("13800000002", "【一网】给李四", recipient=user_named("citizen2"))
    client.force_login(user_named("citizen"))
    page = client.get("/outbox/").content.decode()
    assert "给张三" in page and "给李四" not in page


def test_outbox_shows_emails_with_their_status(client, demo, user_named):
    from yiwang.notify.models import Delivery

    citizen = user_named("citizen")
    message = notify.email(citizen.email, "【一网】办件已提交", "第一行\n第二行", recipient=citizen)
    client.force_login(citizen)
    page = client.get("/outbox/").content.decode()
    assert "电子邮件" in page and "citizen@example.org" in page
    assert "【一网】办件已提交" in page and "第一行<br>第二行" in page
    assert "待发送" in page  # not delivered yet in this test's transaction
    message.status = Delivery.SENT
    message.save()
    assert "已发送" in client.get("/outbox/").content.decode()


@pytest.mark.parametrize("username", ["admin"])
def test_outbox_shows_operators_everything(client, demo, user_named, username):
    notify.sms("13800000002", "【一网】给李四", recipient=user_named("citizen2"))
    client.force_login(user_named(username))
    assert "给李四" in client.get("/outbox/").content.decode()


def test_outbox_shows_operator_role_everything(client, demo, user_named):
    from yiwang.identity import services
    from yiwang.identity.models import OrgUnit
    from yiwang.identity.roles import Role

    operator = user_named("clerk")
    services.grant_role(operator, Role.OPERATOR, OrgUnit.objects.get(code="990101"))
    notify.sms("13800000002", "【一网】给李四", recipient=user_named("citizen2"))
    client.force_login(operator)
    assert "给李四" in client.get("/outbox/").content.decode()


def test_outbox_newest_first(client, demo, user_named):
    citizen = user_named("citizen")
    notify.sms("13800000001", "第一条", recipient=citizen)
    notify.sms("13800000001", "第二条", recipient=citizen)
    client.force_login(citizen)
    page = client.get("/outbox/").content.decode()
    assert page.index("第二条") < page.index("第一条")


def test_outbox_is_hidden_when_switched_off(client, demo, user_named, settings):
    settings.YIWANG_SHOW_OUTBOX = False
    client.force_login(user_named("admin"))
    assert client.get("/outbox/").status_code == 404


def test_outbox_needs_login(client, demo):
    assert client.get("/outbox/").status_code == 302
