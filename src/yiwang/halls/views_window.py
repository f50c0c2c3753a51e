"""The window's workbench (叫号): pick a window and sign in, then one screen with the number
at the window, the big buttons of its steps, and what waits in the hall (docs/halls.md,
"The window").

Thin: every step POSTs to `act`, which calls halls.services; the services lock, authorise
and check the state again, so a stale page (another window called the number, a manager
finished it) gets the service's refusal in the user's language, never a 500. With htmx the
answer is the screen alone (`_screen.html`), swapped in place; without it, a redirect back
to the page. The queue panel is its own fragment, fetched every few seconds and whenever the
page hears `hall-changed` (the live channel's event)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from yiwang.identity import policy

from . import selectors_window as selectors
from . import services
from .models import ServiceCategory, Ticket, Window
from .models import WindowStatus as W


@never_cache
@login_required
def workbench(request):
    """Where window staff start: straight to the window they are signed in at; otherwise
    the windows of their halls, to sign in at one."""
    policy.require(request.user, "hall.operate_window")
    mine = selectors.my_window(request.user)
    if mine is not None and "pick" not in request.GET:
        return redirect("window_screen", pk=mine.pk)
    halls = list(selectors.halls_to_staff(request.user))
    return render(request, "halls/window/pick.html", {"halls": halls, "mine": mine})


def _may_take_over(user, window: Window) -> bool:
    return window.staff_id == user.pk or policy.can(user, "hall.manage", window)


def _screen_context(request, window: Window, *, errors=(), done=""):
    ticket = window.current_ticket
    user = request.user
    mine = window.staff_id == user.pk
    acting = window.status != W.CLOSED and _may_take_over(user, window)
    context = {
        "window": window,
        "hall": window.hall,
        "ticket": ticket,
        "mine": mine,
        "acting": acting,
        "errors": list(errors),
        "done": done,
        "panel": selectors.queue_panel(window),
        "may_file_case": policy.can(user, "case.file_for_walk_in"),
    }
    if acting and ticket is not None:
        context["recent_cases"] = list(selectors.recent_cases(user))
        context["categories"] = [
            c for c in window.hall.categories.all() if c.is_active and c.pk != ticket.category_id
        ]
        context["other_windows"] = list(
            Window.objects.filter(hall=window.hall).exclude(pk=window.pk).order_by("number")
        )
    return context


@never_cache
@login_required
def screen(request, pk):
    window = selectors.window_for(request.user, pk)
    return render(request, "halls/window/screen.html", _screen_context(request, window))


@never_cache
@login_required
def queue(request, pk):
    """The queue panel alone (htmx: polled, and fetched again on `hall-changed`)."""
    window = selectors.window_for(request.user, pk)
    return render(
        request,
        "halls/window/_queue.html",
        {"window": window, "panel": selectors.queue_panel(window)},
    )


def _ticket_at(window: Window, request) -> Ticket:
    """The number the page showed at the window: refused when it is no longer there (the
    page is stale), so a step never lands on another window's number."""
    raw = request.POST.get("ticket", "")
    if not raw.isdigit() or window.current_ticket_id != int(raw):
        raise ValidationError(
            _("这个号已不在本窗口（页面已过时），请看当前的号再操作。"), code="stale_page"
        )
    return window.current_ticket


def _category(window: Window, raw):
    if not raw:
        return None
    category = ServiceCategory.objects.filter(hall=window.hall, pk=raw, is_active=True).first()
    if category is None:
        raise ValidationError(_("请选择本大厅的业务类别。"), code="transfer_target")
    return category


def _other_window(window: Window, raw):
    if not raw:
        return None
    found = Window.objects.filter(hall=window.hall, pk=raw).first()
    if found is None:
        raise ValidationError(_("请选择本大厅的窗口。"), code="transfer_target")
    return found


def _case(request, raw):
    if not raw:
        return None
    case = selectors.case_for(request.user, raw) if str(raw).isdigit() else None
    if case is None:
        raise ValidationError(_("没有找到这个办件，或您无权查看。"), code="unknown_case")
    return case


def _step(request, window: Window, action: str) -> str:
    """Run one step; the sentence that says what happened."""
    user = request.user
    post = request.POST
    if action == "open":
        services.open_window(window, user)
        return _("已签到，%(window)s开始服务。") % {"window": window}
    if action == "call":
        called = services.call_next(window, by=user)
        if called is None:
            return _("现在没有等候的号。")
        return _("已叫%(number)s。") % {"number": called.number}
    if action == "pause":
        services.pause_window(window, by=user)
        return _("%(window)s已暂停服务。") % {"window": window}
    if action == "close":
        services.close_window(window, by=user)
        return _("%(window)s已关闭。") % {"window": window}
    ticket = _ticket_at(window, request)
    if action == "recall":
        services.recall(ticket, by=user)
        return _("已重呼%(number)s。") % {"number": ticket.number}
    if action == "no-show":
        services.mark_no_show(ticket, by=user)
        return _("%(number)s已过号。") % {"number": ticket.number}
    if action == "start":
        services.start_service(ticket, by=user, case=_case(request, post.get("case")))
        return _("%(number)s开始办理。") % {"number": ticket.number}
    if action == "link-case":
        case = _case(request, post.get("case"))
        if case is None:
            raise ValidationError(_("请选择要关联的办件。"), code="unknown_case")
        services.link_case(ticket, by=user, case=case)
        return _("已将办件关联到%(number)s。") % {"number": ticket.number}
    if action == "finish":
        services.finish_service(ticket, by=user)
        return _("%(number)s已办结。") % {"number": ticket.number}
    if action == "transfer":
        services.transfer(
            ticket,
            by=user,
            category=_category(window, post.get("category")),
            window=_other_window(window, post.get("to_window")),
        )
        return _("%(number)s已转出。") % {"number": ticket.number}
    raise Http404


ACTIONS = {
    "open",
    "call",
    "recall",
    "no-show",
    "start",
    "link-case",
    "finish",
    "transfer",
    "pause",
    "close",
}


@login_required
@require_POST
def act(request, pk, action):
    """One step at the window. Refusals (a stale page, a window not open, a forbidden move)
    come back as sentences on the screen (status 200 for htmx, which swaps only those)."""
    if action not in ACTIONS:
        raise Http404
    window = selectors.window_for(request.user, pk)
    errors, done = [], ""
    try:
        done = _step(request, window, action)
    except ValidationError as exc:  # a TransitionError too
        errors = [str(m) for m in exc.messages]
    if request.htmx:
        window = selectors.window_for(request.user, pk)
        response = render(
            request,
            "halls/window/_screen.html",
            _screen_context(request, window, errors=errors, done=done),
        )
        if action == "close" and not errors:
            response["HX-Redirect"] = _pick_url()
        return response
    for message in errors:
        messages.error(request, message)
    if done:
        messages.success(request, done)
    if action == "close" and not errors:
        return redirect(_pick_url())
    return redirect("window_screen", pk=window.pk)


def _pick_url() -> str:
    return reverse("window_workbench") + "?pick=1"
