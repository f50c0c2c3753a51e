"""Sending notifications. `send` records the message and hands delivery to the worker once
the caller's transaction commits; failed deliveries are retried with backoff."""

import contextlib

from django.db import transaction
from django.utils import timezone

from yiwang.core import rows

from .backends import backend_for
from .models import Channel, Delivery, Message
from .transitions import MESSAGE

MAX_ATTEMPTS = 5


def send(
    channel: str, body: str, *, recipient=None, address: str = "", subject: str = "", link: str = ""
) -> Message:
    if channel == Channel.SITE and recipient is not None:
        # An in-site message is delivered by being stored: no worker round trip for the bell.
        # One INSERT (a bulk insert would wrap it in BEGIN … COMMIT after a commit).
        return Message.objects.create(
            channel=Channel.SITE,
            recipient=recipient,
            subject=subject,
            body=body or subject,
            link=link,
            status=Delivery.SENT,
            sent_at=timezone.now(),
        )
    message = Message.objects.create(
        channel=channel, recipient=recipient, address=address, subject=subject, body=body, link=link
    )
    from .tasks import deliver_message

    transaction.on_commit(lambda: deliver_message.enqueue(message.pk))
    return message


def send_all(entries) -> list[Message]:
    """Several messages of one notice (the same news on site, by SMS and by e-mail) in one
    insert, inside the caller's transaction; the ones a backend sends are handed to the
    worker together once it commits, in one transaction (one commit for the queue, not
    one per message). `entries` are (channel, recipient, address, subject, body, link)
    tuples; an in-site message to a recipient is delivered by being stored, as in `send`."""
    now = timezone.now()
    messages = rows.insert(
        Message,
        [
            Message(
                channel=channel,
                recipient=recipient,
                address=address,
                subject=subject,
                body=(body or subject) if stored else body,
                link=link,
                status=Delivery.SENT if stored else Delivery.PENDING,
                sent_at=now if stored else None,
            )
            for channel, recipient, address, subject, body, link in entries
            for stored in [channel == Channel.SITE and recipient is not None]
        ],
    )
    pending = [m.pk for m in messages if m.status == Delivery.PENDING]
    if pending:
        transaction.on_commit(lambda: _hand_over(pending))
    return messages


def _hand_over(message_ids: list[int]) -> None:
    from .tasks import deliver_message

    # Several: one commit for the queue, not one per message.
    with transaction.atomic() if len(message_ids) > 1 else contextlib.nullcontext():
        for message_id in message_ids:
            deliver_message.enqueue(message_id)


def site_many(recipients, subject: str, body: str = "", link: str = "") -> list[Message]:
    """The same in-site message to several people, in one insert (a stage pushed to a
    department tells everyone who can take it)."""
    now = timezone.now()
    return rows.insert(
        Message,
        [
            Message(
                channel=Channel.SITE,
                recipient=recipient,
                subject=subject,
                body=body or subject,
                link=link,
                status=Delivery.SENT,
                sent_at=now,
            )
            for recipient in recipients
        ],
    )


def site_all(entries) -> list[Message]:
    """Different in-site messages to different people, in one insert, inside the caller's
    transaction: `entries` are (recipient id, subject, body, link) tuples. A command that
    tells several people (a stage pushed to its department, a result ready for the
    applicant) tells them all at once, and only if it commits."""
    now = timezone.now()
    return rows.insert(
        Message,
        [
            Message(
                channel=Channel.SITE,
                recipient_id=recipient_id,
                subject=subject,
                body=body or subject,
                link=link,
                status=Delivery.SENT,
                sent_at=now,
            )
            for recipient_id, subject, body, link in entries
        ],
    )


def sms(phone: str, body: str, *, recipient=None) -> Message:
    return send(Channel.SMS, body, recipient=recipient, address=phone)


def sms_many(entries) -> list[Message]:
    """Several text messages in one insert, each handed to the worker once the caller's
    transaction commits: `entries` are (phone, body, recipient or None) tuples (a job that
    reminds many people at once)."""
    messages = Message.objects.bulk_create(
        Message(channel=Channel.SMS, recipient=recipient, address=phone, body=body)
        for phone, body, recipient in entries
    )
    if messages:
        from .tasks import deliver_message

        ids = [m.pk for m in messages]
        transaction.on_commit(lambda: [deliver_message.enqueue(pk) for pk in ids])
    return messages


def email(address: str, subject: str, body: str, *, recipient=None, link: str = "") -> Message:
    """A plain-text e-mail; it stays in the outbox unless YIWANG_EMAIL_ENABLED is on."""
    return send(
        Channel.EMAIL, body, recipient=recipient, address=address, subject=subject, link=link
    )


def site(recipient, subject: str, body: str = "", link: str = "") -> Message:
    return send(Channel.SITE, body or subject, recipient=recipient, subject=subject, link=link)


def attempts_of(message_id: int) -> int:
    return Message.objects.filter(pk=message_id).values_list("attempts", flat=True).first() or 0


def deliver(message_id: int) -> str:
    """Try once; return "sent", "retry" or "failed" (and "skipped" if already done)."""
    with transaction.atomic():
        message = Message.objects.select_for_update().get(pk=message_id)
        if message.status != Delivery.PENDING:
            return "skipped"
        message.attempts += 1
        try:
            backend_for(message.channel).send(message)
        except Exception as exc:  # noqa: BLE001 - any backend failure is retried, then recorded
            message.last_error = str(exc)[:2000]
            if message.attempts >= MAX_ATTEMPTS:
                MESSAGE.move(message, Delivery.FAILED)
        else:
            MESSAGE.move(message, Delivery.SENT)
            message.sent_at = timezone.now()
            message.last_error = ""
        message.save()
    if message.status == Delivery.PENDING:
        return "retry"
    return message.status


def mark_read(user, message_id: int) -> None:
    Message.objects.filter(pk=message_id, recipient=user, read_at__isnull=True).update(
        read_at=timezone.now()
    )


def unread_count(user) -> int:
    return Message.objects.filter(
        recipient=user, channel=Channel.SITE, read_at__isnull=True
    ).count()
