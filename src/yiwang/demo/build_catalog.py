"""Write the demo catalogue's exchange file (data/catalog/catalog.xlsx) from the CSVs beside it.

The CSVs are what people edit and review; the workbook is derived from them, one sheet per
CSV, columns in the CSV's order, so the two never say different things
(tests/demo/test_catalog_data.py fails while they do). Run after changing a CSV:

    python -m yiwang.demo.build_catalog

Needs only openpyxl, not Django."""

import csv
import sys
from decimal import Decimal
from pathlib import Path

CATALOG_DIR = Path(__file__).resolve().parent / "data" / "catalog"

# CSV name → sheet name, in the workbook's order. Sheet names are the importer's
# (catalog/exchange.py, identity/orgs_exchange.py; docs/forms.md for the last three).
SHEETS = {
    "orgs": "组织机构",
    "items": "事项",
    "materials": "申请材料",
    "steps": "办理流程",
    "license_types": "证照类型",
    "bundles": "一件事",
    "data_elements": "数据元",
    "code_lists": "代码表",
    "forms": "申请表",
}

# Columns written as numbers, as the catalogue export writes its counts; every other cell
# is text, so codes such as "01" keep their leading zero.
INTEGER_COLUMNS = {
    "法定办结时限",
    "承诺办结时限",
    "办理深度",
    "到现场次数",
    "序号",
    "份数",
    "时限(工作日)",
    "有效期(年)",
    "最大长度",
    "小数位数",
}
DECIMAL_COLUMNS = {"最小值", "最大值"}

CREATOR = "yiwang demo catalogue"


def read_csv(name: str, directory: Path = CATALOG_DIR) -> list[list[str]]:
    """The CSV's rows (header first) as text."""
    with open(directory / f"{name}.csv", encoding="utf-8", newline="") as f:
        return list(csv.reader(f))


def cell_value(column: str, text: str):
    """A CSV cell as the workbook stores it: empty as no value, counts as numbers."""
    if text == "":
        return None
    if column in INTEGER_COLUMNS:
        return int(text)
    if column in DECIMAL_COLUMNS:
        number = Decimal(text)
        return int(number) if number == number.to_integral_value() else float(number)
    return text


def build(target: Path | None = None, directory: Path = CATALOG_DIR) -> Path:
    import openpyxl
    from openpyxl.styles import Font

    target = target or directory / "catalog.xlsx"
    # Not write-only: a write-only sheet records no dimension, and the importer's read-only
    # reader then drops a row's trailing empty cells.
    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    workbook.properties.creator = CREATOR
    bold = Font(bold=True)
    for name, title in SHEETS.items():
        header, *rows = read_csv(name, directory)
        sheet = workbook.create_sheet(title)
        sheet.append(header)
        for cell in sheet[1]:
            cell.font = bold
        for row in rows:
            sheet.append([cell_value(c, v) for c, v in zip(header, row, strict=True)])
    workbook.save(target)
    return target


def main() -> None:
    path = build()
    sys.stdout.write(f"{path}\n")


if __name__ == "__main__":
    main()
