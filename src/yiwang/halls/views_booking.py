"""The booking pages (预约): from an item's guide (or a case) choose the hall, the day and the
time, then confirm; "我的预约" with the code and its QR, cancel and reschedule; and the
window's page for booking a walk-in who wants to come back. Citizens are often elderly and
on phones: one choice per screen, big buttons, plain words. Thin: every change goes
through halls.appointments, which checks the policy again."""

import datetime

import segno
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from yiwang.catalog import selectors as catalog
from yiwang.catalog.models import ItemVersion
from yiwang.identity import policy
from yiwang.journey.cases.models import Case

from . import appointments, services
from .models import Appointment, AppointmentStatus, Hall, ServiceCategory


def _day_words(day: datetime.date, today: datetime.date) -> str:
    words = appointments.day_words(day)
    if day == today:
        return _("今天 %(day)s") % {"day": words}
    if day == today + datetime.timedelta(days=1):
        return _("明天 %(day)s") % {"day": words}
    return words


def _read_day(value) -> datetime.date | None:
    try:
        return datetime.date.fromisoformat(str(value or ""))
    except ValueError:
        return None


def _qr(code: str) -> str:
    """The check-in code as an inline SVG QR code (the kiosk's scanner reads it)."""
    svg = segno.make(code, error="m").svg_inline(scale=5, dark="#000", light="#fff")
    return mark_safe(svg)  # noqa: S308 - segno's own SVG of an 8-character code


def _steps(
    request, *, categories, category, day, key, back_url, title, query, case=None, moving=None
):
    """The common chooser: hall (category) → day → slot → confirm. Returns the context."""
    today = services.local().date()
    context = {
        "title": title,
        "back_url": back_url,
        "case": case,
        "moving": moving,
        "query": query,
        "today": today,
    }
    if category is None:
        context["step"] = "hall"
        context["categories"] = categories
        return context
    context["category"] = category
    context["hall"] = category.hall
    if day is None:
        context["step"] = "day"
        context["days"] = [
            (d, _day_words(d.day, today)) for d in appointments.days(category.hall, category)
        ]
        return context
    context["day"], context["day_words"] = day, _day_words(day, today)
    slots = appointments.slots(category.hall, category, day)
    chosen = next((s for s in slots if s.key == key), None) if key else None
    if chosen is None:
        context["step"] = "slot"
        context["slots"] = slots
        return context
    context["step"] = "confirm"
    context["slot"] = chosen
    return context


def _with(query: dict, **extra) -> str:
    merged = {k: v for k, v in {**query, **extra}.items() if v not in (None, "")}
    return "?" + urlencode(merged)


# --- booking from the guide (or a case) -----------------------------------------------------


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def book(request, code):
    """预约办理: `?case=` links a case of the citizen's (its item's appointment)."""
    try:
        version = catalog.guide(code)
    except ItemVersion.DoesNotExist:
        raise Http404 from None
    if not version.appointment:
        raise Http404
    item = version.item
    case = None
    if request.GET.get("case") or request.POST.get("case"):
        case = get_object_or_404(
            Case, pk=request.GET.get("case") or request.POST.get("case"), item_version__item=item
        )
        policy.require(request.user, "case.view", case)
    categories = appointments.categories_for(item)
    category = None
    chosen = request.GET.get("category") or request.POST.get("category")
    if chosen:
        category = next((c for c in categories if str(c.pk) == chosen), None)
        if category is None:
            raise Http404
    elif len(categories) == 1:
        category = categories[0]  # one place only: no choice to make
    day = _read_day(request.GET.get("day"))
    query = {"case": case.pk if case else None, "category": category.pk if category else None}
    if request.method == "POST" and category is not None:
        starts_at = appointments.parse_key(request.POST.get("slot"))
        try:
            appointment = appointments.book(
                category, starts_at, by=request.user, item=item, case=case
            )
        except ValidationError as refused:
            for message in refused.messages:
                messages.error(request, message)
            day = starts_at.date() if starts_at else None
            return redirect(
                reverse("book_appointment", args=[code]) + _with(query, day=day and day.isoformat())
            )
        messages.success(
            request,
            _("预约成功！预约码 %(code)s。请于%(when)s到%(hall)s，开始前30分钟内即可签到取号。")
            % {
                "code": appointment.code_display,
                "when": appointments.when_words(appointment),
                "hall": category.hall.name,
            },
        )
        return redirect(reverse("my_appointments") + f"#appointment-{appointment.pk}")
    context = _steps(
        request,
        categories=categories,
        category=category,
        day=day,
        key=request.GET.get("slot"),
        back_url=reverse("item_guide", args=[code]),
        title=version.name,
        query=query,
        case=case,
    )
    context["code"] = code
    context["booking_phone"] = next((p.phone for p in version.places.all() if p.phone), "")
    context["here"] = reverse("book_appointment", args=[code])
    context["item_name"] = version.name
    return render(request, "halls/booking/book.html", context)


# --- my appointments ------------------------------------------------------------------------


@never_cache
@login_required
def my_appointments(request):
    rows = list(
        Appointment.objects.filter(citizen=request.user)
        .select_related("hall", "hall__org", "category", "item__published", "ticket", "case")
        .order_by("-starts_at", "-pk")[:50]
    )
    now = services.local()
    upcoming = sorted(
        (a for a in rows if a.status == AppointmentStatus.BOOKED), key=lambda a: a.starts_at
    )
    for appointment in upcoming:
        appointment.qr = _qr(appointment.code)
        cutoff = appointment.starts_at - datetime.timedelta(
            hours=appointment.hall.booking_cutoff_hours
        )
        appointment.may_change = now < cutoff
        appointment.when = appointments.when_words(appointment)
    past = [a for a in rows if a.status != AppointmentStatus.BOOKED]
    for appointment in past:
        appointment.when = appointments.when_words(appointment)
    return render(
        request,
        "halls/booking/my_appointments.html",
        {"upcoming": upcoming, "past": past},
    )


def _own(request, pk) -> Appointment:
    appointment = get_object_or_404(
        Appointment.objects.select_related("hall", "category", "item"), pk=pk
    )
    policy.require(request.user, "appointment.change", appointment)
    return appointment


@login_required
@require_POST
def cancel(request, pk):
    appointment = _own(request, pk)
    try:
        appointments.cancel(appointment, by=request.user)
    except ValidationError as refused:
        for message in refused.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("预约已取消，名额已退回。"))
    return redirect("my_appointments")


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def reschedule(request, pk):
    appointment = _own(request, pk)
    here = reverse("appointment_reschedule", args=[pk])
    if request.method == "POST":
        starts_at = appointments.parse_key(request.POST.get("slot"))
        try:
            moved = appointments.reschedule(appointment, starts_at, by=request.user)
        except ValidationError as refused:
            for message in refused.messages:
                messages.error(request, message)
            return redirect(here)
        messages.success(
            request,
            _("已改约到%(when)s，预约码不变。") % {"when": appointments.when_words(moved)},
        )
        return redirect(reverse("my_appointments") + f"#appointment-{moved.pk}")
    context = _steps(
        request,
        categories=[appointment.category],
        category=appointment.category,
        day=_read_day(request.GET.get("day")),
        key=request.GET.get("slot"),
        back_url=reverse("my_appointments"),
        title=appointment.category.name,
        query={},
        moving=appointment,
    )
    context["here"] = here
    context["item_name"] = appointment.item.code if appointment.item_id else ""
    context["when_now"] = appointments.when_words(appointment)
    return render(request, "halls/booking/book.html", context)


# --- the window: booking for a walk-in -------------------------------------------------------


def _halls_of(user):
    return list(
        policy.scope(user, Hall.objects.filter(is_active=True), "appointment.book_for_walk_in")
    )


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def walk_in(request):
    """为群众预约: a walk-in who wants to come back. The clerk picks the category, the day
    and the slot, and enters the person's ID number and phone; the code goes out by SMS and
    on the page, to print."""
    halls = _halls_of(request.user)
    if not halls:
        raise Http404
    categories = list(
        ServiceCategory.objects.filter(hall__in=halls, is_active=True)
        .select_related("hall")
        .order_by("hall__org_path", "position")
    )
    chosen = request.GET.get("category") or request.POST.get("category")
    category = next((c for c in categories if str(c.pk) == chosen), None) if chosen else None
    day = _read_day(request.GET.get("day") or request.POST.get("day"))
    booked = None
    errors = []
    if request.method == "POST" and category is not None:
        item = None
        item_code = (request.POST.get("item") or "").strip().upper()
        try:
            if item_code:
                item = category.items.filter(code=item_code).first()
                if item is None:
                    raise ValidationError(
                        _("“%(category)s”不预约办理事项“%(code)s”。")
                        % {"category": category.name, "code": item_code},
                        code="item_not_bookable_here",
                    )
            booked = appointments.book(
                category,
                appointments.parse_key(request.POST.get("slot")),
                by=request.user,
                item=item,
                id_number=(request.POST.get("id_number") or "").strip(),
                phone=(request.POST.get("phone") or "").strip(),
            )
        except ValidationError as refused:
            errors = refused.messages
    context = {
        "categories": categories,
        "category": category,
        "day": day,
        "errors": errors,
        "booked": booked,
        "posted": request.POST if request.method == "POST" and not booked else {},
    }
    if booked is not None:
        booked.when = appointments.when_words(booked)
        booked.qr = _qr(booked.code)
    elif category is not None:
        today = services.local().date()
        context["days"] = [
            (d, _day_words(d.day, today)) for d in appointments.days(category.hall, category)
        ]
        if day is not None:
            context["slots"] = appointments.slots(category.hall, category, day)
            context["day_words"] = _day_words(day, today)
    return render(request, "halls/booking/walk_in.html", context, status=400 if errors else 200)
