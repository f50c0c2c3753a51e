"""Checking and tidying a form's data: `clean()` normalises what people type, `validate()`
holds it to the form's JSON Schema and says what is wrong in plain Chinese, one error per
place, each with an RFC 6901 pointer ("/staff/3/name") and the field's key.

Call `clean()` first, then `validate()` on what it returns; store only data that validates
(or, for a draft, data that validates with `partial=True`).
"""

from __future__ import annotations

import datetime
import json
import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _
from jsonschema import Draft202012Validator, FormatChecker

from yiwang.core import limits
from yiwang.forms.definition import (
    FALSE_WORDS,
    TRUE_WORDS,
    Field,
    FormDefinition,
    without_hidden,
)
from yiwang.forms.models import ElementKind as K
from yiwang.forms.schema import PHONE_PATTERN, cached_schema
from yiwang.identity.validators import (
    normalize_code,
    normalize_id_number,
    normalize_uscc,
    validate_id_number,
    validate_uscc,
)


@dataclass(frozen=True)
class FieldError:
    pointer: str  # RFC 6901, "" for the whole form
    key: str  # the top-level field's key ("" for the whole form)
    message: str
    code: str


# --- formats ---------------------------------------------------------------------------------

DATE_FORMAT = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
PHONE_FORMAT = re.compile(PHONE_PATTERN)


def _is_date(value) -> bool:
    if not isinstance(value, str):
        return True
    if not DATE_FORMAT.fullmatch(value):
        return False
    try:
        datetime.date.fromisoformat(value)
    except ValueError:
        return False
    return True


def _is_id_number(value) -> bool:
    if not isinstance(value, str):
        return True
    # GB 11643 check digit, birth date and province (identity.validators, on stdnum.cn.ric);
    # its error names the rule broken and becomes the message.
    return validate_id_number(value) == value


def _is_uscc(value) -> bool:
    if not isinstance(value, str):
        return True
    try:
        return validate_uscc(value) == value  # GB 32100 check digit (stdnum.cn.uscc)
    except DjangoValidationError:
        return False


def _is_phone(value) -> bool:
    return not isinstance(value, str) or bool(PHONE_FORMAT.fullmatch(value))


def _is_email(value) -> bool:
    if not isinstance(value, str):
        return True
    try:
        validate_email(value)
    except DjangoValidationError:
        return False
    return True


def format_checker() -> FormatChecker:
    checker = FormatChecker(formats=())
    checker.checks("date")(_is_date)
    checker.checks("cn-ric", raises=DjangoValidationError)(_is_id_number)
    checker.checks("cn-uscc")(_is_uscc)
    checker.checks("cn-phone")(_is_phone)
    checker.checks("email")(_is_email)
    return checker


FORMATS = format_checker()


def validator_for(definition: FormDefinition) -> Draft202012Validator:
    """The compiled validator of a definition, built once per definition."""
    found = definition.memo.get("validator")
    if found is None:
        found = Draft202012Validator(cached_schema(definition), format_checker=FORMATS)
        definition.memo["validator"] = found
    return found


# --- pointers and labels ---------------------------------------------------------------------


def pointer(*parts) -> str:
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in parts)


def _part_label(part: str) -> str:
    return {
        "start": _("开始日期"),
        "end": _("结束日期"),
        "area": _("所在地区"),
        "detail": _("详细地址"),
    }.get(part, part)


def _part_of(label: str, part: str) -> str:
    return _("%(label)s的%(part)s") % {"label": label, "part": _part_label(part)}


def _locate(definition: FormDefinition, path: list) -> tuple[Field | None, str]:
    """The field a path points into and the label to name it by."""
    if not path:
        return None, ""
    top = definition.field(str(path[0]))
    if top is None:
        return None, str(path[0])
    label = top.label
    if top.kind == K.GROUP and len(path) >= 3:
        child = top.child(str(path[2]))
        if child is None:
            return top, label
        if len(path) >= 4 and child.kind in (K.DATE_RANGE, K.ADDRESS):
            return child, _part_of(child.label, str(path[3]))
        return child, child.label
    if top.kind in (K.DATE_RANGE, K.ADDRESS) and len(path) >= 2:
        return top, _part_of(label, str(path[1]))
    return top, label


# --- messages --------------------------------------------------------------------------------

# Which of several errors at one place is shown: the most basic first.
PRIORITY = {
    "control_chars": 0,
    "required": 1,
    "type": 1,
    "unknown_field": 1,
    "format": 2,
    "invalid_choice": 3,
    "too_long": 3,
}


def _number_text(value, f: Field | None) -> str:
    text = format(Decimal(str(value)).normalize(), "f") if value is not None else ""
    unit = f.unit if f is not None else ""
    return f"{text}{unit}"


def _type_message(expected, f: Field | None, label: str) -> tuple[str, str]:
    kinds = expected if isinstance(expected, list) else [expected]
    if "integer" in kinds:
        return _("%(label)s应为整数。") % {"label": label}, "not_integer"
    if "number" in kinds:
        if f is not None and f.kind == K.MONEY:
            return _("%(label)s应为金额数字，如 12.50。") % {"label": label}, "not_number"
        return _("%(label)s应为数字。") % {"label": label}, "not_number"
    if "boolean" in kinds:
        return _("%(label)s请选择“是”或“否”。") % {"label": label}, "not_boolean"
    if "string" in kinds:
        return _("%(label)s应填写文字。") % {"label": label}, "not_text"
    return _("%(label)s的填写格式不正确。") % {"label": label}, "wrong_type"


def _format_message(error, f: Field | None, label: str) -> str:
    fmt = error.validator_value
    cause = getattr(error, "cause", None)
    if fmt == "cn-ric":
        if isinstance(cause, DjangoValidationError):
            return cause.messages[0]
        return _("%(label)s不正确，请核对18位号码。") % {"label": label}
    if fmt == "cn-uscc":
        return _("%(label)s不正确，请核对18位代码。") % {"label": label}
    if fmt == "cn-phone":
        return _("%(label)s应为11位手机号码，或带区号的固定电话（如 010-12345678）。") % {
            "label": label
        }
    if fmt == "email":
        return _("%(label)s不是有效的电子邮箱地址。") % {"label": label}
    if fmt == "date":
        return _("%(label)s不是有效的日期，请按“2026-12-07”的格式填写。") % {"label": label}
    return _("%(label)s的格式不正确。") % {"label": label}


def _pattern_message(f: Field | None, label: str) -> tuple[str, str]:
    if f is not None and f.kind == K.ID_NUMBER:
        return _("%(label)s应为18位，前17位是数字，最后一位是数字或X。") % {
            "label": label
        }, "format"
    if f is not None and f.kind == K.USCC:
        return _("%(label)s不正确，请核对18位代码。") % {"label": label}, "format"
    if f is not None and f.kind == K.PHONE:
        return _format_message(_Fmt("cn-phone"), f, label), "format"
    if f is not None and f.kind in (K.DATE, K.DATE_RANGE):
        return _format_message(_Fmt("date"), f, label), "format"
    if f is not None and f.help_text:
        return _("%(label)s的格式不正确，请按填写说明填写。") % {"label": label}, "pattern"
    return _("%(label)s的格式不正确。") % {"label": label}, "pattern"


class _Fmt:
    def __init__(self, fmt):
        self.validator_value = fmt
        self.cause = None


def _errors_of(definition: FormDefinition, error, *, partial: bool):
    """(pointer parts, message, code) for one jsonschema error; several for `required` and
    `additionalProperties`, which name several properties at once."""
    path = list(error.absolute_path)
    f, label = _locate(definition, path)
    kind = error.validator
    value = error.validator_value
    if kind in ("required", "minItems", "minLength"):
        if partial:
            return
        if kind == "required":
            present = error.instance if isinstance(error.instance, dict) else {}
            for missing in value:
                if missing in present:
                    continue
                _f, name = _locate(definition, [*path, missing])
                if not path:
                    name = name or missing
                yield [*path, missing], _("请填写%(label)s。") % {"label": name}, "required"
            return
        yield path, _("请填写%(label)s。") % {"label": label}, "required"
        return
    if kind == "additionalProperties":
        known = error.schema.get("properties", {})
        extra = [k for k in error.instance if k not in known]
        for key in extra:
            if path:
                message = _("“%(label)s”中没有“%(key)s”这一项。") % {"label": label, "key": key}
            else:
                message = _("申请表中没有“%(key)s”这一项，请删除后再提交。") % {"key": key}
            yield [*path, key], message, "unknown_field"
        return
    if kind == "type":
        message, code = _type_message(value, f, label)
        yield path, message, code
        return
    if kind == "maxLength":
        yield path, _("不能超过%(n)d个字。") % {"n": value}, "too_long"
        return
    if kind == "format":
        yield path, _format_message(error, f, label), "format"
        return
    if kind == "pattern":
        message, code = _pattern_message(f, label)
        yield path, message, code
        return
    if kind in ("oneOf", "enum", "const"):
        yield path, _("请从列出的选项中选择。"), "invalid_choice"
        return
    if kind == "minimum":
        yield (
            path,
            _("%(label)s不能小于%(n)s。")
            % {
                "label": label,
                "n": _number_text(value, f),
            },
            "too_small",
        )
        return
    if kind == "maximum":
        yield (
            path,
            _("%(label)s不能大于%(n)s。")
            % {
                "label": label,
                "n": _number_text(value, f),
            },
            "too_large",
        )
        return
    if kind == "maxItems":
        if f is not None and f.kind == K.MULTI_CHOICE:
            message = _("%(label)s最多选择%(n)d项。") % {"label": label, "n": value}
        else:
            message = _("%(label)s最多填写%(n)d行。") % {"label": label, "n": value}
        yield path, message, "too_many"
        return
    if kind == "uniqueItems":
        yield path, _("%(label)s中有重复的选项。") % {"label": label}, "duplicate"
        return
    yield path, _("%(label)s填写不正确。") % {"label": label}, "invalid"


# --- checks the schema cannot say ------------------------------------------------------------


def _places_ok(value, places: int) -> bool:
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        return True
    try:
        exponent = Decimal(str(value)).normalize().as_tuple().exponent
    except (InvalidOperation, ValueError):
        return True
    return not isinstance(exponent, int) or exponent >= -places


def _extra_checks(f: Field, value, path: list, label: str):
    if f.kind == K.DATE_RANGE and isinstance(value, dict):
        start, end = value.get("start"), value.get("end")
        if _is_date(start) and _is_date(end) and isinstance(start, str) and isinstance(end, str):
            if start > end:
                yield [*path, "end"], _("结束日期不能早于开始日期。"), "date_range_order"
    elif f.kind in (K.DECIMAL, K.MONEY):
        places = f.decimal_places
        if f.kind == K.MONEY:
            places = 2 if places is None else min(places, 2)
        if places is not None and not _places_ok(value, places):
            yield (
                path,
                _("%(label)s最多保留%(n)d位小数。") % {"label": label, "n": places},
                ("decimal_places"),
            )
    elif f.kind == K.GROUP and isinstance(value, list):
        for n, row in enumerate(value):
            if not isinstance(row, dict):
                continue
            for child in f.children:
                if child.key in row:
                    yield from _extra_checks(
                        child, row[child.key], [*path, n, child.key], child.label
                    )


# --- size and invisible characters -----------------------------------------------------------


def _control_chars(definition: FormDefinition, data: dict):
    stack = [([], data)]
    while stack:
        path, item = stack.pop()
        if isinstance(item, str):
            if limits.has_control_chars(item):
                _f, label = _locate(definition, path)
                yield path, limits.control_chars_error(label).messages[0], "control_chars"
        elif isinstance(item, dict):
            for key, value in item.items():
                if limits.has_control_chars(str(key)):
                    yield (
                        path,
                        limits.control_chars_error(_("字段名")).messages[0],
                        ("control_chars"),
                    )
                    continue
                stack.append(([*path, key], value))
        elif isinstance(item, list | tuple):
            stack.extend(([*path, n], v) for n, v in enumerate(item))


def _size_error(data: dict) -> FieldError | None:
    if len(data) > limits.form_max_keys():
        return FieldError(
            "",
            "",
            _("申请表最多 %(max)d 个字段，现在有 %(n)d 个。")
            % {"max": limits.form_max_keys(), "n": len(data)},
            "form_too_many_keys",
        )
    try:
        size = len(json.dumps(data, ensure_ascii=False, default=str).encode())
    except (RecursionError, ValueError):
        size = limits.form_max_bytes() + 1
    if size > limits.form_max_bytes():
        return FieldError(
            "",
            "",
            _("申请表内容最多 %(max)d KB，现在有 %(n)d KB。")
            % {"max": limits.form_max_bytes() // 1024, "n": -(-size // 1024)},
            "form_too_large",
        )
    return None


def _empty(value) -> bool:
    return value is None or value == "" or value == [] or value == {}


def _without_empties(data: dict) -> dict:
    return {k: v for k, v in data.items() if not _empty(v)}


# --- validate --------------------------------------------------------------------------------


def validate(definition: FormDefinition, data, *, partial: bool = False) -> list[FieldError]:
    """Every problem with `data`, at most one per place, in the form's order. Values of
    hidden fields are not checked (they are not kept). `partial` (a draft, an autosave)
    leaves out only what is missing."""
    if not isinstance(data, dict):
        return [FieldError("", "", _("申请表须为“字段: 值”的对象。"), "form_not_object")]
    too_big = _size_error(data)
    if too_big is not None:
        return [too_big]
    data = without_hidden(definition, _without_empties(data))

    found: dict[str, tuple[int, FieldError]] = {}

    def add(path, message, code):
        ptr = pointer(*path)
        key = str(path[0]) if path else ""
        rank = PRIORITY.get(code, 5)
        if ptr not in found or rank < found[ptr][0]:
            found[ptr] = (rank, FieldError(ptr, key, message, code))

    for path, message, code in _control_chars(definition, data):
        add(path, message, code)
    for error in validator_for(definition).iter_errors(data):
        for path, message, code in _errors_of(definition, error, partial=partial):
            add(path, message, code)
    for f in definition.fields:
        if f.key in data and pointer(f.key) not in found:
            for path, message, code in _extra_checks(f, data[f.key], [f.key], f.label):
                add(path, message, code)

    order = {f.key: n for n, f in enumerate(definition.fields)}
    return [
        error
        for _rank, error in sorted(
            found.values(),
            key=lambda item: (order.get(item[1].key, len(order)), item[1].pointer),
        )
    ]


# --- clean -----------------------------------------------------------------------------------

# Longer than any code written with spaces and hyphens (identity.validators reads no more).
CODE_INPUT_MAX = 64
INTEGER_TEXT = re.compile(r"[+-]?[0-9]+")
DECIMAL_TEXT = re.compile(r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)")
CN_DATE = re.compile(r"([0-9]{4})\s*[-/.年]\s*([0-9]{1,2})\s*[-/.月]\s*([0-9]{1,2})\s*日?")


def _nfkc(text: str) -> str:
    return unicodedata.normalize("NFKC", text).strip()


def clean_number(kind: str, value):
    if isinstance(value, bool) or not isinstance(value, str | float):
        return value
    if isinstance(value, float):
        return int(value) if kind == K.INTEGER and value.is_integer() else value
    text = _nfkc(value).replace(",", "").replace(" ", "")
    if not text:
        return ""
    if INTEGER_TEXT.fullmatch(text):
        return int(text)
    if kind != K.INTEGER and DECIMAL_TEXT.fullmatch(text):
        return float(text)
    return value  # left as typed: validation names the field


def _clean_date(value):
    if not isinstance(value, str):
        return value
    text = _nfkc(value)
    match = CN_DATE.fullmatch(text)
    if match:
        year, month, day = match.groups()
        return f"{year}-{int(month):02d}-{int(day):02d}"
    return text


def _clean_phone(value: str) -> str:
    text = normalize_code(value)
    mobile = text.replace("-", "")
    return mobile if re.fullmatch(r"1[0-9]{10}", mobile) else text


def _clean_text(kind: str, value):
    if isinstance(value, int | float) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str):
        return value
    if kind == K.LONG_TEXT:
        return value.replace("\r\n", "\n").strip()
    return value.strip()


def _clean_value(f: Field, value):
    kind = f.kind
    if value is None:
        return None
    if kind in (K.TEXT, K.LONG_TEXT, K.EMAIL):
        return _clean_text(kind, value)
    if kind in (K.INTEGER, K.DECIMAL, K.MONEY):
        return clean_number(kind, value)
    if kind in (K.ID_NUMBER, K.USCC, K.PHONE):
        if not isinstance(value, str):
            return value
        if len(value) > CODE_INPUT_MAX:
            return value  # refused as it is, never cut down to a plausible number
        if kind == K.ID_NUMBER:
            return normalize_id_number(value)
        return normalize_uscc(value) if kind == K.USCC else _clean_phone(value)
    if kind == K.DATE:
        return _clean_date(value)
    if kind == K.CHOICE:
        if isinstance(value, int) and not isinstance(value, bool):
            return str(value)
        return value.strip() if isinstance(value, str) else value
    if kind == K.MULTI_CHOICE:
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list | tuple):
            return value
        items = [v.strip() if isinstance(v, str) else v for v in value]
        unique = dict.fromkeys(v for v in items if not _empty(v) and not isinstance(v, dict | list))
        # In the list's order, whatever order they were ticked or sent in.
        order = {v: n for n, (v, _label) in enumerate(f.choices)}
        return sorted(unique, key=lambda v: order.get(v, len(order)))
    if kind == K.BOOLEAN:
        if isinstance(value, str):
            word = _nfkc(value).lower()
            if word in TRUE_WORDS:
                return True
            if word in FALSE_WORDS:
                return False
            return "" if not word else value
        return value
    if kind == K.DATE_RANGE:
        if not isinstance(value, dict):
            return value
        out = dict(value)
        for part in ("start", "end"):
            if part in out:
                out[part] = _clean_date(out[part])
        return {k: v for k, v in out.items() if not _empty(v)}
    if kind == K.ADDRESS:
        if isinstance(value, str):
            value = {"area": "", "detail": value}
        if not isinstance(value, dict):
            return value
        out = dict(value)
        area = out.get("area", "")
        out["area"] = _nfkc(area) if isinstance(area, str) else area
        out["detail"] = _clean_text(K.TEXT, out.get("detail", ""))
        if _empty(out["area"]) and _empty(out["detail"]) and set(out) <= {"area", "detail"}:
            return None
        return out
    if kind == K.GROUP:
        if not isinstance(value, list | tuple):
            return value
        rows = []
        for row in value:
            if not isinstance(row, dict):
                rows.append(row)
                continue
            cleaned = {}
            for key, item in row.items():
                child = f.child(key)
                item = _clean_value(child, item) if child is not None else item
                if not _empty(item):
                    cleaned[key] = item
            if cleaned:
                rows.append(cleaned)
        return rows
    return value


def clean(definition: FormDefinition, data) -> dict:
    """Data as it should be stored: text stripped, full-width digits and separators of
    numbers, codes and dates folded to ASCII, numbers typed, empty values and empty group
    rows dropped, and values of hidden fields dropped. Keys the form does not know are kept
    (validation reports them); what cannot be read is kept as typed for validation to name.
    Never raises."""
    if not isinstance(data, dict):
        return {}
    out = {}
    for key, value in data.items():
        f = definition.field(key) if isinstance(key, str) else None
        value = _clean_value(f, value) if f is not None else value
        if not _empty(value):
            out[key] = value
    return without_hidden(definition, out)
