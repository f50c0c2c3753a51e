"""Every login, logout and failed login is an audit event."""

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from yiwang.audit import services as audit


@receiver(user_logged_in)
def _logged_in(sender, request, user, **kwargs):
    audit.record(user, "identity.login", user)


@receiver(user_logged_out)
def _logged_out(sender, request, user, **kwargs):
    if user is not None:
        audit.record(user, "identity.logout", user)


@receiver(user_login_failed)
def _login_failed(sender, credentials, request=None, **kwargs):
    audit.record(
        credentials.get("username", "") or "",
        "identity.login_failed",
        None,
        summary={"username": credentials.get("username", "")},
    )
