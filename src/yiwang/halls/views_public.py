"""The hall's public screens (docs/halls.md, "Kiosk, board and ticket page"): the kiosk where
a number is taken without signing in, the display board, and the page a citizen follows
their number on. Thin: every change goes through halls.services; what the screens show comes
from halls.boards (numbers, windows, counts — nothing personal).

The kiosk needs no account. Taking a number there is a POST with the page's CSRF token,
limited per address like the API's anonymous ticket creation (`api.TicketThrottle`); a
signed-in kiosk account is not limited by address (the one-waiting-number rule still holds)."""

import segno
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from yiwang.core import links
from yiwang.core.machines import TransitionError
from yiwang.identity import policy

from . import appointments, boards, services
from .api import TicketThrottle
from .models import Hall, ServiceCategory, TicketChannel

# Refusals that are the state of the hall, not a mistake in what was typed.
CONFLICTS = {"hall_closed", "category_not_served_today", "ticket_already_waiting"}
IDLE_SECONDS = 20
TOKEN_MAX = 64


def _hall(hall_id) -> Hall:
    return get_object_or_404(Hall, pk=hall_id, is_active=True)


def _json(data, status=200) -> JsonResponse:
    response = JsonResponse(data, status=status, json_dumps_params={"ensure_ascii": False})
    response["Cache-Control"] = "no-store"
    return response


def _ticket_url(request, token: str) -> str:
    path = reverse("hall_ticket", kwargs={"token": token})
    return links.absolute(path) if links.site_url() else request.build_absolute_uri(path)


# --- the kiosk ------------------------------------------------------------------------------


def _kiosk_context(hall, **extra) -> dict:
    now = services.local()
    return {
        "hall": hall,
        "open_now": services.is_open(hall, now),
        "hours_today": boards.hours_today(hall, now.date()),
        "hours": services.schedule_of(hall).describe(),
        "categories": boards.categories(hall),
        "idle_seconds": IDLE_SECONDS,
        "kiosk_url": reverse("hall_kiosk", kwargs={"hall_id": hall.pk}),
        "state_url": reverse("hall_board_state", kwargs={"hall_id": hall.pk}),
        **extra,
    }


@never_cache
@require_http_methods(["GET", "POST"])
def kiosk(request, hall_id):
    """自助取号: pick a category (its queue and wait shown), then take the number — with an
    ID number for the 70-or-older lane, a case number to link the case — or check in with an
    appointment code. The kiosk does not look in the e-licence library for a 残疾人证: at an
    unattended machine anyone who knows a person's ID number could tick the consent and learn
    from the lane whether that person holds one. Staff do it at the window, where the person
    is present (views_window; services.claim_lane). The printed ticket is the answer to the POST itself, so the kiosk's
    history holds no ticket's link."""
    hall = _hall(hall_id)
    if request.method == "POST":
        return _kiosk_post(request, hall)
    category = None
    if request.GET.get("category"):
        category = get_object_or_404(
            ServiceCategory, pk=request.GET["category"], hall=hall, is_active=True
        )
    step = "category" if category else ("appointment" if request.GET.get("step") else "start")
    return render(
        request,
        "halls/public/kiosk.html",
        _kiosk_context(hall, step=step, category=category, form={}),
    )


def _kiosk_post(request, hall):
    by = request.user if policy.is_authenticated(request.user) else None
    form = {key: request.POST.get(key, "").strip() for key in ("id_number", "case_number", "code")}
    checking_in = request.POST.get("action") == "check_in"
    category = None
    if not checking_in:
        category = get_object_or_404(
            ServiceCategory, pk=request.POST.get("category") or 0, hall=hall, is_active=True
        )
    step = "appointment" if checking_in else "category"
    if by is None and not TicketThrottle().allow_request(request, None):
        return _kiosk_refused(
            request, hall, step, category, form, _("取号太频繁，请稍等一分钟再试。"), status=429
        )
    try:
        ticket = _take(hall, category, by=by, form=form, checking_in=checking_in)
    except ValidationError as error:
        codes = {getattr(e, "code", "") for e in error.error_list}
        status = 409 if codes & CONFLICTS else 400
        return _kiosk_refused(request, hall, step, category, form, error.messages, status=status)
    except PermissionDenied as error:
        return _kiosk_refused(request, hall, step, category, form, [str(error)], status=403)
    state = boards.ticket(ticket, ticket.token)
    url = _ticket_url(request, ticket.token)
    return render(
        request,
        "halls/public/kiosk_ticket.html",
        _kiosk_context(
            hall,
            ticket=ticket,
            state=state,
            lane=ticket.get_lane_display() if ticket.is_priority else "",
            explanation=getattr(ticket, "explanation", ""),
            ticket_url=url,
            # segno writes plain SVG paths: no scripts, no style attributes (strict CSP).
            qr=segno.make(url, error="m").svg_inline(
                scale=4, dark="#000", light="#fff", title=_("用手机扫码查看排队进度"), svgclass="qr"
            ),
            taken_at=services.local(ticket.taken_at),
            autoprint=request.POST.get("autoprint") == "1",
        ),
        status=201,
    )


def _take(hall, category, *, by, form, checking_in):
    if checking_in:
        if not form["code"]:
            raise ValidationError(_("请输入预约码。"), code="code_required")
        return appointments.check_in(hall, code=form["code"], by=by)
    case = None
    if form["case_number"]:
        if not form["id_number"]:
            raise ValidationError(
                _("关联办件时，请同时输入办件申请人的身份证号码。"), code="id_number_required"
            )
        case = services.case_for_holder(form["case_number"], form["id_number"])
    return services.take_ticket(
        hall,
        category,
        channel=TicketChannel.KIOSK,
        by=by,
        id_number=form["id_number"] or None,
        case=case,
    )


def _kiosk_refused(request, hall, step, category, form, errors, *, status):
    if isinstance(errors, str):
        errors = [errors]
    context = _kiosk_context(hall, step=step, category=category, form=form, errors=errors)
    return render(request, "halls/public/kiosk.html", context, status=status)


# --- the display board ----------------------------------------------------------------------


@never_cache
@require_GET
def board(request, hall_id):
    """大厅显示屏: full screen, for far away — now calling, recently called, the queues."""
    hall = _hall(hall_id)
    return render(
        request,
        "halls/public/board.html",
        {
            "hall": hall,
            "state": boards.board(hall),
            "channel": f"hall:{hall.pk}",
            "state_url": reverse("hall_board_state", kwargs={"hall_id": hall.pk}),
        },
    )


@require_GET
def board_state(request, hall_id):
    """The board's state as JSON: what a board or a kiosk fetches again after a reset."""
    return _json(boards.board(_hall(hall_id)))


# --- a citizen's ticket ---------------------------------------------------------------------


def _by_token(token: str):
    if len(token) > TOKEN_MAX:
        raise Http404
    return services.ticket_by_token(token)


@never_cache
@require_GET
def ticket_page(request, token):
    """The number on a phone (the printed QR code): status, how many ahead, the wait, the
    window when it is called; cancel while waiting; rate once served."""
    ticket = _by_token(token)
    return render(
        request,
        "halls/public/ticket.html",
        {
            "ticket": ticket,
            "state": boards.ticket(ticket, token),
            "channel": ticket.live_channel,
            "hall_channel": f"hall:{ticket.hall_id}",
            "state_url": reverse("hall_ticket_state", kwargs={"token": token}),
            "cancel_url": reverse("hall_ticket_cancel", kwargs={"token": token}),
        },
    )


@require_GET
def ticket_state(request, token):
    ticket = _by_token(token)
    return _json(boards.ticket(ticket, token))


@require_POST
def ticket_cancel(request, token):
    """放弃排队: the number's page cancels it while it waits (the token is the key)."""
    ticket = _by_token(token)
    try:
        services.cancel_ticket(ticket, token=token)
    except TransitionError:
        messages.error(request, _("这个号已经不在等候中，不能取消。"))
    else:
        messages.success(request, _("已取消排队。"))
    return redirect("hall_ticket", token=token)
