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

from . import appointments, services
from . import selectors_window as selectors
from .models import (
    CLAIMABLE_LANES,
    Appointment,
    Lane,
    ServiceCategory,
    Ticket,
    TicketChannel,
    Window,
)
from .models import WindowStatus as W

# The lanes staff confirm, in the order the buttons show them.
CLAIM_LANES = [
    lane for lane in (Lane.PREGNANT, Lane.SERVICEMAN, Lane.DISABLED) if lane in CLAIMABLE_LANES
]


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


def _appointment_of(ticket: Ticket | None):
    """The appointment a checked-in number came from (its item and slot), if any."""
    if ticket is None or not ticket.appointment_code:
        return None
    appointment = (
        Appointment.objects.select_related("category", "item__published")
        .filter(ticket=ticket)
        .first()
    )
    if appointment is not None:
        appointment.when = appointments.when_words(appointment)
    return appointment


def _screen_context(request, window: Window, *, errors=(), done="", issued=None):
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
        "appointment": _appointment_of(ticket),
        "may_see_appointments": policy.can(user, "hall.view_appointments", window.hall),
        "claim_lanes": [(lane.value, lane.label) for lane in CLAIM_LANES],
        "issued": issued,
    }
    if acting:
        context["issue_categories"] = [c for c in window.hall.categories.all() if c.is_active]
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


def _waiting_or_here(window: Window, raw: str) -> Ticket:
    """Today's number `raw` (A012) of the window's hall, still waiting or at a window."""
    number = str(raw or "").strip().upper()[:12]
    ticket = (
        Ticket.objects.filter(hall=window.hall, day=services.local().date(), number=number)
        .filter(status__in=services.CLAIMABLE_STATUSES)
        .first()
    )
    if ticket is None:
        raise ValidationError(
            _("没有找到今天等候中或正在办理的%(number)s号。") % {"number": number or "—"},
            code="unknown_ticket",
        )
    return ticket


def _issue(request, window: Window) -> Ticket:
    """代取号: a number for the person at the window (a walk-in without a phone, someone the
    kiosk cannot serve), with the lanes staff confirmed and, when the person consents, the
    licence library's 残疾人证."""
    post = request.POST
    category = ServiceCategory.objects.filter(
        hall=window.hall, pk=post.get("category") or 0, is_active=True
    ).first()
    if category is None:
        raise ValidationError(_("请选择本大厅的业务类别。"), code="category_required")
    return services.take_ticket(
        window.hall,
        category,
        channel=TicketChannel.STAFF,
        by=request.user,
        id_number=post.get("id_number", "").strip() or None,
        phone=post.get("phone", "").strip() or None,
        lane_claims=[lane for lane in post.getlist("lane_claims") if lane],
        licence_consent=post.get("licence_consent") == "1",
    )


def _issued_words(ticket: Ticket) -> str:
    words = _("已取号%(number)s。") % {"number": ticket.number}
    if ticket.is_priority:
        words += " " + _("通道：%(reason)s。") % {"reason": ticket.lane_reason}
    explanation = getattr(ticket, "explanation", "")
    return f"{words} {explanation}" if explanation else words


def _step(request, window: Window, action: str) -> str:
    """Run one step; the sentence that says what happened."""
    user = request.user
    post = request.POST
    if action == "issue":
        request.issued = _issue(request, window)
        return _issued_words(request.issued)
    if action == "claim-lane":
        ticket = _waiting_or_here(window, post.get("number"))
        services.claim_lane(ticket, post.get("lane", ""), by=user)
        return _("%(number)s已改走“%(lane)s”优先通道（工作人员核实）。") % {
            "number": ticket.number,
            "lane": Lane(post["lane"]).label,
        }
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
    "issue",
    "claim-lane",
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
    issued = getattr(request, "issued", None)
    if issued is not None:
        # The number's page (to print or send) is reachable only from this answer: its
        # token is shown once, as at the kiosk.
        issued.url = reverse("hall_ticket", kwargs={"token": issued.token})
    if request.htmx or issued is not None:
        window = selectors.window_for(request.user, pk)
        context = _screen_context(request, window, errors=errors, done=done, issued=issued)
        if not request.htmx:
            return render(request, "halls/window/screen.html", context, status=201)
        response = render(request, "halls/window/_screen.html", context)
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
