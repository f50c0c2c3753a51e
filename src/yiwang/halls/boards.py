"""What the hall's public screens read (docs/halls.md, "Kiosk, board and ticket page"): the
display board's state, the kiosk's categories with their queues, and one ticket's state for
its page. Read-only; numbers, windows, letters, counts and times — never a name, an ID or
telephone number, a case, or why a ticket is in a priority lane."""

import math

from django.db.models import Count, Q
from django.urls import NoReverseMatch, reverse

from . import services
from .models import Hall, Ticket, TicketStatus

RECENT = 8


def _minutes(value: int) -> str:
    return f"{value // 60:02d}:{value % 60:02d}"


def hours_today(hall: Hall, day) -> str:
    """Today's opening hours as a screen shows them: `09:00–12:00 14:00–20:00`."""
    return " ".join(
        f"{_minutes(start)}–{_minutes(end)}" for start, end in services.opening_ranges(hall, day)
    )


def categories(hall: Hall) -> list[dict]:
    """Each active category: its letter and name, how many wait, whether it is served today,
    and the wait a number taken now may expect (in whole minutes, rounded up)."""
    now = services.local()
    rows = hall.categories.filter(is_active=True).annotate(
        waiting=Count(
            "tickets", filter=Q(tickets__status=TicketStatus.WAITING, tickets__day=now.date())
        )
    )
    found = []
    for category in rows:
        served = category.is_served_on(now.isoweekday())
        wait = 0
        if served and category.waiting:
            windows = services._serving(category)
            mean = services.average_service_seconds(category, windows)
            wait = math.ceil(category.waiting * mean / max(len(windows), 1) / 60)
        found.append(
            {
                "id": category.pk,
                "letter": category.letter,
                "name": category.name,
                "waiting": category.waiting,
                "wait_minutes": wait,
                "served_today": served,
            }
        )
    return found


def _called(ticket: Ticket) -> dict:
    return {
        "number": ticket.number,
        "letter": ticket.category.letter,
        "window": ticket.window.number if ticket.window_id else None,
        "status": ticket.status,
        "called_at": ticket.called_at.isoformat() if ticket.called_at else None,
    }


def board(hall: Hall) -> dict:
    """The display board: the hall and its hours today, the numbers being called now
    (latest first), the last numbers called, and the queue of each category."""
    now = services.local()
    today = now.date()
    called_today = (
        Ticket.objects.filter(hall=hall, day=today, called_at__isnull=False)
        .select_related("category", "window")
        .order_by("-called_at", "-pk")
    )
    calling = [_called(t) for t in called_today.filter(status=TicketStatus.CALLED)[:RECENT]]
    recent = [_called(t) for t in called_today[:RECENT]]
    return {
        "hall": {
            "id": hall.pk,
            "name": hall.name,
            "hours_today": hours_today(hall, today),
            "hours": services.schedule_of(hall).describe(),
            "open_now": services.is_open(hall, now),
        },
        "calling": calling,
        "recent": recent,
        "categories": categories(hall),
        "at": now.isoformat(),
    }


def rate_url(token: str) -> str:
    """The rating page of a served number (`hall_rate`, the ratings' page)."""
    try:
        return reverse("hall_rate", kwargs={"token": token})
    except NoReverseMatch:
        return f"/hall/rate/{token}/"


def ticket(found: Ticket, token: str) -> dict:
    """One ticket's page: its number and status, how many are ahead and the wait (while it
    waits), the window that calls it, and where to rate the service once it is done."""
    waiting = found.status == TicketStatus.WAITING
    ahead = services.ahead_of(found) if waiting else None
    estimate = services.estimate_wait(found) if waiting else None
    return {
        "number": found.number,
        "hall": found.hall.name,
        "hall_id": found.hall_id,
        "category": found.category.name,
        "letter": found.category.letter,
        "status": found.status,
        "status_display": found.get_status_display(),
        "priority": found.is_priority,
        "taken_at": found.taken_at.isoformat(),
        "ahead": ahead,
        "wait_minutes": math.ceil(estimate / 60) if estimate is not None else None,
        "window": found.window.number if found.window_id else None,
        "close_reason": found.close_reason,
        "rate_url": rate_url(token) if found.status == TicketStatus.DONE else "",
    }
