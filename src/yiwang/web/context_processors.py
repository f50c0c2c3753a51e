from django.conf import settings
from django.utils.functional import SimpleLazyObject

ELDERLY_SESSION_KEY = "yiwang_elderly"


def elderly_mode(request) -> bool:
    session = getattr(request, "session", None)
    return bool(session is not None and session.get(ELDERLY_SESSION_KEY))


def shell(request):
    """What the page frame needs on every page: modes, login state, the message bell."""
    user = getattr(request, "user", None)
    signed_in = bool(user is not None and user.is_authenticated)
    context = {
        "elderly": elderly_mode(request),
        "show_outbox": settings.YIWANG_SHOW_OUTBOX,
        "session_age": settings.SESSION_COOKIE_AGE if signed_in else None,
        "shell_user": user if signed_in else None,
    }
    if signed_in:
        from yiwang.identity import policy
        from yiwang.notify import services as notify

        context["unread_count"] = SimpleLazyObject(lambda: notify.unread_count(user))
        context["can_use_workbench"] = SimpleLazyObject(lambda: policy.can(user, "workbench.use"))
    return context
