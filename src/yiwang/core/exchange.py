"""Errors of the exchange-file importers: every problem with its sheet, row and column, in
the operator's language, all reported at once."""

from dataclasses import dataclass

from django.utils.translation import gettext as _


@dataclass(frozen=True)
class RowError:
    sheet: str
    row: int
    column: str
    message: str

    def __str__(self):
        return _("工作表“%(sheet)s”第%(row)d行“%(column)s”：%(message)s") % {
            "sheet": self.sheet,
            "row": self.row,
            "column": self.column,
            "message": self.message,
        }

    def as_dict(self) -> dict:
        return {
            "sheet": self.sheet,
            "row": self.row,
            "column": self.column,
            "message": self.message,
            "text": str(self),
        }


class ImportRejected(Exception):
    def __init__(self, errors: list[RowError]):
        super().__init__("\n".join(str(e) for e in errors))
        self.errors = errors


def cell_text(value) -> str:
    """A cell as text: integers without '.0', None as empty."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def rows_of(workbook, sheet_name: str, columns: list[str]) -> list[dict]:
    """A sheet's non-empty rows as dicts keyed by column name, each with its row number."""
    try:
        sheet = workbook[sheet_name]
    except KeyError:
        raise ImportRejected([RowError(sheet_name, 1, "", _("文件中没有该工作表。"))]) from None
    rows = sheet.iter_rows(values_only=True)
    header = [str(h).strip() if h is not None else "" for h in next(rows, [])]
    missing = [c for c in columns if c not in header]
    if missing:
        raise ImportRejected([RowError(sheet_name, 1, c, _("缺少该列。")) for c in missing])
    result = []
    for number, values in enumerate(rows, start=2):
        if all(v in (None, "") for v in values):
            continue
        row = {
            h: ("" if v is None else str(v).strip()) for h, v in zip(header, values, strict=False)
        }
        row["_row"] = number
        result.append(row)
    return result
