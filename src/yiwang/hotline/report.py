"""The line's weekly report (docs/hotline.md, "Supervision, hotspots and the weekly
report"): what came in during an ISO week — by type, subject, channel and street — how
much was closed on the spot (直接办结), the units' on-time and satisfaction rates, and the
week's strongest hotspots; as an Excel workbook with a chart and as a PDF with a bar chart.

Every figure is a GROUP BY over the week's appeals (received_at is indexed) in the
reader's scope; nothing is read appeal by appeal."""

import datetime
import io
from dataclasses import dataclass, field

from django.db.models import Count
from django.utils.translation import gettext as _

from yiwang.identity import policy
from yiwang.identity.models import OrgUnit

from . import hotspots, ranking
from .models import AppealType, Channel, HotspotAlert, Resolution, Subject

SUPERVISE = "hotline.supervise"
TOP_SUBJECTS = 15
TOP_HOTSPOTS = 10


def _rate(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def percent(rate) -> str:
    return "—" if rate is None else f"{rate * 100:.1f}%"


@dataclass
class Report:
    year: int
    week: int
    period: ranking.Period
    received: int = 0
    direct: int = 0
    by_type: list[tuple[str, int]] = field(default_factory=list)
    by_subject: list[tuple[str, str, int]] = field(default_factory=list)  # code, name, n
    by_channel: list[tuple[str, int]] = field(default_factory=list)
    by_area: list[tuple[str, int]] = field(default_factory=list)
    units: ranking.Ranking | None = None
    hotspots: list[HotspotAlert] = field(default_factory=list)

    @property
    def label(self) -> str:
        return ranking.week_label(self.year, self.week)

    @property
    def direct_rate(self) -> float | None:
        return _rate(self.direct, self.received)

    @property
    def on_time_rate(self) -> float | None:
        return self.units.totals.on_time_rate if self.units else None

    @property
    def satisfaction_rate(self) -> float | None:
        return self.units.totals.satisfaction_rate if self.units else None

    @property
    def acceptance_rate(self) -> float | None:
        return self.units.totals.acceptance_rate if self.units else None

    def summary(self) -> list[tuple[str, str]]:
        return [
            (_("受理诉求"), str(self.received)),
            (_("直接办结"), str(self.direct)),
            (_("直接办结率"), percent(self.direct_rate)),
            (_("按时签收率"), percent(self.acceptance_rate)),
            (_("按期办结率"), percent(self.on_time_rate)),
            (_("满意率"), percent(self.satisfaction_rate)),
            (_("热点预警"), str(len(self.hotspots))),
        ]


def weekly(user, year: int, week: int) -> Report:
    """The figures of one ISO week in the user's scope."""
    start, end, span = ranking.week_span(year, week)
    report = Report(year=year, week=week, period=span)
    appeals = policy.scope(user, _appeals(), SUPERVISE).filter(
        received_at__gte=start, received_at__lt=end
    )
    types = dict(AppealType.choices)
    channels = dict(Channel.choices)
    for row in appeals.order_by().values("type").annotate(n=Count("pk")).order_by("-n", "type"):
        report.by_type.append((str(types.get(row["type"], row["type"])), row["n"]))
    report.received = sum(n for _label, n in report.by_type)
    for row in appeals.order_by().values("channel").annotate(n=Count("pk")).order_by("-n"):
        report.by_channel.append((str(channels.get(row["channel"], row["channel"])), row["n"]))
    report.direct = appeals.filter(resolution=Resolution.DIRECT).count()
    subjects = appeals.order_by().values("subject_id").annotate(n=Count("pk")).order_by("-n")
    subject_rows = list(subjects)
    names = dict(
        (pk, (code, name))
        for pk, code, name in Subject.objects.filter(
            pk__in=[r["subject_id"] for r in subject_rows if r["subject_id"]]
        ).values_list("pk", "code", "name")
    )
    for row in subject_rows:
        code, name = names.get(row["subject_id"], ("", _("未分类")))
        report.by_subject.append((code, name, row["n"]))
    # Streets: an appeal in a community counts for its street (the second part of the path).
    streets: dict[str, int] = {}
    for row in appeals.order_by().values("area_path").annotate(n=Count("pk")):
        parts = [p for p in (row["area_path"] or "").split("/") if p]
        key = parts[1] if len(parts) > 1 else ""
        streets[key] = streets.get(key, 0) + row["n"]
    street_names = dict(OrgUnit.objects.filter(code__in=list(streets)).values_list("code", "name"))
    report.by_area = sorted(
        ((street_names.get(code) or _("未注明区域"), n) for code, n in streets.items()),
        key=lambda pair: -pair[1],
    )
    report.units = ranking.ranking(user, year, week)
    report.hotspots = list(
        hotspots.alerts_between(span.first, span.last).order_by("-score")[:TOP_HOTSPOTS]
    )
    return report


def _appeals():
    from .models import Appeal, AppealStatus

    return Appeal.objects.exclude(status=AppealStatus.MERGED)


def _dimension(alert: HotspotAlert) -> str:
    return str(alert.get_dimension_display())


# --- Excel ----------------------------------------------------------------------------------


def xlsx(report: Report) -> bytes:
    """The report as a workbook: 概况, 分类, 类型与渠道, 区域, 单位, 热点; the subjects'
    sheet carries a bar chart of the week's biggest subjects."""
    import openpyxl
    from openpyxl.chart import BarChart, Reference

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = _("概况")
    sheet.append([_("12345热线周报"), report.label])
    sheet.append(
        [_("统计期间"), f"{report.period.first.isoformat()} — {report.period.last.isoformat()}"]
    )
    for label, value in report.summary():
        sheet.append([label, value])

    subjects = book.create_sheet(_("分类"))
    subjects.append([_("分类编码"), _("诉求分类"), _("诉求数")])
    for code, name, n in report.by_subject:
        subjects.append([code, name, n])
    if report.by_subject:
        chart = BarChart()
        chart.type = "bar"
        chart.title = _("诉求量前列的分类")
        chart.y_axis.title = _("诉求数")
        rows = min(len(report.by_subject), TOP_SUBJECTS) + 1
        chart.add_data(
            Reference(subjects, min_col=3, min_row=1, max_row=rows), titles_from_data=True
        )
        chart.set_categories(Reference(subjects, min_col=2, min_row=2, max_row=rows))
        chart.height, chart.width = 10, 18
        subjects.add_chart(chart, "E2")

    kinds = book.create_sheet(_("类型与渠道"))
    kinds.append([_("诉求类型"), _("诉求数")])
    for label, n in report.by_type:
        kinds.append([label, n])
    kinds.append([])
    kinds.append([_("渠道"), _("诉求数")])
    for label, n in report.by_channel:
        kinds.append([label, n])

    areas = book.create_sheet(_("区域"))
    areas.append([_("街道"), _("诉求数")])
    for label, n in report.by_area:
        areas.append([label, n])

    units = book.create_sheet(_("单位"))
    units.append(
        [
            _("名次"),
            _("承办单位"),
            _("派单"),
            _("按时签收"),
            _("签收率"),
            _("退单"),
            _("答复"),
            _("按期答复"),
            _("按期办结率"),
            _("评价"),
            _("满意"),
            _("满意率"),
            _("约谈提示"),
        ]
    )
    for row in report.units.rows if report.units else []:
        units.append(
            [
                row.rank,
                row.name,
                row.dispatched,
                row.accepted_on_time,
                _round(row.acceptance_rate),
                row.returned,
                row.answered,
                row.answered_on_time,
                _round(row.on_time_rate),
                row.rated,
                row.satisfied,
                _round(row.satisfaction_rate),
                "；".join(flag_words(row.flags)),
            ]
        )

    spots = book.create_sheet(_("热点"))
    spots.append(
        [_("日期"), _("维度"), _("对象"), _("统计天数"), _("数量"), _("基线"), _("异常程度")]
    )
    for alert in report.hotspots:
        spots.append(
            [
                alert.day,
                _dimension(alert),
                alert.label,
                alert.window,
                alert.count,
                round(alert.baseline, 2),
                alert.score,
            ]
        )
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _round(rate):
    return None if rate is None else round(rate, 4)


def flag_words(flags: list[str]) -> list[str]:
    words = {
        "acceptance": _("约谈：签收率偏低"),
        "on_time": _("约谈：按期办结率偏低"),
        "satisfaction": _("约谈：满意率偏低"),
    }
    return [str(words[f]) for f in flags]


# --- PDF ------------------------------------------------------------------------------------


def _bar_chart(pairs: list[tuple[str, int]], width: float, height: float):
    from reportlab.graphics.charts.barcharts import HorizontalBarChart
    from reportlab.graphics.shapes import Drawing

    from yiwang.core import pdf

    drawing = Drawing(width, height)
    drawing.initialFontName = pdf.font()  # no Helvetica left unembedded in the file
    chart = HorizontalBarChart()
    label_width = 120
    chart.x, chart.y = label_width, 10
    chart.width, chart.height = width - label_width - 20, height - 20
    pairs = list(reversed(pairs))  # the biggest on top
    chart.data = [[n for _label, n in pairs]]
    chart.categoryAxis.categoryNames = [label[:12] for label, _n in pairs]
    chart.categoryAxis.labels.fontName = pdf.font()
    chart.categoryAxis.labels.fontSize = 8
    chart.valueAxis.labels.fontName = pdf.font()
    chart.valueAxis.labels.fontSize = 8
    chart.valueAxis.valueMin = 0
    chart.bars[0].fillColor = pdf.BLUE
    chart.barLabels.fontName = pdf.font()
    chart.barLabels.fontSize = 7
    chart.barLabelFormat = "%d"
    chart.barLabels.boxAnchor = "w"
    chart.barLabels.dx = 3
    drawing.add(chart)
    return drawing


def pdf_bytes(report: Report) -> bytes:
    """The report as an A4 PDF: the summary, a bar chart of the biggest subjects, the
    tables by type, channel and street, the units' ranking and the hotspots."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer

    from yiwang.core import pdf

    styles = pdf.styles()
    buffer = io.BytesIO()
    title = _("12345热线周报 %(week)s") % {"week": report.label}
    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        initialFontName=pdf.font(),
        leftMargin=pdf.MARGIN,
        rightMargin=pdf.MARGIN,
        topMargin=pdf.MARGIN,
        bottomMargin=pdf.MARGIN,
        title=title,
        invariant=True,
    )
    cell = styles["cell"]

    def rows_of(header, body):
        return [[pdf.paragraph(h, styles["head"]) for h in header]] + [
            [pdf.paragraph(v, cell) for v in row] for row in body
        ]

    story = [
        Paragraph(title, styles["title"]),
        Paragraph(
            _("统计期间：%(first)s 至 %(last)s")
            % {"first": report.period.first.isoformat(), "last": report.period.last.isoformat()},
            styles["subtitle"],
        ),
        Spacer(1, 6 * mm),
        pdf.grid(report.summary(), styles),
        Spacer(1, 4 * mm),
        Paragraph(_("诉求量前列的分类"), styles["h2"]),
    ]
    top = [(name, n) for _code, name, n in report.by_subject[:TOP_SUBJECTS]]
    if top:
        story.append(_bar_chart(top, pdf.WIDTH, 20 + 16 * len(top)))
    else:
        story.append(pdf.paragraph(_("本周没有诉求。"), styles["note"]))
    half = pdf.WIDTH / 2
    for heading, column, pairs in (
        (_("按诉求类型"), _("诉求类型"), report.by_type),
        (_("按渠道"), _("渠道"), report.by_channel),
        (_("按街道"), _("街道"), report.by_area),
    ):
        story.append(Paragraph(heading, styles["h2"]))
        story.append(
            pdf.table(
                rows_of([column, _("诉求数")], [[label, str(n)] for label, n in pairs]),
                [half, half / 2],
            )
        )
    story.append(Paragraph(_("承办单位排名"), styles["h2"]))
    unit_rows = [
        [
            str(row.rank),
            row.name,
            percent(row.acceptance_rate),
            percent(row.on_time_rate),
            percent(row.satisfaction_rate),
            "；".join(flag_words(row.flags)) or "—",
        ]
        for row in (report.units.rows if report.units else [])
    ]
    widths = [12 * mm, 52 * mm, 22 * mm, 24 * mm, 20 * mm, pdf.WIDTH - 130 * mm]
    story.append(
        pdf.table(
            rows_of(
                [
                    _("名次"),
                    _("承办单位"),
                    _("签收率"),
                    _("按期办结率"),
                    _("满意率"),
                    _("约谈提示"),
                ],
                unit_rows,
            ),
            widths,
        )
    )
    story.append(Paragraph(_("热点预警"), styles["h2"]))
    spots = [
        [
            a.day.isoformat(),
            _dimension(a),
            a.label,
            str(a.count),
            f"{a.baseline:.2f}",
            f"{a.score:.1f}",
        ]
        for a in report.hotspots
    ]
    if spots:
        story.append(
            pdf.table(
                rows_of(
                    [_("日期"), _("维度"), _("对象"), _("数量"), _("基线"), _("异常程度")], spots
                ),
                [24 * mm, 16 * mm, pdf.WIDTH - 100 * mm, 18 * mm, 20 * mm, 22 * mm],
            )
        )
    else:
        story.append(pdf.paragraph(_("本周没有热点预警。"), styles["note"]))
    doc.build(story)
    return buffer.getvalue()


def week_options(today: datetime.date, weeks: int = 12) -> list[str]:
    """The last complete weeks, newest first, for the report page's choice."""
    found = []
    day = today - datetime.timedelta(days=7)
    for _n in range(weeks):
        found.append(ranking.week_label(*day.isocalendar()[:2]))
        day -= datetime.timedelta(days=7)
    return found
