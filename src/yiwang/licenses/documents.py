"""The licence as PDF: the type's name as title, the 照面 fields as a table, number, dates
and issuer, a watermark when it is no longer valid, and a QR code holding the verification
URL with the compact signed payload — scan it online, or check the payload offline with the
published public key. Same look as the case papers (cases.documents)."""

from io import BytesIO

from django.utils import timezone
from django.utils.translation import gettext as _
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table

from yiwang.core.pdf import MARGIN, WIDTH
from yiwang.core.pdf import date_words as _date
from yiwang.core.pdf import fields as _fields
from yiwang.core.pdf import font as _font
from yiwang.core.pdf import paragraph as _p
from yiwang.core.pdf import qr as _qr
from yiwang.core.pdf import styles as _styles

from .models import Status

QR_SIZE = 48 * mm  # large enough for a dense payload to scan from paper or a phone screen


def license_pdf(licence, *, verify_url: str, today=None) -> bytes:
    styles = _styles()
    status = licence.status_on(today or timezone.localdate())
    kind = licence.license_type
    rows = [(name, licence.data.get(name, "") or "—") for name in kind.fields]
    story = [
        Paragraph(kind.name, styles["title"]),
        _p(_("电子证照"), styles["subtitle"]),
        Spacer(1, 6 * mm),
        _fields(
            [
                (_("证照编号"), licence.number),
                (_("持证主体"), licence.holder_name),
                (_("发证机构"), licence.issuer.name),
                (_("签发日期"), _date(licence.issued_on)),
                (_("有效期至"), _date(licence.valid_until) if licence.valid_until else _("长期")),
                (_("状态"), licence.status_words(today) if licence.final else _("待确认制证")),
            ],
            styles,
        ),
        Spacer(1, 4 * mm),
        Paragraph(_("照面信息"), styles["h2"]),
        _fields(rows, styles),
        Spacer(1, 6 * mm),
    ]
    if licence.payload:
        words = [
            _p(_("扫描二维码核验本证照的真伪和当前状态。"), styles["base"]),
            _p(
                _("签名密钥 %(kid)s；离线核验：用公布的公钥校验二维码中的签名。")
                % {"kid": licence.kid},
                styles["note"],
            ),
        ]
        story.append(
            Table(
                [[words, _qr(verify_url, QR_SIZE)]],
                colWidths=[WIDTH - QR_SIZE - 4 * mm, QR_SIZE + 4 * mm],
                style=[("FONTNAME", (0, 0), (-1, -1), _font())],  # a table sets its font per cell
            )
        )
    else:
        story.append(_p(_("本证照尚未确认制证，不能用于办事。"), styles["note"]))
    watermark = "" if status == Status.VALID and licence.final else licence.status_words(today)
    if not licence.final:
        watermark = _("草稿")

    def decorate(canvas, doc_):
        canvas.saveState()
        if watermark:
            canvas.setFont(_font(), 72)
            canvas.setFillColor(colors.Color(0.7, 0.08, 0.12, alpha=0.25))
            canvas.translate(A4[0] / 2, A4[1] / 2)
            canvas.rotate(35)
            canvas.drawCentredString(0, 0, watermark)
            canvas.restoreState()
            canvas.saveState()
        canvas.setFont(_font(), 8.5)
        canvas.setFillColor(colors.grey)
        canvas.drawString(
            MARGIN,
            10 * mm,
            _("%(type)s　证照编号 %(number)s　%(org)s")
            % {"type": kind.name, "number": licence.number, "org": licence.issuer.name},
        )
        canvas.restoreState()

    buffer = BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        initialFontName=_font(),  # no page names a font the file does not carry
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=MARGIN,
        title=f"{kind.name} {licence.number}",
        author=licence.issuer.name,
        subject=licence.number,
        invariant=True,
    )
    doc.build(story, onFirstPage=decorate, onLaterPages=decorate)
    return buffer.getvalue()
