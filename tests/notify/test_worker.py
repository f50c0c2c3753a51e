import pytest
from django.core.management import call_command

from yiwang.notify.models import Delivery, Message
from yiwang.notify.tasks import deliver_message


@pytest.mark.django_db(transaction=True)
def test_the_worker_delivers_a_queued_sms():
    message = Message.objects.create(channel="sms", address="13800000009", body="验证码 123456")
    deliver_message.using(backend="database").enqueue(message.pk)
    assert Message.objects.get(pk=message.pk).status == Delivery.PENDING

    call_command("db_worker", "--batch", "--backend", "database", "--no-reload")

    assert Message.objects.get(pk=message.pk).status == Delivery.SENT
