"""Channels behind one interface. The SMS gateway is outside the system, so the default
backend is local: the message stays in the outbox and is marked sent."""

from django.conf import settings
from django.core.mail import send_mail
from django.utils.module_loading import import_string


class DeliveryError(Exception):
    pass


class OutboxSmsBackend:
    def send(self, message) -> None:
        if not message.address:
            raise DeliveryError("no phone number")


class OutboxEmailBackend:
    def send(self, message) -> None:
        if not message.address:
            raise DeliveryError("no e-mail address")


class DjangoEmailBackend:
    """Real e-mail through Django's EMAIL_BACKEND (SMTP by default)."""

    def send(self, message) -> None:
        send_mail(message.subject, message.body, settings.DEFAULT_FROM_EMAIL, [message.address])


class SiteBackend:
    def send(self, message) -> None:
        if message.recipient_id is None:
            raise DeliveryError("in-site messages need a recipient")


def backend_for(channel: str):
    if channel == "sms":
        return import_string(settings.YIWANG_SMS_BACKEND)()
    if channel == "email":
        return DjangoEmailBackend() if settings.YIWANG_EMAIL_ENABLED else OutboxEmailBackend()
    return SiteBackend()
