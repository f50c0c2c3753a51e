"""The day's appointments of a hall (docs/halls.md, "The day's appointments"): per slot and
category, who is expected, who checked in (and the number it gave), who did not come.

Read-only. Hall managers and the hall's window staff see it (`hall.view_appointments`: the
staff check people in at the window); outsiders get 404, others who see the hall 403."""

import datetime

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from yiwang.identity import policy
from yiwang.identity.validators import mask_name

from . import appointments, services
from . import selectors_window as selectors
from .models import AppointmentStatus, Hall

PER_PAGE = 50


def _day(raw, today: datetime.date) -> datetime.date:
    try:
        return datetime.date.fromisoformat(str(raw or ""))
    except ValueError:
        return today


@never_cache
@login_required
@require_GET
def day_page(request, hall_id):
    hall = get_object_or_404(Hall, pk=hall_id, is_active=True)
    policy.require(request.user, "hall.view_appointments", hall)
    today = services.local().date()
    day = _day(request.GET.get("day"), today)
    page = Paginator(selectors.day_appointments(hall, day), PER_PAGE).get_page(
        request.GET.get("page")
    )
    slot = None
    for appointment in page.object_list:
        start, end = services.local(appointment.starts_at), services.local(appointment.ends_at)
        appointment.slot = f"{start:%H:%M}-{end:%H:%M}"
        # A new slot starts a new group on the page (the rows are ordered by slot).
        appointment.new_slot = appointment.slot != slot
        slot = appointment.slot
        appointment.person = (
            mask_name(appointment.citizen.real_name) if appointment.citizen_id else ""
        )
    return render(
        request,
        "halls/appointments_day.html",
        {
            "hall": hall,
            "day": day,
            "day_words": appointments.day_words(day),
            "today": today,
            "previous": day - datetime.timedelta(days=1),
            "next": day + datetime.timedelta(days=1),
            "page": page,
            "counts": selectors.day_appointment_counts(hall, day),
            "statuses": AppointmentStatus,
            "may_manage": policy.can(request.user, "hall.manage", hall),
        },
    )
