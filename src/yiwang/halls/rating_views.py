"""The window rating page (好差评, `/hall/rate/<token>/`): public, no login, reached by the
ticket's token — from the number's own page (the QR code on the printed ticket), which links
it once the service is done; a tablet at the window opens the same page. (A tablet paired
with a window that opens it by itself for the number just served is not built yet.) Five big buttons, one tap for a good
rating; a bad one asks what went wrong on a second screen (the rectification needs a
reason). Elderly mode is on: large type and targets. Thin: halls.ratings checks and
records."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from yiwang.feedback.models import BAD_LEVELS, Level, reasons_for

from . import ratings

CHANNEL = "window"
# Best first, as the national form lists them.
LEVELS = [(int(level), level.label) for level in sorted(Level, reverse=True)]
TONE = {5: "good", 4: "good", 3: "fair", 2: "bad", 1: "bad"}


def _page(request, template, context, status=200):
    # The tablet is read at arm's length by people of every age: elderly mode, no site menu.
    return render(request, template, {"elderly": True, "minimal": True, **context}, status=status)


def _problem(request, ticket, exc: ValidationError):
    return _page(
        request,
        "halls/rate_problem.html",
        {"ticket": ticket, "problem": exc.messages[0], "code": exc.code},
        status=409,
    )


def _level(value) -> int | None:
    try:
        level = int(value)
    except (TypeError, ValueError):
        return None
    return level if level in Level.values else None


@never_cache
@require_http_methods(["GET", "POST"])
def rate(request, token):
    """GET: the five buttons (or why the ticket cannot be rated now); POST: the rating."""
    ticket = ratings.ticket_to_rate(token)
    try:
        ratings.check_rateable(ticket)
    except ValidationError as exc:
        return _problem(request, ticket, exc)
    context = {
        "ticket": ticket,
        "levels": [(value, label, TONE[value]) for value, label in LEVELS],
        "reasons": [(key, str(label)) for key, label in reasons_for(CHANNEL)],
        "workdays": settings.YIWANG_RECTIFICATION_WORKDAYS,
    }
    if request.method == "GET":
        return _page(request, "halls/rate.html", context)
    level = _level(request.POST.get("level"))
    if level is None:
        context["error"] = _("请选择您对这次服务的满意程度。")
        return _page(request, "halls/rate.html", context, status=400)
    chosen = request.POST.getlist("reasons")
    comment = request.POST.get("comment", "")
    if level in BAD_LEVELS and "step" not in request.POST:
        # The second screen: what went wrong (the button alone does not say).
        return _page(request, "halls/rate.html", {**context, "bad": level, "chosen": chosen})
    try:
        evaluation = ratings.rate_ticket(token, level=level, reasons=chosen, comment=comment)
    except ValidationError as exc:
        if exc.code in ("already_rated", "not_served"):
            return _problem(request, ticket, exc)
        context.update(bad=level, chosen=chosen, comment=comment, error=exc.messages[0])
        return _page(request, "halls/rate.html", context, status=400)
    rectification = getattr(evaluation, "rectification", None) if evaluation.is_bad else None
    return _page(
        request,
        "halls/rate_thanks.html",
        {"ticket": ticket, "evaluation": evaluation, "rectification": rectification},
    )
