"""The worker's terminal: quiet while tasks succeed, loud when one fails, every task again
with -v 2 — so `yiwang demo`'s banner is not buried under hundreds of task lines."""

import logging

import pytest
from django.core.management import call_command

from yiwang.demo.management.commands.worker import QuietDbWorker
from yiwang.notify import services
from yiwang.notify.models import Delivery, Message
from yiwang.notify.tasks import deliver_message

pytestmark = pytest.mark.django_db(transaction=True)


def _run_one_task(caplog, verbosity: int = 1) -> tuple[Message, list[str]]:
    message = Message.objects.create(channel="sms", address="13800000009", body="测试短信")
    deliver_message.using(backend="database").enqueue(message.pk)
    with caplog.at_level(logging.DEBUG):
        call_command(
            QuietDbWorker(), "--batch", "--backend", "database", "--no-reload", verbosity=verbosity
        )
    lines = [r.getMessage() for r in caplog.records if r.getMessage().startswith("Task id=")]
    return Message.objects.get(pk=message.pk), lines


def test_a_successful_task_leaves_no_line_at_the_default_verbosity(caplog):
    message, lines = _run_one_task(caplog)
    assert message.status == Delivery.SENT
    assert lines == []


def test_every_task_shows_again_with_verbosity_two(caplog):
    _message, lines = _run_one_task(caplog, verbosity=2)
    assert any("SUCCESSFUL" in line for line in lines)


def test_a_failing_task_is_still_reported(caplog, monkeypatch):
    def broken(message_id):
        raise RuntimeError("gateway exploded")

    monkeypatch.setattr(services, "deliver", broken)
    _message, lines = _run_one_task(caplog)
    assert any("FAILED" in line for line in lines)
