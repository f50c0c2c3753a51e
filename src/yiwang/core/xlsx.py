"""Tables as Excel downloads: every staff table offers one ("每个表格都可以导出 Excel").

openpyxl's write-only mode streams rows, so a long export does not hold the workbook twice
in memory. Headers are the same translated column titles the page shows."""

import io
from collections.abc import Iterable, Sequence

from django.http import HttpResponse

from .files import sandboxed

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Excel refuses sheet titles longer than 31 characters or with these.
_BAD_TITLE_CHARS = str.maketrans({c: " " for c in "[]:*?/\\"})


def workbook_bytes(title: str, headers: Sequence[str], rows: Iterable[Sequence]) -> bytes:
    import openpyxl

    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet(title=str(title).translate(_BAD_TITLE_CHARS)[:31] or "Sheet1")
    sheet.append([str(h) for h in headers])
    for row in rows:
        sheet.append([_cell(value) for value in row])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _cell(value):
    if value is None or isinstance(value, (int, float, str)):
        return value
    if hasattr(value, "isoformat"):  # dates stay dates in Excel
        return value
    return str(value)


def xlsx_response(
    filename: str, title: str, headers: Sequence[str], rows: Iterable[Sequence]
) -> HttpResponse:
    """A download of one sheet. `filename` without extension; it may be Chinese."""
    response = HttpResponse(workbook_bytes(title, headers, rows), content_type=XLSX_TYPE)
    from urllib.parse import quote

    response["Content-Disposition"] = (
        f"attachment; filename=\"export.xlsx\"; filename*=UTF-8''{quote(filename)}.xlsx"
    )
    return sandboxed(response)
