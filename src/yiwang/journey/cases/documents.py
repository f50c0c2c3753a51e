"""The papers a case gives its applicant, as PDF built on request from the case itself: the
receipt (接件 / 受理回执), the one-time supplement notice (一次性告知书) and the refusal
decision (不予受理决定书). Same look as the printable guide (catalog.documents): the CJK font
of core.pdf, embedded (subset) so any reader shows it. Every date printed comes from the
case, never from the clock, so the same case always gives the same document."""

from io import BytesIO

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.platypus import (
    KeepTogether,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from yiwang.core.pdf import MARGIN, WIDTH
from yiwang.core.pdf import date_words as _date
from yiwang.core.pdf import fields as _fields
from yiwang.core.pdf import font as _font
from yiwang.core.pdf import grid as _grid
from yiwang.core.pdf import paragraph as _p
from yiwang.core.pdf import qr as _qr
from yiwang.core.pdf import styles as _styles
from yiwang.core.pdf import table as _table

from .models import Case, CaseMaterial, SupplementNotice

# 行政许可法 第三十二条 and the remedies of 行政复议法 / 行政诉讼法, in the words the letters use.
ART32_NOTICE = gettext_lazy(
    "根据《中华人民共和国行政许可法》第三十二条的规定，申请材料不齐全或者不符合法定形式的，"
    "行政机关应当当场或者在五日内一次告知申请人需要补正的全部内容。"
)


def _members(case: Case) -> list[Case]:
    """The journey's cases as the applicant knows them: a bundle's children, else the case."""
    children = list(case.children.select_related("item_version__item", "department"))
    return sorted(children, key=lambda c: c.pk) or [case]


def item_words(case: Case) -> str:
    if case.item_version_id:
        return f"{case.title}（{_('事项编码')} {case.item_version.item.code}）"
    return case.title


def _member_words(member: Case, case: Case) -> str:
    """An item, with its own number when it is one of a bundle's cases."""
    if member.pk == case.pk:
        return item_words(member)
    return f"{item_words(member)}\n{_('办件编号')} {member.number}"


def applicant_rows(case: Case) -> list[tuple[str, str]]:
    applicant = case.applicant
    rows = [(_("申请人"), applicant.display_name)]
    if applicant.id_number_masked:
        rows.append((_("身份证件号码"), applicant.id_number_masked))
    if case.enterprise_id:
        enterprise = case.enterprise
        rows.append(
            (_("申请企业"), f"{enterprise.name}（{_('统一社会信用代码')} {enterprise.uscc}）")
        )
    return rows


def _place_rows(case: Case) -> list[tuple[str, str]]:
    place = case.place
    return [
        (_("办理地点"), place.name),
        (_("咨询电话"), place.phone),
        (_("地址"), place.address),
        (_("办公时间"), place.hours),
    ]


def build(story, *, title: str, case: Case) -> bytes:
    buffer = BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        initialFontName=_font(),  # no page names a font the file does not carry
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=MARGIN,
        title=f"{title} {case.number or ''}".strip(),
        author=case.place.name,
        subject=case.number or "",
        invariant=True,  # no creation time or random id: same case, same bytes
    )

    def footer(canvas, doc_):
        canvas.saveState()
        canvas.setFont(_font(), 8.5)
        canvas.setFillColor(colors.grey)
        canvas.drawString(
            MARGIN,
            10 * mm,
            _("%(title)s　办件编号 %(number)s　咨询电话 12345")
            % {"title": title, "number": case.number or "—"},
        )
        canvas.drawRightString(A4[0] - MARGIN, 10 * mm, _("第 %(n)d 页") % {"n": doc_.page})
        canvas.restoreState()

    doc.build(story, onFirstPage=footer, onLaterPages=footer)
    return buffer.getvalue()


def signature(issuer: str, day, styles) -> list:
    return [Spacer(1, 6 * mm), _p(issuer, styles["sign"]), _p(_date(day), styles["sign"])]


# --- 接件回执 / 受理回执 -----------------------------------------------------------------------


def receipt_title(case: Case) -> str:
    return _("受理回执") if case.accepted_at else _("接件回执")


def _numbers_table(case: Case, members: list[Case], styles) -> Table:
    accepted = case.accepted_at is not None
    head = [_("办件编号"), _("申请事项"), _("主管部门")]
    if accepted:
        head.append(_("承诺办结期限"))
    rows = [[_p(h, styles["head"]) for h in head]]
    if case.is_bundle:
        row = [case.number, _("%(name)s（一件事）") % {"name": case.title}, "—"]
        rows.append([_p(v, styles["cell"]) for v in (row + ["—"] if accepted else row)])
    for member in members:
        row = [
            member.number,
            item_words(member),
            member.department.name if member.department_id else "—",
        ]
        if accepted:
            row.append(_date(member.promised_due_on))
        rows.append([_p(v, styles["cell"]) for v in row])
    widths = [36 * mm, WIDTH - 36 * mm - 44 * mm - (30 * mm if accepted else 0), 44 * mm]
    if accepted:
        widths.append(30 * mm)
    return _table(rows, widths)


def _materials_table(case: Case, styles):
    received = {CaseMaterial.State.UPLOADED, CaseMaterial.State.AT_WINDOW}
    materials = [
        m
        for m in case.materials.prefetch_related("files")
        if m.state in received or m.state == CaseMaterial.State.TOLERATED
    ]
    if not materials:
        return _p(_("本次未收取申请材料。"), styles["base"])
    rows = [[_p(h, styles["head"]) for h in (_("序号"), _("材料名称"), _("收取情况"))]]
    for n, material in enumerate(materials, start=1):
        if material.state == CaseMaterial.State.UPLOADED:
            how = _("网上提交电子材料 %(n)d 份") % {"n": len(material.files.all())}
        elif material.state == CaseMaterial.State.AT_WINDOW:
            how = _("窗口提交纸质材料")
        else:
            # No rule fixes a date for tolerated materials yet; the window tells the applicant.
            how = _("容缺后补（受理后补交）")
        rows.append(
            [_p(n, styles["cell"]), _p(material.name, styles["cell"]), _p(how, styles["cell"])]
        )
    return _table(rows, [12 * mm, WIDTH - 12 * mm - 62 * mm, 62 * mm])


def _deadline_words(case: Case, members: list[Case]) -> list[str]:
    if case.accepted_at is None:
        return [
            _(
                "窗口将在%(due)s前作出受理、不予受理或者一次性告知补正材料的决定"
                "（《中华人民共和国行政许可法》第三十二条，自收到申请材料之日起5个工作日）；"
                "逾期未告知补正的，自收到申请材料之日起即为受理。"
            )
            % {"due": _date(case.intake_due_on)}
        ]
    words = []
    if case.deemed_accepted:
        words.append(_("窗口未在5个工作日内作出决定，依法自收到申请材料之日起视为受理。"))
    if len(members) == 1:
        words.append(
            _(
                "承诺办结期限：%(promised)s（法定办结期限：%(statutory)s），按工作日计算，不含法定节假日。"
            )
            % {
                "promised": _date(members[0].promised_due_on),
                "statutory": _date(members[0].statutory_due_on),
            }
        )
    else:
        words.append(_("各事项的承诺办结期限见上表，按工作日计算，不含法定节假日。"))
    if any(m.due_provisional for m in members):
        words.append(_("节假日安排未公布，期限为暂定；公布后将重新计算并通知您。"))
    return words


def receipt_pdf(case: Case, *, progress_url: str) -> bytes:
    """接件回执 while only submitted, 受理回执 once accepted."""
    styles = _styles()
    title = receipt_title(case)
    members = _members(case)
    issued = case.accepted_at or case.received_on
    story = [
        _p(title, styles["title"]),
        _p(_("办件编号 %(number)s") % {"number": case.number}, styles["subtitle"]),
        Spacer(1, 3 * mm),
        _p(_("办件信息"), styles["h2"]),
        _numbers_table(case, members, styles),
        Spacer(1, 2 * mm),
        _grid(
            [
                *applicant_rows(case),
                (_("申请方式"), case.get_channel_display()),
                (_("接件日期"), _date(case.received_on)),
                *([(_("受理日期"), _date(case.accepted_at))] if case.accepted_at else []),
                *([(_("受理方式"), _("容缺受理"))] if case.tolerated else []),
            ],
            styles,
        ),
        _p(_("已收取的申请材料"), styles["h2"]),
        _materials_table(case, styles),
        _p(_("办理期限"), styles["h2"]),
        *[_p(words, styles["base"]) for words in _deadline_words(case, members)],
        _p(_("办理地点"), styles["h2"]),
        _grid(_place_rows(case), styles),
    ]
    qr_size = 26 * mm
    follow = _p(
        _(
            "登录一网，在“我的办件”中查看办理进度，或用手机扫描右侧二维码：\n%(url)s\n"
            "也可拨打 12345 或上述咨询电话，报办件编号查询。"
        )
        % {"url": progress_url},
        styles["base"],
    )
    follow_table = Table(
        [[follow, _qr(progress_url, qr_size)]], [WIDTH - qr_size - 4 * mm, qr_size + 4 * mm]
    )
    follow_table.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), _font()),  # a table sets its font per cell
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (-1, -1), 0),
            ]
        )
    )
    # The progress block and the issuer stay on one page with each other.
    story.append(
        KeepTogether(
            [
                _p(_("查询办理进度"), styles["h2"]),
                follow_table,
                *signature(case.place.name, issued, styles),
            ]
        )
    )
    return build(story, title=title, case=case)


# --- 一次性告知书 ------------------------------------------------------------------------------


def notice_pdf(case: Case, notice: SupplementNotice) -> bytes:
    styles = _styles()
    title = _("一次性告知书")
    story = [
        _p(title, styles["title"]),
        _p(_("补正材料通知　办件编号 %(number)s") % {"number": case.number}, styles["subtitle"]),
        Spacer(1, 6 * mm),
        _p(_("%(name)s：") % {"name": addressee(case)}, styles["base"]),
        _p(
            _(
                "您于%(received)s提交的“%(item)s”申请（办件编号 %(number)s），经审查，申请材料"
                "不齐全或者不符合法定形式。%(law)s现将需要补正的全部内容一次告知如下："
            )
            % {
                "received": _date(case.received_on),
                "item": case.title,
                "number": case.number,
                "law": str(ART32_NOTICE),
            },
            styles["body"],
        ),
        Spacer(1, 3 * mm),
    ]
    rows = [
        [_p(h, styles["head"]) for h in (_("序号"), _("材料或申请表项目"), _("补正原因及要求"))]
    ]
    for n, entry in enumerate(notice.items, start=1):
        rows.append(
            [
                _p(n, styles["cell"]),
                _p(entry.get("name"), styles["cell"]),
                _p(entry.get("reason"), styles["cell"]),
            ]
        )
    story.append(_table(rows, [12 * mm, 60 * mm, WIDTH - 72 * mm]))
    story.append(Spacer(1, 3 * mm))
    if notice.repeat_reason:
        story.append(
            _p(_("再次告知的理由：%(reason)s") % {"reason": notice.repeat_reason}, styles["body"])
        )
    story += [
        _p(
            _(
                "以上为需要补正的全部内容。请您按上述要求一次补齐全部材料后重新提交申请"
                "（登录一网在“我的办件”中补正后提交，或到下列地点窗口提交）。"
                "重新提交之日为收到申请材料之日，窗口将自该日起5个工作日内作出是否受理的决定。"
            ),
            styles["body"],
        ),
        _p(_("办理地点"), styles["h2"]),
        _fields(_place_rows(case), styles),
        *signature(case.place.name, notice.issued_at, styles),
    ]
    return build(story, title=title, case=case)


def addressee(case: Case) -> str:
    if case.enterprise_id:
        return case.enterprise.name
    return case.applicant.display_name


# --- 不予受理决定书 ----------------------------------------------------------------------------


def refusal_pdf(case: Case) -> bytes:
    styles = _styles()
    title = _("不予受理决定书")
    members = _members(case)
    issuer = case.department.name if case.department_id else case.place.name
    story = [
        _p(title, styles["title"]),
        _p(_("办件编号 %(number)s") % {"number": case.number}, styles["subtitle"]),
        Spacer(1, 6 * mm),
        _p(_("%(name)s：") % {"name": addressee(case)}, styles["base"]),
        _p(
            _("您于%(received)s提交的“%(item)s”申请（办件编号 %(number)s），经审查，决定不予受理。")
            % {"received": _date(case.received_on), "item": case.title, "number": case.number},
            styles["body"],
        ),
        Spacer(1, 2 * mm),
        _fields(
            [
                *applicant_rows(case),
                *[(_("申请事项"), _member_words(m, case)) for m in members],
                (_("不予受理理由"), case.refusal_reason),
            ],
            styles,
        ),
        Spacer(1, 3 * mm),
        _p(
            _(
                "如不服本决定，可以自收到本决定书之日起六十日内依照《中华人民共和国行政复议法》"
                "的规定申请行政复议，或者自收到本决定书之日起六个月内依照《中华人民共和国"
                "行政诉讼法》的规定向人民法院提起行政诉讼。"
            ),
            styles["body"],
        ),
        _p(_("办理地点"), styles["h2"]),
        _fields(_place_rows(case), styles),
        *signature(issuer, case.concluded_at, styles),
    ]
    return build(story, title=title, case=case)
