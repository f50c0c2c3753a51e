"""Pages of the line's supervision (docs/hotline.md, "Supervision, hotspots and the weekly
report"), for supervisors and dispatchers ("hotline.supervise"; anyone else gets 404):
hotspots by day with the appeals behind each, overdue and returned appeals with 督办, the
weekly ranking of units, and the weekly report as Excel or PDF. Thin: the modules named
after each read and change."""

import datetime
from urllib.parse import quote, urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.db.models.functions import TruncDate
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from yiwang.api.pagination import CappedPaginator
from yiwang.core import limits
from yiwang.core.files import sandboxed
from yiwang.core.xlsx import XLSX_TYPE
from yiwang.identity import policy
from yiwang.supervision import selectors as figures
from yiwang.workdays import calendar
from yiwang.workdays.calendar import SHANGHAI

from . import hotspots, ranking, report, services, supervise
from .models import Appeal, AppealStatus, HotspotAlert, KeywordDay

PER_PAGE = 30
ALERTS_PER_PAGE = 50
MAX_REQUIREMENT = 2000


def _require(request):
    if not supervise.may_supervise(request.user):
        raise Http404


def appeal_url(appeal) -> str:
    """The staff page of an appeal (its author's URL name; the contract's path without it)."""
    try:
        return reverse("hotline_appeal", args=[appeal.pk])
    except NoReverseMatch:
        return services.staff_link(appeal)


def percent(rate) -> str:
    return report.percent(rate)


# --- a bar chart drawn on the server --------------------------------------------------------

CHART_HEIGHT = 120
BAR_GAP = 1


def bar_chart(points: list[tuple[datetime.date, int, bool]], *, width: int = 720) -> dict:
    """Bars for an SVG (attributes only: the CSP allows no inline style), one a day; a
    marked day (an alert) is drawn in the warning colour."""
    if not points:
        return {}
    top = max(n for _day, n, _marked in points) or 1
    step = max(2, width // len(points))
    bars = []
    for index, (day, n, marked) in enumerate(points):
        height = round(n / top * (CHART_HEIGHT - 16)) if n else 0
        bars.append(
            {
                "x": index * step,
                "y": CHART_HEIGHT - height,
                "width": max(1, step - BAR_GAP),
                "height": height,
                "day": day,
                "n": n,
                "marked": marked,
            }
        )
    return {"bars": bars, "width": step * len(points), "height": CHART_HEIGHT, "top": top}


# --- hotspots -------------------------------------------------------------------------------


def _received_per_day(user, period) -> dict[datetime.date, int]:
    start = datetime.datetime.combine(period.first, datetime.time.min, tzinfo=SHANGHAI)
    end = datetime.datetime.combine(period.last, datetime.time.min, tzinfo=SHANGHAI)
    rows = (
        policy.scope(user, Appeal.objects.all(), supervise.SUPERVISE)
        .exclude(status=AppealStatus.MERGED)
        .filter(received_at__gte=start, received_at__lt=end + datetime.timedelta(days=1))
        .annotate(day=TruncDate("received_at", tzinfo=SHANGHAI))
        .order_by()
        .values("day")
        .annotate(n=Count("pk"))
    )
    return {row["day"]: row["n"] for row in rows}


@never_cache
@login_required
def hotspot_list(request):
    """热点预警: the alerts of a period, by day, over a chart of the appeals received."""
    _require(request)
    period = figures.period(
        request.GET.get("period"), request.GET.get("from"), request.GET.get("to")
    )
    dimension = request.GET.get("dimension", "")
    if dimension not in HotspotAlert.Dimension.values:
        dimension = ""
    alerts = hotspots.alerts_between(period.first, period.last)
    if dimension:
        alerts = alerts.filter(dimension=dimension)
    page = CappedPaginator(alerts, ALERTS_PER_PAGE).get_page(request.GET.get("page"))
    alert_days = set(
        hotspots.alerts_between(period.first, period.last).values_list("day", flat=True)
    )
    received = _received_per_day(request.user, period)
    points = [
        (day, received.get(day, 0), day in alert_days)
        for day in (period.first + datetime.timedelta(days=n) for n in range(period.days))
    ]
    days: list[dict] = []
    for alert in page.object_list:
        if not days or days[-1]["day"] != alert.day:
            days.append({"day": alert.day, "alerts": []})
        days[-1]["alerts"].append(alert)
    query = {**period.as_query(), **({"dimension": dimension} if dimension else {})}
    return render(
        request,
        "hotline/analysis/hotspots.html",
        {
            "period": period,
            "presets": figures.PRESETS,
            "dimension": dimension,
            "dimensions": HotspotAlert.Dimension.choices,
            "page": page,
            "days": days,
            "chart": bar_chart(points),
            "received_total": sum(received.values()),
            "page_query": urlencode(query),
            "nav": _nav("hotspots"),
        },
    )


def _key_series(alert: HotspotAlert, first: datetime.date) -> dict[datetime.date, int]:
    """The alert's key counted per day first..alert.day (one GROUP BY)."""
    if alert.dimension == HotspotAlert.Dimension.KEYWORD:
        return dict(
            KeywordDay.objects.filter(
                keyword=alert.key, day__gte=first, day__lte=alert.day
            ).values_list("day", "count")
        )
    start = datetime.datetime.combine(first, datetime.time.min, tzinfo=SHANGHAI)
    end = datetime.datetime.combine(alert.day, datetime.time.min, tzinfo=SHANGHAI)
    appeals = Appeal.objects.exclude(status=AppealStatus.MERGED).filter(
        received_at__gte=start, received_at__lt=end + datetime.timedelta(days=1)
    )
    if alert.dimension == HotspotAlert.Dimension.SUBJECT:
        appeals = appeals.filter(subject__code=alert.key)
    else:
        appeals = appeals.filter(area__in=hotspots.area_and_below(alert.key))
    rows = (
        appeals.annotate(day=TruncDate("received_at", tzinfo=SHANGHAI))
        .order_by()
        .values("day")
        .annotate(n=Count("pk"))
    )
    return {row["day"]: row["n"] for row in rows}


@never_cache
@login_required
def hotspot_detail(request, pk):
    """One alert: its key's daily counts over its baseline and window, and the appeals
    behind it (in the user's scope), newest first."""
    _require(request)
    alert = get_object_or_404(HotspotAlert, pk=pk)
    first = alert.day - datetime.timedelta(days=hotspots.BASELINE_DAYS + alert.window - 1)
    counts = _key_series(alert, first)
    window_start = alert.day - datetime.timedelta(days=alert.window - 1)
    points = [
        (day, counts.get(day, 0), day >= window_start)
        for day in (first + datetime.timedelta(days=n) for n in range((alert.day - first).days + 1))
    ]
    appeals = policy.scope(request.user, hotspots.appeals_behind(alert), supervise.SUPERVISE)
    page = CappedPaginator(appeals, PER_PAGE).get_page(request.GET.get("page"))
    for appeal in page.object_list:
        appeal.url = appeal_url(appeal)
    return render(
        request,
        "hotline/analysis/hotspot.html",
        {
            "alert": alert,
            "window_start": window_start,
            "chart": bar_chart(points),
            "page": page,
            "back": request.GET.get("back", "") if _safe_back(request.GET.get("back")) else "",
            "nav": _nav("hotspots"),
        },
    )


def _safe_back(value) -> bool:
    value = str(value or "")
    return value.startswith("/workbench/hotline/hotspots/") and not limits.has_control_chars(value)


# --- overdue and returned appeals, 督办 -------------------------------------------------------


@never_cache
@login_required
def supervision(request):
    """超期与退单: the appeals a supervisor follows, with the orders already sent and 督办."""
    _require(request)
    which = request.GET.get("show", supervise.OVERDUE)
    if which not in supervise.LISTS:
        which = supervise.OVERDUE
    day = services.today()
    page = CappedPaginator(supervise.listed(request.user, which, day=day), PER_PAGE).get_page(
        request.GET.get("page")
    )
    appeals = list(page.object_list)
    returned_by = supervise.last_returned_by(appeals) if which == supervise.RETURNED else {}
    rows = []
    for appeal in appeals:
        unit = appeal.lead_unit or returned_by.get(appeal.pk)
        late = None
        if appeal.due_on and appeal.due_on < day:
            late = calendar.workdays_between_checked(appeal.due_on, day).days
        open_orders = [
            link.order
            for link in appeal.orders.all()
            if link.order.status in ("issued", "responded")
        ]
        rows.append(
            {
                "appeal": appeal,
                "url": appeal_url(appeal),
                "unit": unit,
                "late": late,
                "orders": [link.order for link in appeal.orders.all()],
                "may_issue": not open_orders and supervise.may_issue(request.user, appeal, unit),
            }
        )
    return render(
        request,
        "hotline/analysis/supervision.html",
        {
            "which": which,
            "counts": supervise.counts(request.user, day=day),
            "page": page,
            "rows": rows,
            "today": day,
            "page_query": urlencode({"show": which}),
            "nav": _nav("supervision"),
        },
    )


@require_POST
@login_required
def supervise_appeal(request, pk):
    """督办: send the appeal's unit a supervision order; back to the list with the result."""
    _require(request)
    appeal = get_object_or_404(
        policy.scope(request.user, Appeal.objects.all(), supervise.SUPERVISE), pk=pk
    )
    requirement = str(request.POST.get("requirement", ""))[: MAX_REQUIREMENT + 1]
    workdays = str(request.POST.get("workdays", "")).strip()[:4]
    back = (
        reverse("hotline_supervision")
        + "?"
        + urlencode(
            {
                "show": request.POST.get("show")
                if request.POST.get("show") in supervise.LISTS
                else "overdue"
            }
        )
    )
    try:
        if len(requirement) > MAX_REQUIREMENT:
            raise ValidationError(
                _("内容过长（最多%(n)d个字）。") % {"n": MAX_REQUIREMENT}, code="text_too_long"
            )
        if workdays and not (workdays.isascii() and workdays.isdigit()):
            raise ValidationError(_("反馈期限应为1至60个工作日。"), code="workdays_out_of_range")
        order = supervise.issue(
            appeal, by=request.user, requirement=requirement, workdays=workdays or None
        )
    except ValidationError as error:
        messages.error(request, "；".join(error.messages))
        return redirect(back)
    messages.success(
        request,
        _("已向%(unit)s发出督办单 %(number)s。")
        % {"unit": order.department.name, "number": order.number},
    )
    return redirect(back)


# --- the weekly ranking ---------------------------------------------------------------------


def _flag_words(row, data) -> list[str]:
    words = {
        "acceptance": _("约谈：签收率低于%(t)s") % {"t": percent(data.acceptance_below)},
        "on_time": _("约谈：按期办结率低于%(t)s") % {"t": percent(data.on_time_below)},
        "satisfaction": _("约谈：满意率低于%(t)s") % {"t": percent(data.satisfaction_below)},
    }
    return [words[f] for f in row.flags]


@never_cache
@login_required
def unit_ranking(request):
    """承办单位每周排名: acceptance, on-time rate and satisfaction, with interview flags."""
    _require(request)
    year, week = figures.week_of(request.GET.get("week"), today=services.today())
    data = ranking.ranking(request.user, year, week)
    rows = [
        {
            "row": row,
            "acceptance": percent(row.acceptance_rate),
            "on_time": percent(row.on_time_rate),
            "satisfaction": percent(row.satisfaction_rate),
            "flags": _flag_words(row, data),
        }
        for row in data.rows
    ]
    return render(
        request,
        "hotline/analysis/ranking.html",
        {
            "ranking": data,
            "rows": rows,
            "on_time_below": percent(data.on_time_below),
            "satisfaction_below": percent(data.satisfaction_below),
            "report_url": reverse("hotline_report") + "?" + urlencode({"week": data.label}),
            "nav": _nav("ranking"),
        },
    )


# --- the weekly report ----------------------------------------------------------------------


def _download(content: bytes, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    ascii_name = "hotline-weekly-report" + filename[filename.rfind(".") :]
    response["Content-Disposition"] = (
        f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}"
    )
    return sandboxed(response)


@never_cache
@login_required
def weekly_report(request):
    """周报: the week's figures on the page, as Excel (?format=xlsx) or PDF (?format=pdf)."""
    _require(request)
    today = services.today()
    year, week = figures.week_of(request.GET.get("week"), today=today)
    data = report.weekly(request.user, year, week)
    name = _("12345热线周报_%(week)s") % {"week": data.label}
    wanted = request.GET.get("format", "")
    if wanted == "xlsx":
        return _download(report.xlsx(data), XLSX_TYPE, f"{name}.xlsx")
    if wanted == "pdf":
        return _download(report.pdf_bytes(data), "application/pdf", f"{name}.pdf")
    top = max([n for _c, _n, n in data.by_subject] or [0]) or 1
    return render(
        request,
        "hotline/analysis/report.html",
        {
            "report": data,
            "weeks": report.week_options(today),
            "subjects": [
                {"code": c, "name": n, "count": k, "width": round(k / top * 100)}
                for c, n, k in data.by_subject[: report.TOP_SUBJECTS]
            ],
            "xlsx_url": "?" + urlencode({"week": data.label, "format": "xlsx"}),
            "pdf_url": "?" + urlencode({"week": data.label, "format": "pdf"}),
            "nav": _nav("report"),
        },
    )


def _nav(active: str) -> list[dict]:
    return [
        {"url": reverse(name), "label": label, "active": key == active}
        for key, name, label in (
            ("supervision", "hotline_supervision", _("超期与退单")),
            ("hotspots", "hotline_hotspots", _("热点预警")),
            ("ranking", "hotline_ranking", _("单位排名")),
            ("report", "hotline_report", _("周报")),
        )
    ]
