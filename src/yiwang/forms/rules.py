"""The rules a form's rows and the data-element dictionary keep (docs/forms.md), as pure
checks over plain dicts: every problem found at once, each naming its row and column, so the
workbench can mark the cell and the exchange import can name the sheet's row."""

import datetime
import re
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from yiwang.core import limits

from .models import KEY_PATTERN, CodeEntry, CodeList, DataElement, ElementKind, Mask

ROW_KEYS = [
    "seq",
    "section",
    "key",
    "element",
    "label",
    "kind",
    "code_list",
    "required",
    "help_text",
    "show_if",
    "default",
    "prefill",
    "no_prefill",
    "editable",
    "max_length",
    "min_value",
    "max_value",
]
ELEMENT_KEYS = [
    "code",
    "name",
    "name_en",
    "kind",
    "max_length",
    "pattern",
    "min_value",
    "max_value",
    "decimal_places",
    "unit",
    "code_list",
    "mask",
    "sources",
    "children",
    "help_text",
]
CODE_ENTRY_KEYS = [
    "list_code",
    "list_name",
    "list_name_en",
    "value",
    "label",
    "label_en",
    "position",
]

KINDS = {k.value for k in ElementKind}
CHOICE_KINDS = {ElementKind.CHOICE, ElementKind.MULTI_CHOICE}
# Which rules a kind has (docs/forms.md, "Data elements"; an address's length and format
# are its street detail's, an e-mail's length its whole, as forms.schema applies them).
LENGTH_KINDS = {
    ElementKind.TEXT,
    ElementKind.LONG_TEXT,
    ElementKind.EMAIL,
    ElementKind.ADDRESS,
    ElementKind.MULTI_CHOICE,
    ElementKind.GROUP,
}
PATTERN_KINDS = {ElementKind.TEXT, ElementKind.LONG_TEXT, ElementKind.ADDRESS}
NUMBER_KINDS = {ElementKind.INTEGER, ElementKind.DECIMAL, ElementKind.MONEY}
UNIT_KINDS = NUMBER_KINDS
MONEY_UNITS = {"元", "万元"}
# A show_if can only test a value the applicant picks from a closed set.
BOOLEAN_VALUES = {"true", "false"}
# Kinds whose value is an object or a list of objects: no one-line default.
NO_DEFAULT_KINDS = {ElementKind.GROUP, ElementKind.DATE_RANGE, ElementKind.ADDRESS}

IDENTITY_ATTRS = {"real_name", "id_number", "phone", "email", "gender", "birth_date"}
ENTERPRISE_ATTRS = {"name", "uscc", "legal_representative", "address"}
NO_PREFILL = "none"

_KEY = re.compile(KEY_PATTERN)
_SHOW_IF = re.compile(r"^([a-z][a-z0-9_]{0,39})=(.+)$")
_DECIMAL_LIMIT = Decimal(10) ** 14  # FormField/DataElement: 18 digits, 4 after the point
_SMALLINT_MAX = 32767


@dataclass(frozen=True)
class Problem:
    """One broken rule: the row (index into the rows given, None for the whole form), the
    key of the dict that is wrong, and what to do about it. `table` says which rows."""

    index: int | None
    field: str
    message: str
    table: str = "fields"


class FormRowsInvalid(ValidationError):
    """Every problem of a set of rows; its messages name the row, `problems` keep where."""

    def __init__(self, problems: list[Problem], rows: list[dict] | dict | None = None):
        self.problems = problems
        tables = rows if isinstance(rows, dict) else {"fields": rows or []}
        super().__init__([_describe(p, tables) for p in problems], code="form_rows")


def _describe(problem: Problem, tables: dict) -> str:
    rows = tables.get(problem.table) or []
    if problem.index is None or problem.index >= len(rows):
        return problem.message
    row = rows[problem.index]
    if problem.table == "elements":
        return _("数据元“%(code)s”：%(message)s") % {
            "code": row["code"],
            "message": problem.message,
        }
    if problem.table == "code_lists":
        return _("代码表“%(list)s”代码“%(value)s”：%(message)s") % {
            "list": row["list_code"],
            "value": row["value"],
            "message": problem.message,
        }
    return _("序号%(seq)s（%(name)s）：%(message)s") % {
        "seq": row.get("seq"),
        "name": row.get("label") or row.get("key") or row.get("element") or "—",
        "message": problem.message,
    }


@dataclass
class Dictionary:
    """The data elements and code lists a set of rows is checked against: what is stored,
    or what is stored overlaid with the rows of an exchange file about to be imported."""

    elements: dict[str, DataElement] = field(default_factory=dict)
    lists: dict[str, CodeList] = field(default_factory=dict)
    values: dict[str, list[str]] = field(default_factory=dict)

    @classmethod
    def stored(cls) -> "Dictionary":
        values = defaultdict(list)
        entries = CodeEntry.objects.filter(active=True).order_by("position", "value")
        for code, value in entries.values_list("code_list__code", "value"):
            values[code].append(value)
        return cls(
            elements={e.code: e for e in DataElement.objects.select_related("code_list")},
            lists={c.code: c for c in CodeList.objects.all()},
            values=dict(values),
        )

    def with_rows(self, element_rows: list[dict], code_list_rows: list[dict]) -> "Dictionary":
        """This dictionary as it will be once these rows are imported (unsaved objects)."""
        lists, values = dict(self.lists), dict(self.values)
        named = defaultdict(list)
        for row in code_list_rows:
            named[row["list_code"]].append(row)
        for code, rows in named.items():
            lists[code] = lists.get(code) or CodeList(code=code, name=rows[0]["list_name"])
            values[code] = [r["value"] for r in rows]
        elements = dict(self.elements)
        for row in element_rows:
            element = DataElement(
                **{k: row[k] for k in ELEMENT_KEYS if k not in {"code_list"}},
            )
            element.code_list = lists.get(row["code_list"]) if row["code_list"] else None
            elements[row["code"]] = element
        return Dictionary(elements=elements, lists=lists, values=values)

    def list_code(self, element: DataElement) -> str:
        return element.code_list.code if element.code_list is not None else ""


# --- one form's rows -----------------------------------------------------------------------

_ROW_DEFAULTS = {
    "section": "",
    "key": "",
    "element": "",
    "label": "",
    "kind": "",
    "code_list": "",
    "required": True,
    "help_text": "",
    "show_if": "",
    "default": "",
    "prefill": [],
    "no_prefill": False,
    "editable": True,
    "max_length": None,
    "min_value": None,
    "max_value": None,
}


def complete(row: dict) -> dict:
    """A row with every key, texts stripped, an element field's key defaulting to the
    element's code, numbers as numbers where they can be. Never raises: whatever cannot be
    read is left as it is for `row_problems` to name."""
    result = {**_ROW_DEFAULTS, **{k: v for k, v in row.items() if k in ROW_KEYS}}
    for key in ["section", "key", "element", "label", "kind", "code_list", "help_text"]:
        result[key] = str(result[key] or "").strip()
    for key in ["show_if", "default"]:
        result[key] = str(result[key] or "").strip()
    if result["element"] and not result["key"]:
        result["key"] = result["element"]
    result["prefill"] = [str(s).strip() for s in result["prefill"] or [] if str(s).strip()]
    for key in ["max_length", "seq"]:
        if isinstance(result.get(key), str) and result[key].strip().isdigit():
            result[key] = int(result[key])
        elif result.get(key) == "":
            result[key] = None
    for key in ["min_value", "max_value"]:
        value = result[key]
        if value in ("", None):
            result[key] = None
        elif not isinstance(value, Decimal):
            try:
                result[key] = Decimal(str(value).strip())
            except InvalidOperation:
                pass
    return result


def row_problems(rows: list[dict], dictionary: Dictionary) -> list[Problem]:
    """Every rule of docs/forms.md "A form per item version" that `rows` (completed) break."""
    problems: list[Problem] = []

    def add(index, name, message):
        problems.append(Problem(index, name, message))

    if len(rows) > limits.form_max_keys():
        add(None, "", _("一张申请表最多 %(n)d 个字段。") % {"n": limits.form_max_keys()})
    kinds, lists = {}, {}  # key -> effective kind and code-list code, for show_if
    seen_keys, seen_seqs = {}, {}
    for index, row in enumerate(rows):
        _texts(add, index, row)
        seq = row.get("seq")
        if not isinstance(seq, int) or isinstance(seq, bool) or not 1 <= seq <= _SMALLINT_MAX:
            add(index, "seq", _("序号应为 1 到 %(max)d 的整数。") % {"max": _SMALLINT_MAX})
        elif seq in seen_seqs:
            add(index, "seq", _("序号与序号%(seq)d的字段重复。") % {"seq": seq})
        else:
            seen_seqs[seq] = index
        if not row["section"]:
            add(index, "section", _("请填写分组。"))
        key = row["key"]
        if not _KEY.match(key):
            add(index, "key", _("字段编码只能用小写字母、数字和下划线，以字母开头，最多40个字符。"))
        elif key in seen_keys:
            add(index, "key", _("字段编码“%(key)s”在本表中重复。") % {"key": key})
        else:
            seen_keys[key] = index
        kind, code_list = _kind_problems(add, index, row, dictionary)
        kinds.setdefault(key, kind)
        lists.setdefault(key, code_list)
        _prefill_problems(add, index, row)
        _narrowing_problems(add, index, row, kind, dictionary)
        _default_problems(add, index, row, kind, dictionary.values.get(code_list))
    targets = {}
    for index, row in enumerate(rows):
        targets[row["key"]] = _show_if_problems(add, index, row, kinds, lists, dictionary)
    for index, row in enumerate(rows):
        if _in_cycle(row["key"], targets):
            add(index, "show_if", _("显示条件互相依赖，字段永远不会显示。"))
    return problems


def _texts(add, index, row):
    for key, label, limit in [
        ("section", _("分组"), 50),
        ("label", _("字段名称"), 100),
        ("help_text", _("填写说明"), 300),
        ("show_if", _("显示条件"), 200),
        ("default", _("默认值"), 200),
    ]:
        value = row[key]
        if limits.has_control_chars(value):
            add(index, key, limits.control_chars_error(label).messages[0])
        elif len(value) > limit:
            add(index, key, limits.too_long_error(label, limit, len(value)).messages[0])


def _kind_problems(add, index, row, dictionary) -> tuple[str, str]:
    """The row's effective kind and code list, naming what is wrong with them."""
    code = row["element"]
    if code:
        element = dictionary.elements.get(code)
        if element is None:
            add(index, "element", _("数据元“%(code)s”不存在。") % {"code": code})
            return "", ""
        if row["key"] and row["key"] != code:
            add(
                index,
                "key",
                _("引用数据元的字段，字段编码应为数据元编码“%(code)s”。") % {"code": code},
            )
        if row["kind"]:
            add(index, "kind", _("引用数据元的字段，类型由数据元决定，这里应为空。"))
        if row["code_list"]:
            add(index, "code_list", _("引用数据元的字段，代码表由数据元决定，这里应为空。"))
        return element.kind, dictionary.list_code(element)
    if row["key"] in dictionary.elements:
        add(
            index,
            "key",
            _("“%(key)s”是数据元编码：请引用该数据元，或为本地字段另取编码。")
            % {"key": row["key"]},
        )
    if not row["label"]:
        add(index, "label", _("本地字段需要填写字段名称。"))
    kind = row["kind"]
    if not kind:
        add(index, "kind", _("本地字段需要选择字段类型。"))
        return "", ""
    if kind not in KINDS:
        add(index, "kind", _("字段类型“%(kind)s”不存在。") % {"kind": kind})
        return "", ""
    if kind == ElementKind.GROUP:
        add(index, "kind", _("重复组只能引用数据元，不能作为本地字段。"))
    code_list = row["code_list"]
    if kind in CHOICE_KINDS:
        if not code_list:
            add(index, "code_list", _("单选或多选字段需要选择代码表。"))
        elif code_list not in dictionary.lists:
            add(index, "code_list", _("代码表“%(code)s”不存在。") % {"code": code_list})
            code_list = ""
    elif code_list:
        add(index, "code_list", _("只有单选或多选字段使用代码表。"))
        code_list = ""
    return kind, code_list


def source_problem(source: str) -> str | None:
    """What is wrong with one prefill source (docs/forms.md), or None."""
    parts = source.split(":")
    if parts[0] == "identity" and len(parts) == 2 and parts[1] in IDENTITY_ATTRS:
        return None
    if parts[0] == "enterprise" and len(parts) == 2 and parts[1] in ENTERPRISE_ATTRS:
        return None
    if parts[0] == "license" and len(parts) == 3 and parts[1] and parts[2]:
        return None
    return _(
        "预填来源“%(source)s”无法识别：应为 identity:属性、enterprise:属性 或 "
        "license:证照类型编码:照面字段。"
    ) % {"source": source}


def _prefill_problems(add, index, row):
    if row["prefill"] and row["no_prefill"]:
        add(index, "prefill", _("已设为不预填，就不能再指定预填来源。"))
    for source in row["prefill"]:
        message = source_problem(source)
        if message:
            add(index, "prefill", message)


def _number_problem(value) -> str | None:
    if not isinstance(value, Decimal) or not value.is_finite():
        return _("应为数字。")
    if abs(value) >= _DECIMAL_LIMIT or value != value.quantize(Decimal("0.0001")):
        return _("最多14位整数、4位小数。")
    return None


def _narrowing_problems(add, index, row, kind, dictionary):
    """max_length and the range only narrow the element's rules (docs/forms.md)."""
    element = dictionary.elements.get(row["element"]) if row["element"] else None
    length = row["max_length"]
    if length is not None:
        if not isinstance(length, int) or isinstance(length, bool) or length < 1:
            add(index, "max_length", _("最大长度应为正整数。"))
        elif kind and kind not in LENGTH_KINDS:
            add(index, "max_length", _("这种类型的字段没有最大长度。"))
        elif element is not None and element.max_length and length > element.max_length:
            add(
                index,
                "max_length",
                _("不能超过数据元的最大长度 %(n)d。") % {"n": element.max_length},
            )
    bounds = {}
    for key in ["min_value", "max_value"]:
        value = row[key]
        if value is None:
            continue
        message = _number_problem(value)
        if message is None and kind and kind not in NUMBER_KINDS:
            message = _("只有数字类字段有最小值和最大值。")
        if message:
            add(index, key, message)
            continue
        bounds[key] = value
    if element is not None:
        low, high = element.min_value, element.max_value
        if low is not None and bounds.get("min_value", low) < low:
            add(index, "min_value", _("不能小于数据元的最小值 %(n)s。") % {"n": _plain(low)})
        if high is not None and bounds.get("max_value", high) > high:
            add(index, "max_value", _("不能大于数据元的最大值 %(n)s。") % {"n": _plain(high)})
        low = bounds.get("min_value", low)
        high = bounds.get("max_value", high)
    else:
        low, high = bounds.get("min_value"), bounds.get("max_value")
    if low is not None and high is not None and low > high:
        add(index, "max_value", _("最大值不能小于最小值。"))


def _plain(value: Decimal) -> str:
    """A decimal without trailing zeros or exponent: 10, 0.5, 1200."""
    text = format(value, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def _default_problems(add, index, row, kind, choices):
    value = row["default"]
    if not value or not kind:
        return
    message = None
    if kind in NO_DEFAULT_KINDS:
        message = _("这种类型的字段不能设默认值。")
    elif kind == ElementKind.CHOICE and choices is not None and value not in choices:
        message = _("默认值“%(value)s”不在代码表中。") % {"value": value}
    elif kind == ElementKind.MULTI_CHOICE and choices is not None:
        unknown = [v for v in value.split("|") if v not in choices]
        if unknown:
            message = _("默认值“%(value)s”不在代码表中。") % {"value": "|".join(unknown)}
    elif kind == ElementKind.BOOLEAN and value not in BOOLEAN_VALUES:
        message = _("是否字段的默认值应为 true 或 false。")
    elif kind == ElementKind.INTEGER and not re.fullmatch(r"-?\d+", value):
        message = _("默认值应为整数。")
    elif kind in {ElementKind.DECIMAL, ElementKind.MONEY} and not re.fullmatch(
        r"-?\d+(\.\d+)?", value
    ):
        message = _("默认值应为数字。")
    elif kind == ElementKind.DATE:
        try:
            datetime.date.fromisoformat(value)
        except ValueError:
            message = _("默认值应为日期，如 2025-01-31。")
    if message:
        add(index, "default", message)


def parse_show_if(text: str) -> tuple[str, list[str]] | None:
    """`key=value` or `key=v1|v2` as (key, values); None if it is not that shape."""
    match = _SHOW_IF.match(text)
    if not match:
        return None
    values = [v.strip() for v in match.group(2).split("|")]
    if any(not v for v in values):
        return None
    return match.group(1), values


def _show_if_problems(add, index, row, kinds, lists, dictionary) -> str | None:
    """The key the row's visibility depends on (None if none or unreadable)."""
    text = row["show_if"]
    if not text:
        return None
    parsed = parse_show_if(text)
    if parsed is None:
        add(index, "show_if", _("显示条件应写成“字段编码=值”，多个值用“|”分隔。"))
        return None
    target, values = parsed
    if target == row["key"]:
        add(index, "show_if", _("显示条件不能依据字段自己。"))
        return None
    if target not in kinds:
        add(index, "show_if", _("显示条件中的“%(key)s”不是本表的字段。") % {"key": target})
        return None
    kind = kinds[target]
    if kind in CHOICE_KINDS:
        allowed = dictionary.values.get(lists[target], [])
    elif kind == ElementKind.BOOLEAN:
        allowed = sorted(BOOLEAN_VALUES)
    elif kind:
        add(index, "show_if", _("显示条件只能依据单选、多选或是否字段。"))
        return target
    else:
        return target  # the target's own kind is already reported
    unknown = [v for v in values if v not in allowed]
    if unknown:
        add(
            index,
            "show_if",
            _("“%(values)s”不是字段“%(key)s”的可选值（可选：%(allowed)s）。")
            % {"values": "|".join(unknown), "key": target, "allowed": "、".join(allowed)},
        )
    return target


def _in_cycle(key, targets) -> bool:
    seen, current = set(), targets.get(key)
    while current is not None and current not in seen:
        if current == key:
            return True
        seen.add(current)
        current = targets.get(current)
    return False


# --- the dictionary -----------------------------------------------------------------------


def dictionary_problems(
    element_rows: list[dict], code_list_rows: list[dict], dictionary: Dictionary
) -> list[Problem]:
    """Every rule of docs/forms.md "Data elements" that these rows break. `dictionary` is
    the stored one overlaid with these rows (Dictionary.with_rows)."""
    problems: list[Problem] = []
    _code_list_problems(problems, code_list_rows)
    seen = {}
    for index, row in enumerate(element_rows):

        def add(name, message, index=index):
            problems.append(Problem(index, name, message, "elements"))

        code = row["code"]
        if not _KEY.match(code):
            add("code", _("数据元编码只能用小写字母、数字和下划线，以字母开头，最多40个字符。"))
        elif code in seen:
            add("code", _("数据元编码重复。"))
        seen.setdefault(code, index)
        _element_problems(add, row, dictionary)
    return problems


def _code_list_problems(problems, rows):
    names, values = {}, set()
    for index, row in enumerate(rows):

        def add(name, message, index=index):
            problems.append(Problem(index, name, message, "code_lists"))

        code = row["list_code"]
        if not code or len(code) > 32:
            add("list_code", _("代码表编码不能为空，最多32个字符。"))
        if not row["list_name"]:
            add("list_name", _("请填写代码表名称。"))
        elif names.setdefault(code, row["list_name"]) != row["list_name"]:
            add(
                "list_name",
                _("同一代码表的名称应相同（前面写的是“%(name)s”）。") % {"name": names[code]},
            )
        if not row["value"] or len(row["value"]) > 32:
            add("value", _("代码不能为空，最多32个字符。"))
        elif "|" in row["value"] or "=" in row["value"] or ";" in row["value"]:
            add("value", _("代码不能含有“|”“=”或“;”。"))
        elif (code, row["value"]) in values:
            add("value", _("同一代码表中代码重复。"))
        values.add((code, row["value"]))
        if not row["label"] or len(row["label"]) > 100:
            add("label", _("名称不能为空，最多100个字。"))
        position = row["position"]
        if not isinstance(position, int) or not 0 <= position <= _SMALLINT_MAX:
            add("position", _("序号应为 0 到 %(max)d 的整数。") % {"max": _SMALLINT_MAX})


def _element_problems(add, row, dictionary):
    kind = row["kind"]
    if not row["name"] or len(row["name"]) > 100:
        add("name", _("名称不能为空，最多100个字。"))
    if kind not in KINDS:
        add("kind", _("类型“%(kind)s”不存在。") % {"kind": kind})
        return
    code_list = row["code_list"]
    if kind in CHOICE_KINDS:
        if not code_list:
            add("code_list", _("单选或多选数据元需要代码表。"))
        elif code_list not in dictionary.lists:
            add("code_list", _("代码表“%(code)s”不存在。") % {"code": code_list})
    elif code_list:
        add("code_list", _("只有单选或多选数据元使用代码表。"))
    children = row["children"]
    if kind == ElementKind.GROUP:
        if not children:
            add("children", _("重复组需要列出组成数据元。"))
        for child in children:
            element = dictionary.elements.get(child)
            if element is None:
                add("children", _("数据元“%(code)s”不存在。") % {"code": child})
            elif element.kind == ElementKind.GROUP:
                add("children", _("重复组不能包含重复组“%(code)s”。") % {"code": child})
    elif children:
        add("children", _("只有重复组有组成数据元。"))
    length = row["max_length"]
    if length is not None:
        if not isinstance(length, int) or length < 1:
            add("max_length", _("最大长度应为正整数。"))
        elif kind not in LENGTH_KINDS:
            add("max_length", _("这种类型的数据元没有最大长度。"))
    if row["pattern"]:
        if kind not in PATTERN_KINDS:
            add("pattern", _("只有文本、长文本和地址数据元可以设格式。"))
        else:
            try:
                re.compile(row["pattern"])
            except re.error:
                add("pattern", _("格式不是有效的正则表达式。"))
    for key in ["min_value", "max_value"]:
        value = row[key]
        if value is None:
            continue
        message = _number_problem(value)
        if message is None and kind not in NUMBER_KINDS:
            message = _("只有数字类数据元有最小值和最大值。")
        if message:
            add(key, message)
    low, high = row["min_value"], row["max_value"]
    if (
        isinstance(low, Decimal)
        and isinstance(high, Decimal)
        and low.is_finite()
        and high.is_finite()
        and low > high
    ):
        add("max_value", _("最大值不能小于最小值。"))
    places = row["decimal_places"]
    if places is not None and (
        kind != ElementKind.DECIMAL or not isinstance(places, int) or not 0 <= places <= 4
    ):
        add("decimal_places", _("只有小数数据元有小数位数，0 到 4 位。"))
    if row["unit"]:
        if kind not in UNIT_KINDS:
            add("unit", _("只有数字类数据元有单位。"))
        elif kind == ElementKind.MONEY and row["unit"] not in MONEY_UNITS:
            add("unit", _("金额的单位应为元或万元。"))
    if row["mask"] not in {m.value for m in Mask}:
        add("mask", _("遮盖方式“%(mask)s”不存在。") % {"mask": row["mask"]})
    for source in row["sources"]:
        message = source_problem(source)
        if message:
            add("sources", message)
    if len(row["help_text"]) > 300:
        add("help_text", _("填写说明最多300个字。"))
