"""The exchange file's form sheets (docs/forms.md, "Exchange format"): 代码表, 数据元 and
申请表, and the two 证照类型 columns that tie licences to data elements.

Sheets are read into the plain dicts `yiwang.forms.services` takes and written back from the
dicts it gives, so the rules live in one place (forms.rules) and each broken one comes back
here as a row error naming the sheet, the row and the column. A file without these sheets or
columns is an older file: they read as empty."""

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _

from yiwang.core.exchange import RowError
from yiwang.forms import rules
from yiwang.forms import services as forms

from . import vocab

CODE_LISTS, ELEMENTS, FORMS = "代码表", "数据元", "申请表"
CODE_LIST_COLUMNS = [
    "代码表编码",
    "代码表名称",
    "代码表英文名称",
    "代码",
    "名称",
    "英文名称",
    "序号",
]
ELEMENT_COLUMNS = [
    "数据元编码",
    "名称",
    "英文名称",
    "类型",
    "最大长度",
    "格式",
    "最小值",
    "最大值",
    "小数位数",
    "单位",
    "代码表编码",
    "遮盖方式",
    "来源",
    "组成数据元",
    "填写说明",
]
FORM_COLUMNS = [
    "事项编码",
    "序号",
    "分组",
    "字段编码",
    "数据元编码",
    "字段名称",
    "字段类型",
    "代码表编码",
    "必填",
    "填写说明",
    "显示条件",
    "默认值",
    "预填来源",
    "允许修改",
    "最大长度",
    "最小值",
    "最大值",
]
LICENSE_COLUMNS = ["照面字段数据元", "可替代证照类型"]
SHEETS = {CODE_LISTS: CODE_LIST_COLUMNS, ELEMENTS: ELEMENT_COLUMNS, FORMS: FORM_COLUMNS}
MULTI = {"预填来源", "来源", "组成数据元", "可替代证照类型"}
DECIMALS = {"最小值", "最大值"}
NUMERIC = {"最大长度", "小数位数"}

# Where each key of a forms dict sits in its sheet (for naming the cell a rule points at).
_FORM_COLUMN = {
    "seq": "序号",
    "section": "分组",
    "key": "字段编码",
    "element": "数据元编码",
    "label": "字段名称",
    "kind": "字段类型",
    "code_list": "代码表编码",
    "required": "必填",
    "help_text": "填写说明",
    "show_if": "显示条件",
    "default": "默认值",
    "prefill": "预填来源",
    "no_prefill": "预填来源",
    "editable": "允许修改",
    "max_length": "最大长度",
    "min_value": "最小值",
    "max_value": "最大值",
}
_ELEMENT_COLUMN = {
    "code": "数据元编码",
    "name": "名称",
    "name_en": "英文名称",
    "kind": "类型",
    "max_length": "最大长度",
    "pattern": "格式",
    "min_value": "最小值",
    "max_value": "最大值",
    "decimal_places": "小数位数",
    "unit": "单位",
    "code_list": "代码表编码",
    "mask": "遮盖方式",
    "sources": "来源",
    "children": "组成数据元",
    "help_text": "填写说明",
}
_CODE_LIST_COLUMN = {
    "list_code": "代码表编码",
    "list_name": "代码表名称",
    "list_name_en": "代码表英文名称",
    "value": "代码",
    "label": "名称",
    "label_en": "英文名称",
    "position": "序号",
}


# --- text in one spelling ----------------------------------------------------------------


def plain(value) -> str:
    """A stored decimal as the file spells it: 10, 0.5, 1200 (no exponent, no trailing 0)."""
    if value is None:
        return ""
    text = format(Decimal(value), "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def normalise(row: dict) -> dict:
    """Numbers and lists of the form sheets in one spelling, so what is read compares equal
    to what is stored (a file saying 10.0 is the same rule as one saying 10)."""
    for column in MULTI & row.keys():
        row[column] = vocab.join(vocab.split(row[column]))
    for column in DECIMALS & row.keys():
        try:
            row[column] = plain(Decimal(row[column])) if row[column] else ""
        except (InvalidOperation, ValueError):
            pass  # reported by the validation, with its cell
    for column in NUMERIC & row.keys():
        if row[column].isdigit():
            row[column] = str(int(row[column]))
    if "照面字段数据元" in row:
        row["照面字段数据元"] = vocab.join(vocab.split_aligned(row["照面字段数据元"]))
    return row


# --- reading sheets into forms dicts -----------------------------------------------------


class _Cells:
    """One sheet row: typed values out, a row error for each cell that cannot be read."""

    def __init__(self, errors: list, sheet: str, row: dict):
        self.errors, self.sheet, self.row = errors, sheet, row
        self.bad: set[str] = set()

    def error(self, column, message):
        self.bad.add(column)
        self.errors.append(RowError(self.sheet, self.row["_row"], column, message))

    def text(self, column) -> str:
        return self.row.get(column, "")

    def integer(self, column, low=0, high=32767) -> int | None:
        text = self.text(column)
        if text == "":
            return None
        if not text.isdigit() or not low <= int(text) <= high:
            self.error(column, _("应为%(low)d到%(high)d的整数。") % {"low": low, "high": high})
            return None
        return int(text)

    def decimal(self, column) -> Decimal | None:
        text = self.text(column)
        if text == "":
            return None
        try:
            value = Decimal(text)
        except InvalidOperation:
            value = None
        if value is None or not value.is_finite():
            self.error(column, _("应为数字。"))
            return None
        return value

    def word(self, column, words: dict, default=None):
        text = self.text(column)
        if text in words:
            return words[text]
        names = "、".join(sorted(w for w in words if w))
        self.error(column, _("应为：%(values)s。") % {"values": names})
        return default


def code_list_rows(rows, errors) -> list[dict]:
    parsed = []
    for row in rows:
        cells = _Cells(errors, CODE_LISTS, row)
        parsed.append(
            {
                "list_code": cells.text("代码表编码"),
                "list_name": cells.text("代码表名称"),
                "list_name_en": cells.text("代码表英文名称"),
                "value": cells.text("代码"),
                "label": cells.text("名称"),
                "label_en": cells.text("英文名称"),
                "position": cells.integer("序号") or 0,
                "_row": row["_row"],
                "_bad": cells.bad,
            }
        )
    return parsed


def element_rows(rows, errors) -> list[dict]:
    parsed = []
    for row in rows:
        cells = _Cells(errors, ELEMENTS, row)
        parsed.append(
            {
                "code": cells.text("数据元编码"),
                "name": cells.text("名称"),
                "name_en": cells.text("英文名称"),
                "kind": cells.word("类型", vocab.KIND_NAMES, default=""),
                "max_length": cells.integer("最大长度", 1, 100000),
                "pattern": cells.text("格式"),
                "min_value": cells.decimal("最小值"),
                "max_value": cells.decimal("最大值"),
                "decimal_places": cells.integer("小数位数", 0, 4),
                "unit": cells.text("单位"),
                "code_list": cells.text("代码表编码"),
                "mask": cells.word("遮盖方式", vocab.MASK_NAMES, default=""),
                "sources": vocab.split(cells.text("来源")),
                "children": vocab.split(cells.text("组成数据元")),
                "help_text": cells.text("填写说明"),
                "_row": row["_row"],
                "_bad": cells.bad,
            }
        )
    return parsed


def form_field_rows(rows, errors) -> dict[str, list[dict]]:
    """申请表 rows as forms dicts, by item code, in the file's order."""
    by_item = defaultdict(list)
    for row in rows:
        cells = _Cells(errors, FORMS, row)
        prefill = vocab.split(cells.text("预填来源"))
        no_prefill = prefill == [vocab.NO_PREFILL]
        by_item[row["事项编码"]].append(
            {
                # 序号 is checked with the other row sheets' (exchange.validate)
                "seq": int(row["序号"]) if row["序号"].isdigit() else None,
                "section": cells.text("分组"),
                "key": cells.text("字段编码"),
                "element": cells.text("数据元编码"),
                "label": cells.text("字段名称"),
                "kind": cells.word("字段类型", {"": "", **vocab.KIND_NAMES}, default=""),
                "code_list": cells.text("代码表编码"),
                "required": cells.word("必填", vocab.YES_NO, default=True),
                "help_text": cells.text("填写说明"),
                "show_if": cells.text("显示条件"),
                "default": cells.text("默认值"),
                "prefill": [] if no_prefill else prefill,
                "no_prefill": no_prefill,
                "editable": cells.word("允许修改", vocab.YES_NO, default=True),
                "max_length": cells.integer("最大长度", 1, 100000),
                "min_value": cells.decimal("最小值"),
                "max_value": cells.decimal("最大值"),
                "_row": row["_row"],
                "_bad": cells.bad,
            }
        )
    return dict(by_item)


@dataclass
class Parsed:
    """The form sheets of one file, read; `errors` are the cells that could not be read."""

    code_lists: list[dict] = field(default_factory=list)
    elements: list[dict] = field(default_factory=list)
    forms: dict[str, list[dict]] = field(default_factory=dict)
    errors: list[RowError] = field(default_factory=list)

    @classmethod
    def of(cls, sheets) -> "Parsed":
        errors: list[RowError] = []
        return cls(
            code_lists=code_list_rows(sheets.get(CODE_LISTS, []), errors),
            elements=element_rows(sheets.get(ELEMENTS, []), errors),
            forms=form_field_rows(sheets.get(FORMS, []), errors),
            errors=errors,
        )


# --- validating ----------------------------------------------------------------------------


def validate(sheets, *, item_codes: set[str], licences: dict[str, list[str]]) -> list[RowError]:
    """Every problem of the form sheets and the licence columns. `licences`: every licence
    type code the catalogue will know, with its 照面字段."""
    parsed = Parsed.of(sheets)
    errors = list(parsed.errors)
    dictionary = forms.Dictionary.stored().with_rows(parsed.elements, parsed.code_lists)

    def report(sheet, row, column, message):
        if column not in row["_bad"]:  # one message per cell: the unreadable value first
            row["_bad"].add(column)
            errors.append(RowError(sheet, row["_row"], column, message))

    tables = {"elements": parsed.elements, "code_lists": parsed.code_lists}
    columns = {"elements": _ELEMENT_COLUMN, "code_lists": _CODE_LIST_COLUMN}
    sheet_of = {"elements": ELEMENTS, "code_lists": CODE_LISTS}
    for problem in rules.dictionary_problems(parsed.elements, parsed.code_lists, dictionary):
        row = tables[problem.table][problem.index]
        report(sheet_of[problem.table], row, columns[problem.table][problem.field], problem.message)
    for row in parsed.elements:
        for message in _licence_source_problems(row["sources"], licences):
            report(ELEMENTS, row, "来源", message)

    for code, rows in parsed.forms.items():
        if code not in item_codes:
            continue  # the item-code check of every row sheet says so
        completed = [rules.complete(r) for r in rows]
        for problem in rules.row_problems(completed, dictionary):
            if problem.field == "seq":
                continue  # the sheet's own sequence check has said it
            row = rows[problem.index if problem.index is not None else 0]
            report(FORMS, row, _FORM_COLUMN.get(problem.field, "字段编码"), problem.message)
        for row in rows:
            for message in _licence_source_problems(row["prefill"], licences):
                report(FORMS, row, "预填来源", message)
    errors += _licence_column_problems(sheets, dictionary, licences)
    return errors


def _licence_source_problems(sources, licences) -> list[str]:
    messages = []
    for source in sources:
        parts = source.split(":")
        if parts[0] != "license" or len(parts) != 3:
            continue
        if parts[1] not in licences:
            messages.append(_("证照类型“%(code)s”不存在。") % {"code": parts[1]})
        elif parts[2] not in licences[parts[1]]:
            messages.append(
                _("证照类型“%(code)s”没有照面字段“%(field)s”。")
                % {"code": parts[1], "field": parts[2]}
            )
    return messages


def _licence_column_problems(sheets, dictionary, licences) -> list[RowError]:
    from .exchange import LICENSES  # the sheet belongs to the main exchange module

    errors = []
    for row in sheets.get(LICENSES, []):
        fields = vocab.split(row["照面字段"])
        elements = vocab.split_aligned(row.get("照面字段数据元", ""))
        if elements and len(elements) != len(fields):
            errors.append(
                RowError(
                    LICENSES,
                    row["_row"],
                    "照面字段数据元",
                    _("应与照面字段一一对应：照面字段有%(n)d项，这里有%(m)d项。")
                    % {"n": len(fields), "m": len(elements)},
                )
            )
        unknown = [
            e
            for e in elements
            if e and e not in dictionary.elements and e not in vocab.DECISION_FIELDS
        ]
        if unknown:
            errors.append(
                RowError(
                    LICENSES,
                    row["_row"],
                    "照面字段数据元",
                    _("不是数据元编码，也不是决定字段（%(fields)s）：%(codes)s。")
                    % {
                        "fields": "、".join(sorted(vocab.DECISION_FIELDS)),
                        "codes": "、".join(unknown),
                    },
                )
            )
        stands_for = vocab.split(row.get("可替代证照类型", ""))
        wrong = [c for c in stands_for if c not in licences or c == row["证照类型编码"]]
        if wrong:
            errors.append(
                RowError(
                    LICENSES,
                    row["_row"],
                    "可替代证照类型",
                    _("应为其他已有证照类型的编码：%(codes)s。") % {"codes": "、".join(wrong)},
                )
            )
    return errors


# --- importing -----------------------------------------------------------------------------


def import_dictionary(sheets) -> dict[str, int]:
    """Code lists, then data elements (validated already)."""
    parsed = Parsed.of(sheets)
    return forms.import_dictionary(parsed.elements, parsed.code_lists)


def licence_values(row) -> dict:
    """The licence-type attributes of the two form columns."""
    elements = vocab.split_aligned(row.get("照面字段数据元", ""))
    return {
        "field_elements": elements if any(elements) else [],
        "satisfies": vocab.split(row.get("可替代证照类型", "")),
    }


def licence_cells(licence_type) -> dict:
    return {
        "照面字段数据元": vocab.join(licence_type.field_elements),
        "可替代证照类型": vocab.join(licence_type.satisfies),
    }


def replace_form(version, rows: list[dict], dictionary) -> None:
    """An imported version's form (validated already; `dictionary` as stored now)."""
    if rows:
        forms.replace_fields(version.pk, rows=rows, dictionary=dictionary)


# --- writing -------------------------------------------------------------------------------


def form_rows(version) -> list[dict]:
    """The version's 申请表 rows as the file spells them."""
    cached = getattr(version, "_prefetched_objects_cache", {})
    fields = (
        version.form_fields.all()
        if "form_fields" in cached
        else version.form_fields.select_related("element", "code_list")
    )
    return [form_sheet_row(version.item.code, forms.row_of(f)) for f in fields]


def form_sheet_row(item_code: str, row: dict) -> dict:
    return {
        "事项编码": item_code,
        "序号": str(row["seq"]),
        "分组": row["section"],
        "字段编码": row["key"],
        "数据元编码": row["element"],
        "字段名称": row["label"],
        "字段类型": vocab.KIND_WORDS.get(row["kind"], ""),
        "代码表编码": row["code_list"],
        "必填": vocab.yes_no(row["required"]),
        "填写说明": row["help_text"],
        "显示条件": row["show_if"],
        "默认值": row["default"],
        "预填来源": vocab.NO_PREFILL if row["no_prefill"] else vocab.join(row["prefill"]),
        "允许修改": vocab.yes_no(row["editable"]),
        "最大长度": "" if row["max_length"] is None else str(row["max_length"]),
        "最小值": plain(row["min_value"]),
        "最大值": plain(row["max_value"]),
    }


def dictionary_sheets() -> dict[str, list[dict]]:
    return {
        CODE_LISTS: [
            {
                "代码表编码": r["list_code"],
                "代码表名称": r["list_name"],
                "代码表英文名称": r["list_name_en"],
                "代码": r["value"],
                "名称": r["label"],
                "英文名称": r["label_en"],
                "序号": str(r["position"]),
            }
            for r in forms.code_list_rows()
        ],
        ELEMENTS: [
            {
                "数据元编码": r["code"],
                "名称": r["name"],
                "英文名称": r["name_en"],
                "类型": vocab.KIND_WORDS[r["kind"]],
                "最大长度": "" if r["max_length"] is None else str(r["max_length"]),
                "格式": r["pattern"],
                "最小值": plain(r["min_value"]),
                "最大值": plain(r["max_value"]),
                "小数位数": "" if r["decimal_places"] is None else str(r["decimal_places"]),
                "单位": r["unit"],
                "代码表编码": r["code_list"],
                "遮盖方式": vocab.MASK_WORDS.get(r["mask"], ""),
                "来源": vocab.join(r["sources"]),
                "组成数据元": vocab.join(r["children"]),
                "填写说明": r["help_text"],
            }
            for r in forms.element_rows()
        ],
    }


def cell_value(column: str, text: str):
    """What the workbook stores: whole numbers as numbers, other decimals as their text (a
    float would round a rule such as 0.0001)."""
    if column in DECIMALS and text and "." not in text:
        return int(text)
    if column in NUMERIC and text:
        return int(text)
    return text
