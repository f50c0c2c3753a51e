"""The printable 办事指南 as PDF: every guide field, the materials table, the process and the
places, set in the CJK font of core.pdf, embedded (subset) in the file."""

from io import BytesIO

from django.utils import timezone
from django.utils.translation import gettext as _
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import SimpleDocTemplate, Spacer

from yiwang.core.dates import long_date
from yiwang.core.official import name_text
from yiwang.core.pdf import BLUE
from yiwang.core.pdf import font as _font
from yiwang.core.pdf import paragraph as _p
from yiwang.core.pdf import table as _table

from .models import ItemVersion
from .templatetags.catalog_words import (
    days_words,
    depth_explained,
    depth_words,
    necessity_explained,
    necessity_words,
    needs_no_paper,
    source_words,
    visits_words,
)


def _styles():
    font = _font()
    base = ParagraphStyle("base", fontName=font, fontSize=10.5, leading=16, wordWrap="CJK")
    return {
        "base": base,
        "title": ParagraphStyle(
            "title", parent=base, fontSize=20, leading=28, alignment=TA_CENTER, textColor=BLUE
        ),
        "subtitle": ParagraphStyle(
            "subtitle", parent=base, fontSize=10, alignment=TA_CENTER, textColor=colors.grey
        ),
        "h2": ParagraphStyle(
            "h2", parent=base, fontSize=14, leading=20, spaceBefore=10, spaceAfter=6, textColor=BLUE
        ),
        "cell": ParagraphStyle("cell", parent=base, fontSize=9.5, leading=14),
        "head": ParagraphStyle("head", parent=base, fontSize=9.5, leading=14, textColor=BLUE),
    }


def _fields(version: ItemVersion) -> list[tuple[str, str]]:
    result = version.get_result_type_display()
    if version.result_license_type:
        result += f"（{name_text(version.result_license_type)}）"
    return [
        (_("事项名称"), name_text(version)),
        (_("事项编码"), version.item.code),
        (_("事项类型"), version.get_item_type_display()),
        (_("主管部门"), name_text(version.department)),
        (_("实施主体"), "、".join(name_text(o) for o in version.implementing_orgs.all())),
        (_("行使层级"), version.get_level_display()),
        (_("服务对象"), version.get_audience_display()),
        (_("主题分类"), "、".join(name_text(t) for t in version.themes.all())),
        (_("设定依据"), version.legal_basis),
        (_("受理条件"), version.conditions),
        (_("法定办结时限"), days_words(version.statutory_days)),
        (_("承诺办结时限"), days_words(version.promised_days)),
        (_("收费标准"), version.fee or _("不收费")),
        (
            _("办理深度"),
            f"{depth_words(version.online_depth)}（{depth_explained(version.online_depth)}）",
        ),
        (_("到现场次数"), visits_words(version.max_visits)),
        (_("支持预约"), _("是") if version.appointment else _("否")),
        (_("物流快递"), _("是") if version.courier else _("否")),
        (_("办理结果"), version.result_name),
        (_("结果类型"), result),
    ]


def guide_pdf(version: ItemVersion) -> bytes:
    styles = _styles()
    buffer = BytesIO()
    width = A4[0] - 36 * mm
    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        initialFontName=_font(),  # no page names a font the file does not carry
        leftMargin=18 * mm,
        rightMargin=18 * mm,
        topMargin=18 * mm,
        bottomMargin=18 * mm,
        title=f"{name_text(version)} — {_('办事指南')}",
        author=version.department.name,
        subject=version.item.code,
    )
    story = [
        _p(name_text(version), styles["title"]),
        _p(
            _("办事指南　事项编码 %(code)s　第 %(number)d 版")
            % {"code": version.item.code, "number": version.number},
            styles["subtitle"],
        ),
        Spacer(1, 6 * mm),
        _p(_("基本信息"), styles["h2"]),
        _table(
            [[_p(k, styles["head"]), _p(v, styles["cell"])] for k, v in _fields(version)],
            [32 * mm, width - 32 * mm],
            header=False,
        ),
    ]

    story.append(_p(_("申请材料"), styles["h2"]))
    materials = list(version.materials.all())
    if materials:
        head = [
            _("序号"),
            _("材料名称及填报须知"),
            _("类型"),
            _("份数"),
            _("形式"),
            _("来源"),
            _("必要性"),
        ]
        rows = [[_p(h, styles["head"]) for h in head]]
        for m in materials:
            name = m.name + (f"\n{_('填报须知：')}{m.notes}" if m.notes else "")
            necessity = necessity_words(m.necessity)
            if m.necessity != "required":
                necessity += f"（{necessity_explained(m.necessity)}）"
            rows.append(
                [
                    _p(m.seq, styles["cell"]),
                    _p(name, styles["cell"]),
                    _p(m.kind, styles["cell"]),
                    _p(m.copies, styles["cell"]),
                    _p(m.medium, styles["cell"]),
                    _p(
                        source_words(m.source) if needs_no_paper(m.source) else m.source,
                        styles["cell"],
                    ),
                    _p(necessity, styles["cell"]),
                ]
            )
        fixed = [10 * mm, 18 * mm, 11 * mm, 14 * mm, 30 * mm, 26 * mm]
        widths = [fixed[0], width - sum(fixed), *fixed[1:]]
        story.append(_table(rows, widths))
    else:
        story.append(_p(_("不需要提交材料。"), styles["base"]))

    story.append(_p(_("办理流程"), styles["h2"]))
    steps = list(version.steps.all())
    if steps:
        rows = [[_p(h, styles["head"]) for h in (_("序号"), _("环节"), _("办理岗位"), _("时限"))]]
        for s in steps:
            days = days_words(s.days) if s.days else _("当场")
            rows.append([_p(v, styles["cell"]) for v in (s.seq, s.name, s.role, days)])
        story.append(_table(rows, [12 * mm, width - 82 * mm, 40 * mm, 30 * mm]))
        story.append(Spacer(1, 2 * mm))
        story.append(_p(_("时限从受理之日起计算，按工作日计，不含法定节假日。"), styles["cell"]))
    else:
        story.append(_p(_("当场受理，当场办结。"), styles["base"]))

    story.append(_p(_("办理地点和时间"), styles["h2"]))
    places = list(version.places.all())
    rows = [[_p(h, styles["head"]) for h in (_("地点"), _("地址"), _("办公时间"), _("电话"))]]
    for place in places:
        rows.append(
            [
                _p(v, styles["cell"])
                for v in (name_text(place), place.address, place.hours, place.phone)
            ]
        )
    if places:
        story.append(_table(rows, [40 * mm, width - 110 * mm, 42 * mm, 28 * mm]))

    guide_steps = list(version.guide_steps.all())
    if guide_steps:
        story.append(_p(_("办事攻略"), styles["h2"]))
        for n, step in enumerate(guide_steps, start=1):
            text = f"{n}. {step.title}" + (f"：{step.detail}" if step.detail else "")
            story.append(_p(text, styles["base"]))
    faqs = list(version.faqs.all())
    if faqs:
        story.append(_p(_("常见问题"), styles["h2"]))
        for faq in faqs:
            story.append(_p(_("问：%(q)s") % {"q": faq.question}, styles["head"]))
            story.append(_p(_("答：%(a)s") % {"a": faq.answer}, styles["base"]))

    printed = long_date(timezone.localdate())

    def footer(canvas, doc_):
        canvas.saveState()
        canvas.setFont(_font(), 8.5)
        canvas.setFillColor(colors.grey)
        canvas.drawString(
            18 * mm,
            10 * mm,
            _("%(name)s　打印日期 %(date)s　咨询电话 12345")
            % {"name": name_text(version), "date": printed},
        )
        canvas.drawRightString(A4[0] - 18 * mm, 10 * mm, _("第 %(n)d 页") % {"n": doc_.page})
        canvas.restoreState()

    doc.build(story, onFirstPage=footer, onLaterPages=footer)
    return buffer.getvalue()
