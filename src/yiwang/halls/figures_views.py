"""The hall manager's page (`/workbench/hall/<hall>/`): the hall now — waiting per category,
the longest wait, windows open, paused and closed and who staffs them, what was served
today, average wait and service time, the no-show rate, the estimate's error — refreshed by
htmx (every 15 seconds, and on a `hall-changed` event on the page, the hook the live
updates will fire), and the last 60 days from the daily rollup, charted with ECharts above
the table that carries the same numbers. Hall managers and window staff of the hall and
supervisors above it see it; anyone else gets a 404."""

import datetime

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from yiwang.identity import policy
from yiwang.supervision import selectors as supervision

from . import figures
from .models import Hall, WindowStatus
from .services import local


def _hall(user, pk) -> Hall:
    hall = Hall.objects.select_related("org").filter(pk=pk).first()
    if hall is None or not policy.can(user, "hall.view", hall):
        raise Http404
    return hall


def minutes(seconds) -> str:
    if seconds is None:
        return "—"
    return _("%(n).1f分钟") % {"n": seconds / 60}


def percent(rate) -> str:
    return "—" if rate is None else f"{rate * 100:.1f}%"


def _history(hall, today: datetime.date, now_figures: figures.Live) -> list[dict]:
    """The last HISTORY_DAYS days, oldest first, every day (zeros included); today from the
    live figures (the rollup's row of today may be minutes old)."""
    first = today - datetime.timedelta(days=figures.HISTORY_DAYS - 1)
    rows = {row.day: row for row in supervision.hall_days(hall, first, today)}
    days = []
    for n in range(figures.HISTORY_DAYS):
        day = first + datetime.timedelta(days=n)
        row = rows.get(day)
        if day == today:
            live = now_figures
            days.append(
                {
                    "day": day,
                    "taken": live.taken,
                    "served": live.served,
                    "no_shows": live.no_shows,
                    "average_wait": live.average_wait,
                    "average_service": live.average_service,
                    "error_median": live.error_today.median,
                    "error_p90": live.error_today.p90,
                    "ratings": live.ratings,
                }
            )
            continue
        days.append(
            {
                "day": day,
                "taken": row.taken if row else 0,
                "served": row.served if row else 0,
                "no_shows": row.no_shows if row else 0,
                "average_wait": row.wait_seconds / row.waited if row and row.waited else None,
                "average_service": (
                    row.service_seconds / row.serviced if row and row.serviced else None
                ),
                "error_median": row.estimate_error_median if row and row.estimated else None,
                "error_p90": row.estimate_error_p90 if row and row.estimated else None,
                "ratings": row.ratings if row else 0,
            }
        )
    return days


def _chart_data(days: list[dict]) -> dict:
    def mins(value):
        return None if value is None else round(value / 60, 1)

    return {
        "days": [d["day"].isoformat() for d in days],
        "taken": [d["taken"] for d in days],
        "served": [d["served"] for d in days],
        "no_shows": [d["no_shows"] for d in days],
        "wait": [mins(d["average_wait"]) for d in days],
        "service": [mins(d["average_service"]) for d in days],
        "error": [mins(d["error_median"]) for d in days],
        "labels": {
            "taken": _("取号"),
            "served": _("办结"),
            "no_shows": _("过号"),
            "wait": _("平均等候（分钟）"),
            "service": _("平均办理（分钟）"),
            "error": _("预计误差中位数（分钟）"),
        },
    }


@never_cache
@login_required
def hall_figures(request, hall):
    """The manager's live page; an htmx request gets the live part alone."""
    hall = _hall(request.user, hall)
    now = figures.live(hall)
    context = {
        "hall": hall,
        "now": now,
        "open": now.windows_in(WindowStatus.OPEN),
        "paused": now.windows_in(WindowStatus.PAUSED),
        "closed": now.windows_in(WindowStatus.CLOSED),
        "may_manage": policy.can(request.user, "hall.manage", hall),
    }
    if request.headers.get("HX-Request"):
        return render(request, "halls/_figures_live.html", context)
    days = _history(hall, local(now.at).date(), now)
    context["days"] = list(reversed(days))
    context["chart_data"] = _chart_data(days)
    return render(request, "halls/figures.html", context)


@login_required
def my_hall(request):
    """`/workbench/hall/`: the figures of the hall the user manages (the first by the org
    tree when several) — where hall managers land after signing in (web/landing.py)."""
    from .selectors_window import managed_halls

    hall = managed_halls(request.user).first() if policy.can(request.user, "hall.manage") else None
    if hall is None:
        raise Http404
    return redirect("hall_figures", hall=hall.pk)
