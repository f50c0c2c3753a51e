"""Pages of 电子监察 figures: the supervisor's dashboard, the cases behind a figure and the
weekly ranking of departments. Every table is an Excel download (`?export=…`); charts are
drawn on top of the tables by static/supervision/dashboard.js (the tables stay the source,
and the pages read without JavaScript). Thin: selectors read, nothing changes here."""

from urllib.parse import quote, urlencode

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.cache import never_cache

from yiwang.api.pagination import CappedPaginator
from yiwang.core.xlsx import xlsx_response
from yiwang.journey.cases.models import Status
from yiwang.journey.workflow.models import Suspension
from yiwang.workdays import calendar

from . import selectors

CASES_PER_PAGE = 30
EXPORT_ROWS = 10_000  # an Excel download of a drill-down stops here


def _require_supervisor(request):
    if not selectors.may_view(request.user):
        raise Http404


def _percent(rate) -> str:
    return "—" if rate is None else f"{rate * 100:.1f}%"


def cases_url(figure: str, period, filters, **override) -> str:
    query = {"figure": figure, **period.as_query(), **filters.as_query(), **override}
    return reverse("supervision_cases") + "?" + urlencode({k: v for k, v in query.items() if v})


def _linker(period, filters, **override):
    """cases_url for many cells of one table row: the shared part is built once."""
    base = cases_url("", period, filters, **override).replace("?", "?figure={}&", 1)
    return lambda figure: base.format(quote(figure))


# --- the dashboard --------------------------------------------------------------------------


def _cards(data: selectors.Dashboard) -> list[dict]:
    """The figure cards, each with the drill-down of the cases behind it."""
    t, period, filters = data.totals, data.period, data.filters

    def card(figure, label, value, note="", tone=""):
        return {
            "figure": figure,
            "label": label,
            "value": value,
            "note": note,
            "tone": tone,
            "url": cases_url(figure, period, filters),
        }

    idle_days = settings.YIWANG_IDLE_TASK_WORKDAYS
    return [
        card("in_progress", _("在办办件"), t.in_progress, _("当前")),
        card("yellow", _("黄牌预警"), t.yellow, _("当前，临近期限"), "yellow" if t.yellow else ""),
        card("red", _("红牌超期"), t.red, _("当前，已超期"), "red" if t.red else ""),
        card(
            "late",
            _("按时办结率"),
            _percent(t.on_time_rate),
            _("办结%(n)d件，超期办结%(late)d件") % {"n": t.concluded, "late": t.late},
            "red" if t.late else "",
        ),
        card(
            "bad_rating",
            _("满意率"),
            _percent(t.satisfaction_rate),
            _("评价%(n)d次，差评%(bad)d次") % {"n": t.ratings, "bad": t.ratings_bad},
            "red" if t.ratings_bad else "",
        ),
        card(
            "rectifications",
            _("差评整改率"),
            _percent(t.rectification_rate),
            _("整改%(n)d件，已办结%(done)d件")
            % {"n": t.rectifications_opened, "done": t.rectifications_closed},
        ),
        card("deemed", _("逾期视为受理"), t.deemed_accepted, _("《行政许可法》第三十二条")),
        card("repeated_notice", _("重复补正告知"), t.repeated_notices, _("第二次及以后的告知")),
        card("returned", _("多次退回"), t.repeated_returns, _("退回两次及以上的办件")),
        card(
            "idle",
            _("环节滞留"),
            t.idle_tasks,
            _("%(n)d个工作日以上无人办理") % {"n": idle_days},
            "yellow" if t.idle_tasks else "",
        ),
    ]


DEPARTMENT_COLUMNS = [
    # (heading, value on the row, drill-down figure or "")
    (gettext_lazy("在办"), "in_progress", "in_progress"),
    (gettext_lazy("黄牌"), "yellow", "yellow"),
    (gettext_lazy("红牌"), "red", "red"),
    (gettext_lazy("环节滞留"), "idle_tasks", "idle"),
    (gettext_lazy("收件"), "received", "received"),
    (gettext_lazy("办结"), "concluded", "concluded"),
    (gettext_lazy("超期办结"), "late", "late"),
    (gettext_lazy("按时办结率"), "on_time_rate", ""),
    (gettext_lazy("视为受理"), "deemed_accepted", "deemed"),
    (gettext_lazy("重复补正"), "repeated_notices", "repeated_notice"),
    (gettext_lazy("多次退回"), "repeated_returns", "returned"),
    (gettext_lazy("评价"), "ratings", "ratings"),
    (gettext_lazy("满意率"), "satisfaction_rate", ""),
    (gettext_lazy("差评"), "ratings_bad", "bad_rating"),
    (gettext_lazy("整改率"), "rectification_rate", ""),
]
ITEM_COLUMNS = [
    (gettext_lazy("超期合计"), "overdue", ""),
    (gettext_lazy("红牌"), "red", "red"),
    (gettext_lazy("超期办结"), "late", "late"),
    (gettext_lazy("在办"), "in_progress", "in_progress"),
    (gettext_lazy("收件"), "received", "received"),
    (gettext_lazy("办结"), "concluded", "concluded"),
    (gettext_lazy("按时办结率"), "on_time_rate", ""),
    (gettext_lazy("评价"), "ratings", "ratings"),
    (gettext_lazy("满意率"), "satisfaction_rate", ""),
    (gettext_lazy("差评"), "ratings_bad", "bad_rating"),
]
RATES = {"on_time_rate", "satisfaction_rate", "rectification_rate"}
HALL_COLUMNS = [
    # (heading, value on the row, how it is shown)
    (gettext_lazy("取号"), "taken", ""),
    (gettext_lazy("办结"), "served", ""),
    (gettext_lazy("过号率"), "no_show_rate", "percent"),
    (gettext_lazy("平均等候"), "average_wait", "minutes"),
    (gettext_lazy("最长等候"), "longest_wait_seconds", "minutes"),
    (gettext_lazy("平均办理"), "average_service", "minutes"),
    (gettext_lazy("预计等候误差（平均）"), "average_estimate_error", "minutes"),
    (gettext_lazy("窗口评价"), "ratings", ""),
    (gettext_lazy("满意率"), "satisfaction_rate", "percent"),
    (gettext_lazy("差评"), "ratings_bad", ""),
]


def minutes(seconds) -> str:
    """Seconds as minutes for a table cell: "12.5分钟", or "—" without data."""
    if seconds is None:
        return "—"
    return _("%(n).1f分钟") % {"n": seconds / 60}


def _hall_cells(row) -> list[dict]:
    cells = []
    for heading, name, shown in HALL_COLUMNS:
        value = getattr(row, name)
        if shown == "percent":
            value = _percent(value)
        elif shown == "minutes":
            value = minutes(value if value or name != "longest_wait_seconds" else None)
        cells.append({"heading": heading, "value": value, "name": name})
    return cells


def _cells(row: selectors.Row, columns, link) -> list[dict]:
    cells = []
    for heading, name, figure in columns:
        value = getattr(row, name)
        shown = _percent(value) if name in RATES else value
        url = link(figure) if figure and value and row.code else ""
        cells.append({"heading": heading, "value": shown, "url": url, "name": name})
    return cells


def _table(rows, columns, link_for) -> list[dict]:
    return [{"row": row, "cells": _cells(row, columns, link_for(row))} for row in rows]


def _export(filename: str, title: str, first: str, rows, columns):
    headers = [first, _("编码"), *[str(h) for h, _name, _f in columns]]
    body = []
    for row in rows:
        values = []
        for _heading, name, _figure in columns:
            value = getattr(row, name)
            values.append(None if value is None else round(value, 4) if name in RATES else value)
        body.append([row.name, row.code, *values])
    return xlsx_response(filename, title, headers, body)


def _chart_data(data: selectors.Dashboard) -> dict:
    named = [r for r in data.by_department if r.code]

    def pct(rate):
        return None if rate is None else round(rate * 100, 1)

    return {
        "departments": {
            "names": [r.name for r in named],
            "on_time": [pct(r.on_time_rate) for r in named],
            "satisfaction": [pct(r.satisfaction_rate) for r in named],
            "labels": {"on_time": _("按时办结率"), "satisfaction": _("满意率")},
        },
        "series": {
            "days": [
                d["day"].strftime("%Y-%m") if data.series_unit == "month" else d["day"].isoformat()
                for d in data.series
            ],
            "received": [d["received"] for d in data.series],
            "concluded": [d["concluded"] for d in data.series],
            "labels": {"received": _("收件"), "concluded": _("办结")},
        },
    }


@never_cache
@login_required
def dashboard(request):
    """效能监察: figures of the supervisor's subtree over a period, by department and item."""
    _require_supervisor(request)
    user = request.user
    period = selectors.period(
        request.GET.get("period"), request.GET.get("from"), request.GET.get("to")
    )
    filters = selectors.Filters.of(request.GET)
    export = request.GET.get("export")
    if export == "departments":
        rows = selectors.by_department(user, period, filters)
        return _export(
            _("部门效能_%(from)s_%(to)s") % {"from": period.first, "to": period.last},
            _("按部门"),
            _("部门"),
            rows,
            DEPARTMENT_COLUMNS,
        )
    if export == "items":
        rows = selectors.by_item(user, period, filters)
        return _export(
            _("事项效能_%(from)s_%(to)s") % {"from": period.first, "to": period.last},
            _("按事项"),
            _("事项"),
            rows,
            ITEM_COLUMNS,
        )
    data = selectors.dashboard(user, period, filters)

    def department_link(row):
        return _linker(period, filters, department=row.code)

    def item_link(row):
        return _linker(period, filters, item=row.code)

    query = {**period.as_query(), **filters.as_query()}
    return render(
        request,
        "supervision/dashboard.html",
        {
            "data": data,
            "period": period,
            "filters": filters,
            "presets": selectors.PRESETS,
            "levels": selectors.LEVELS,
            "departments": list(selectors.departments_in_scope(user)),
            "cards": _cards(data),
            "department_columns": [h for h, _n, _f in DEPARTMENT_COLUMNS],
            "department_rows": _table(data.by_department, DEPARTMENT_COLUMNS, department_link),
            "item_columns": [h for h, _n, _f in ITEM_COLUMNS],
            "item_rows": _table(data.by_item, ITEM_COLUMNS, item_link),
            "totals": _cells(data.totals, DEPARTMENT_COLUMNS, lambda figure: ""),
            "chart_data": _chart_data(data),
            "hall_columns": [h for h, _n, _f in HALL_COLUMNS],
            "hall_rows": [{"row": row, "cells": _hall_cells(row)} for row in data.halls],
            "hall_totals": _hall_cells(data.halls_total) if data.halls else [],
            "export_departments": "?" + urlencode({**query, "export": "departments"}),
            "export_items": "?" + urlencode({**query, "export": "items"}),
            "ranking_url": reverse("supervision_ranking"),
        },
    )


# --- the cases behind a figure --------------------------------------------------------------

FINISHED = {
    Status.APPROVED,
    Status.APPROVED_TOLERATED,
    Status.DENIED,
    Status.REVOKED,
    Status.REFUSED,
}


def _open_pauses(cases) -> None:
    """The open suspension of each suspended case on the page, for its frozen clock."""
    suspended = [c.pk for c in cases if c.status == Status.SUSPENDED]
    pauses = {}
    if suspended:
        for pause in Suspension.objects.filter(case_id__in=suspended, ended_on__isnull=True):
            pauses[pause.case_id] = [pause]
    for case in cases:
        case.open_pauses = pauses.get(case.pk, [])


@never_cache
@login_required
def cases(request):
    """The cases behind a dashboard figure, in the supervisor's scope; 404 for a figure that
    does not exist, nothing for cases outside the scope."""
    _require_supervisor(request)
    figure = request.GET.get("figure", "")
    if figure not in selectors.FIGURES:
        raise Http404
    period = selectors.period(
        request.GET.get("period"), request.GET.get("from"), request.GET.get("to")
    )
    filters = selectors.Filters.of(request.GET)
    queryset = selectors.cases_behind(request.user, figure, period, filters)
    if request.GET.get("export") == "xlsx":
        return _export_cases(figure, period, queryset)
    page = CappedPaginator(queryset, CASES_PER_PAGE).get_page(request.GET.get("page"))
    _open_pauses(page.object_list)
    try:
        order_new = reverse("supervision_order_new")
    except NoReverseMatch:
        order_new = ""
    query = {"figure": figure, **period.as_query(), **filters.as_query()}
    department = None
    if filters.department:
        department = next(
            (
                d
                for d in selectors.departments_in_scope(request.user)
                if d.code == filters.department
            ),
            None,
        )
    return render(
        request,
        "supervision/cases.html",
        {
            "page": page,
            "figure": figure,
            "figure_label": selectors.FIGURES[figure],
            "live": figure in selectors.LIVE_FIGURES,
            "period": period,
            "filters": filters,
            "department": department,
            "order_new": order_new,
            "export_url": "?" + urlencode({**query, "export": "xlsx"}),
            "back_url": reverse("supervision_dashboard")
            + "?"
            + urlencode({**period.as_query(), **filters.as_query()}),
            "finished": FINISHED,
        },
    )


def _deadline_words(case) -> str:
    if case.promised_due_on is None:
        return ""
    if case.concluded_at is not None and case.status in FINISHED:
        concluded = case.concluded_at.astimezone(calendar.SHANGHAI).date()
        late = calendar.workdays_between_checked(case.promised_due_on, concluded).days
        if late > 0:
            return ngettext("超期%(n)d个工作日办结", "超期%(n)d个工作日办结", late) % {"n": late}
        return _("按时办结")
    return ""


def _export_cases(figure, period, queryset):
    headers = [
        _("办件编号"),
        _("事项编码"),
        _("申请事项"),
        _("主管部门"),
        _("办理地点"),
        _("状态"),
        _("预警"),
        _("提交时间"),
        _("承诺办结期限"),
        _("办结时间"),
        _("办结情况"),
    ]

    def local(moment):
        return moment.astimezone(calendar.SHANGHAI).replace(tzinfo=None) if moment else None

    rows = (
        [
            case.number,
            case.item_version.item.code,
            case.title,
            case.department.name if case.department_id else "",
            case.place.name,
            case.get_status_display(),
            case.get_warning_display() if case.warning else "",
            local(case.submitted_at),
            case.promised_due_on,
            local(case.concluded_at),
            _deadline_words(case),
        ]
        for case in queryset[:EXPORT_ROWS]
    )
    return xlsx_response(
        _("%(figure)s_%(from)s_%(to)s")
        % {"figure": selectors.FIGURES[figure], "from": period.first, "to": period.last},
        str(selectors.FIGURES[figure]),
        headers,
        rows,
    )


# --- the weekly ranking ---------------------------------------------------------------------

RANKING_HEADERS = [
    gettext_lazy("名次"),
    gettext_lazy("部门"),
    gettext_lazy("办结"),
    gettext_lazy("按时办结"),
    gettext_lazy("按时办结率"),
    gettext_lazy("评价"),
    gettext_lazy("满意"),
    gettext_lazy("满意率"),
    gettext_lazy("约谈提示"),
]


def _flags(entry: selectors.RankRow, ranking: selectors.Ranking) -> list[str]:
    flags = []
    if entry.flag_on_time:
        flags.append(_("约谈：按时办结率低于%(t)s") % {"t": _percent(ranking.on_time_below)})
    if entry.flag_satisfaction:
        flags.append(_("约谈：满意率低于%(t)s") % {"t": _percent(ranking.satisfaction_below)})
    return flags


@never_cache
@login_required
def ranking(request):
    """每周排名: departments by on-time rate and satisfaction rate, with interview flags."""
    _require_supervisor(request)
    year, week = selectors.week_of(request.GET.get("week"))
    data = selectors.ranking(request.user, year, week)
    week = selectors.Period(data.period.first, data.period.last, "custom")
    no_filters = selectors.Filters()
    rows = [
        {
            "entry": entry,
            "flags": _flags(entry, data),
            "concluded_url": cases_url("concluded", week, no_filters, department=entry.row.code),
            "late_url": cases_url("late", week, no_filters, department=entry.row.code),
            "ratings_url": cases_url("ratings", week, no_filters, department=entry.row.code),
            "on_time": _percent(entry.row.on_time_rate),
            "satisfaction": _percent(entry.row.satisfaction_rate),
        }
        for entry in data.rows
    ]
    if request.GET.get("export") == "xlsx":
        return xlsx_response(
            _("部门周排名_%(week)s") % {"week": data.label},
            data.label,
            [str(h) for h in RANKING_HEADERS],
            [
                [
                    r["entry"].rank,
                    r["entry"].row.name,
                    r["entry"].row.concluded,
                    r["entry"].row.concluded_on_time,
                    r["on_time"],
                    r["entry"].row.ratings,
                    r["entry"].row.ratings_satisfied,
                    r["satisfaction"],
                    "；".join(r["flags"]),
                ]
                for r in rows
            ],
        )
    return render(
        request,
        "supervision/ranking.html",
        {
            "ranking": data,
            "rows": rows,
            "on_time_below": _percent(data.on_time_below),
            "satisfaction_below": _percent(data.satisfaction_below),
            "export_url": "?" + urlencode({"week": data.label, "export": "xlsx"}),
        },
    )
