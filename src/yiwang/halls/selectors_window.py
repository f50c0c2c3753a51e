"""Read queries of the window's workbench and the hall manager's settings page: scoped by the
policy, shaped for their pages, a fixed number of queries each."""

import dataclasses
import datetime

from django.db.models import Count, Min, Prefetch, Q
from django.utils import timezone

from yiwang.identity import policy

from .models import Hall, Lane, ServiceCategory, Ticket, Window, WindowKind
from .models import TicketStatus as T
from .models import WindowStatus as W
from .services import _lane_rank, local

NEXT_SHOWN = 5
# The cases a clerk opened at the window lately, offered to link to the ticket served.
RECENT_CASES = datetime.timedelta(hours=4)


def halls_to_staff(user):
    """The halls where `user` may work at a window, each with its windows (and who is at
    them) and categories."""
    return (
        policy.scope(user, Hall.objects.filter(is_active=True), "hall.operate_window")
        .prefetch_related(
            Prefetch(
                "windows",
                Window.objects.select_related("staff").prefetch_related("categories"),
            ),
            Prefetch("categories", ServiceCategory.objects.filter(is_active=True)),
        )
        .order_by("org_path")
    )


def managed_halls(user):
    return policy.scope(user, Hall.objects.filter(is_active=True), "hall.manage").order_by(
        "org_path"
    )


def my_window(user) -> Window | None:
    """The window `user` is signed in at (open or paused), if any."""
    return (
        Window.objects.filter(staff=user)
        .exclude(status=W.CLOSED)
        .select_related("hall")
        .order_by("pk")
        .first()
    )


def window_for(user, pk) -> Window:
    """A window `user` may work at, with its hall, current ticket and categories; 404 to
    outsiders, 403 to those who only see the hall."""
    from django.shortcuts import get_object_or_404

    window = get_object_or_404(
        Window.objects.select_related(
            "hall", "staff", "current_ticket__category", "current_ticket__case"
        ).prefetch_related("categories"),
        pk=pk,
    )
    policy.require(user, "hall.operate_window", window)
    return window


@dataclasses.dataclass
class CategoryLine:
    category: ServiceCategory
    waiting: int
    longest: datetime.timedelta | None
    served_here: bool


@dataclasses.dataclass
class QueuePanel:
    lines: list[CategoryLine]
    upcoming: list[Ticket]
    waiting_here: int
    now: datetime.datetime


def _served_ids(window: Window, categories) -> set[int]:
    if window.kind == WindowKind.COMPREHENSIVE:
        return {c.pk for c in categories}
    return {c.pk for c in window.categories.all() if c.is_active}


def queue_panel(window: Window) -> QueuePanel:
    """What waits in the window's hall today: per category, how many and since when; and
    the next numbers this window would call (by the same rule as call_next: after the
    hall's streak of priority numbers here, the longest-waiting normal one first)."""
    hall = window.hall
    today = local().date()
    categories = list(ServiceCategory.objects.filter(hall=hall, is_active=True))
    served = _served_ids(window, categories)
    counts = {
        row["category"]: row
        for row in Ticket.objects.filter(hall=hall, day=today, status=T.WAITING)
        .values("category")
        .annotate(n=Count("pk"), first=Min("taken_at"))
        .order_by()
    }
    now = timezone.now()
    lines = [
        CategoryLine(
            category=c,
            waiting=counts.get(c.pk, {}).get("n", 0),
            longest=(now - counts[c.pk]["first"]) if c.pk in counts else None,
            served_here=c.pk in served,
        )
        for c in categories
    ]
    eligible = (
        Ticket.objects.filter(hall=hall, day=today, status=T.WAITING)
        .filter(Q(category_id__in=served, for_window__isnull=True) | Q(for_window=window))
        .select_related("category")
        .annotate(rank=_lane_rank(hall))
        .order_by("rank", "taken_at", "pk")
    )
    upcoming = list(eligible[: NEXT_SHOWN + 1])
    if window.priority_streak >= hall.priority_streak and any(t.is_priority for t in upcoming):
        normal = next(iter(eligible.filter(lane=Lane.NORMAL).order_by("taken_at", "pk")[:1]), None)
        if normal is not None:
            upcoming = [normal, *(t for t in upcoming if t.pk != normal.pk)]
    return QueuePanel(
        lines=lines,
        upcoming=upcoming[:NEXT_SHOWN],
        waiting_here=eligible.count(),
        now=now,
    )


def recent_cases(user):
    """The cases `user` opened at a window in the last hours that no ticket links yet."""
    from yiwang.journey.cases import selectors as cases

    since = timezone.now() - RECENT_CASES
    return (
        cases.visible(user)
        .filter(filed_by=user, created_at__gte=since, parent__isnull=True, tickets__isnull=True)
        .select_related("applicant")
        .order_by("-created_at")[:10]
    )


def case_for(user, pk):
    """A case `user` may see (to link it to a ticket); None for any other."""
    from yiwang.journey.cases import selectors as cases

    return cases.visible(user).filter(pk=pk).first()


def staffing(hall: Hall):
    """Who staffs which window of the hall now: every window with its status, its staff,
    since when, and the number at it."""
    return list(
        Window.objects.filter(hall=hall)
        .select_related("staff", "current_ticket")
        .prefetch_related("categories")
        .order_by("number")
    )


def day_appointments(hall: Hall, day: datetime.date):
    """The hall's appointments of `day`, by slot and then category (the manager's and the
    window staff's day list): with what each page row shows, in one query per page."""
    from .models import Appointment

    return (
        Appointment.objects.filter(hall=hall, day=day)
        .select_related("category", "item__published", "citizen", "ticket")
        .order_by("starts_at", "category__position", "category__letter", "pk")
    )


def day_appointment_counts(hall: Hall, day: datetime.date) -> dict[str, int]:
    """How many of the day's appointments are in each status, and all of them."""
    from .models import Appointment

    counts = dict(
        Appointment.objects.filter(hall=hall, day=day)
        .values_list("status")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return {**counts, "all": sum(counts.values())}
