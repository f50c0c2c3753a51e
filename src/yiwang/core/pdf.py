"""The look every PDF of Yiwang shares (receipts, notices, decisions, guides, licences):
one embedded CJK font, the same tables, colours and date words.

The font is WenQuanYi Micro Hei (文泉驿微米黑, Apache-2.0, fonts/LICENSE-Apache-2.0.txt), a
TrueType font with glyf outlines that ReportLab reads and subsets into every PDF, so a reader
without Chinese fonts shows the characters and an archive copy is self-contained (ISO 19005,
PDF/A, asks every font to be embedded). It covers Latin, digits and "·" as well."""

from io import BytesIO
from pathlib import Path
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import Image, Paragraph, Table, TableStyle

from yiwang.core.dates import long_date

FONT = "WenQuanYiMicroHei"
FONT_FILE = Path(__file__).resolve().parent / "fonts" / "wqy-microhei.ttc"
BLUE = colors.HexColor("#0a2f6b")
LIGHT = colors.HexColor("#e6eefa")
GRID = colors.HexColor("#8a94a3")
MARGIN = 18 * mm
WIDTH = A4[0] - 2 * MARGIN


def font() -> str:
    if FONT not in pdfmetrics.getRegisteredFontNames():
        # subfontIndex 0 of the collection is the proportional face (1 is the monospaced one)
        pdfmetrics.registerFont(TTFont(FONT, FONT_FILE, subfontIndex=0))
    return FONT


def styles() -> dict[str, ParagraphStyle]:
    base = ParagraphStyle("base", fontName=font(), fontSize=10.5, leading=17, wordWrap="CJK")
    return {
        "base": base,
        "body": ParagraphStyle("body", parent=base, fontSize=11, leading=20, firstLineIndent=22),
        "title": ParagraphStyle(
            "title", parent=base, fontSize=20, leading=28, alignment=TA_CENTER, textColor=BLUE
        ),
        "subtitle": ParagraphStyle(
            "subtitle", parent=base, fontSize=10, alignment=TA_CENTER, textColor=colors.grey
        ),
        "h2": ParagraphStyle(
            "h2", parent=base, fontSize=13, leading=19, spaceBefore=6, spaceAfter=4, textColor=BLUE
        ),
        "cell": ParagraphStyle("cell", parent=base, fontSize=9.5, leading=14),
        "head": ParagraphStyle("head", parent=base, fontSize=9.5, leading=14, textColor=BLUE),
        "note": ParagraphStyle("note", parent=base, fontSize=9, leading=14, textColor=colors.grey),
        "sign": ParagraphStyle("sign", parent=base, fontSize=11, leading=20, alignment=TA_RIGHT),
    }


def paragraph(text, style) -> Paragraph:
    return Paragraph(escape(str(text or "—")).replace("\n", "<br/>"), style)


def table(rows, widths, *, header=True) -> Table:
    table = Table(rows, colWidths=widths, repeatRows=1 if header else 0)
    commands = [
        ("GRID", (0, 0), (-1, -1), 0.5, GRID),
        ("FONTNAME", (0, 0), (-1, -1), font()),  # plain-text cells too, not Helvetica
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), 4),
        ("RIGHTPADDING", (0, 0), (-1, -1), 4),
        ("BACKGROUND", (0, 0), (-1, 0) if header else (0, -1), LIGHT),
    ]
    table.setStyle(TableStyle(commands))
    return table


def fields(rows: list[tuple[str, str]], styles) -> Table:
    """A two-column label/value table."""
    cells = [
        [paragraph(label, styles["head"]), paragraph(value, styles["cell"])]
        for label, value in rows
    ]
    return table(cells, [32 * mm, WIDTH - 32 * mm], header=False)


def grid(rows: list[tuple[str, str]], styles) -> Table:
    """Label/value pairs, two to a line to save paper; a long value takes a whole line."""
    label, value = 26 * mm, WIDTH / 2 - 26 * mm
    cells, spans, half = [], [], None

    def whole_line(pair):
        spans.append(len(cells))
        cells.append([*pair, "", ""])

    for name, text in rows:
        pair = [paragraph(name, styles["head"]), paragraph(text, styles["cell"])]
        if len(str(text or "")) > 18:
            if half:
                whole_line(half)
                half = None
            whole_line(pair)
        elif half:
            cells.append(half + pair)
            half = None
        else:
            half = pair
    if half:
        whole_line(half)
    table = Table(cells, colWidths=[label, value, label, value])
    commands = [
        ("GRID", (0, 0), (-1, -1), 0.5, GRID),
        ("FONTNAME", (0, 0), (-1, -1), font()),  # plain-text cells too, not Helvetica
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), 4),
        ("RIGHTPADDING", (0, 0), (-1, -1), 4),
        ("BACKGROUND", (0, 0), (0, -1), LIGHT),
        ("BACKGROUND", (2, 0), (2, -1), LIGHT),
    ]
    for row in spans:
        commands += [("SPAN", (1, row), (3, row)), ("BACKGROUND", (1, row), (3, row), colors.white)]
    table.setStyle(TableStyle(commands))
    return table


def date_words(value) -> str:
    if value is None:
        return "—"
    return long_date(value)


def qr(url: str, size: float) -> Image:
    import segno

    buffer = BytesIO()
    segno.make(url, error="m").save(buffer, kind="png", scale=6, border=2)
    buffer.seek(0)
    return Image(buffer, width=size, height=size)
