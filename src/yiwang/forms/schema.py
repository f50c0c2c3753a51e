"""A form definition as a JSON Schema (draft 2020-12), for other front ends and for the
server's own validation (docs/forms.md, the kinds table).

Our own `format`s (`cn-ric`, `cn-uscc`, `cn-phone`) sit next to an equivalent `pattern`, so
a front end that does not know them still checks the shape; the server's FormatChecker
also checks the check digit. Two rules JSON Schema cannot say well are annotations the
server checks after the schema: `x-decimal-places` (a float `multipleOf` is unreliable)
and a date range's start ≤ end.
"""

from __future__ import annotations

from decimal import Decimal

from yiwang.core import limits
from yiwang.forms.definition import Field, FormDefinition
from yiwang.forms.models import ElementKind as K

SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"

ID_NUMBER_PATTERN = r"^[0-9]{17}[0-9X]$"
# GB 32100: 8 digits, then the 31-character alphabet without I, O, S, V, Z.
USCC_PATTERN = r"^[0-9]{8}[0-9ABCDEFGHJKLMNPQRTUWXY]{10}$"
# A mainland mobile, or a landline with its area code (and an optional extension).
PHONE_PATTERN = r"^(1[0-9]{10}|0[0-9]{2,3}-?[0-9]{7,8}(-[0-9]{1,6})?)$"
DATE_PATTERN = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
AREA_PATTERN = r"^([0-9]{12})?$"
EMAIL_MAX = 254
MONEY_PLACES = 2


def _number(value: Decimal | None):
    if value is None:
        return None
    value = Decimal(value)
    return int(value) if value == value.to_integral_value() else float(value)


def _text_limit(f: Field) -> int:
    return min(f.max_length or limits.form_max_value_chars(), limits.form_max_value_chars())


def _choice_schema(f: Field) -> dict:
    options = [{"const": v, "title": label} for v, label in f.choices]
    # An empty list has no valid value at all; `oneOf: []` is not allowed by the meta-schema.
    return {"type": "string", "oneOf": options} if options else {"type": "string", "enum": []}


def _patterns(schema: dict, f: Field) -> dict:
    patterns = f.patterns
    if len(patterns) == 1:
        schema["pattern"] = patterns[0]
    elif patterns:
        schema["allOf"] = [{"pattern": p} for p in patterns]
    return schema


def _range(schema: dict, f: Field, *, floor=None) -> dict:
    low = _number(f.min_value)
    if floor is not None:
        low = floor if low is None else max(low, floor)
    high = _number(f.max_value)
    if low is not None:
        schema["minimum"] = low
    if high is not None:
        schema["maximum"] = high
    return schema


def _date() -> dict:
    return {"type": "string", "format": "date", "pattern": DATE_PATTERN}


def value_schema(f: Field) -> dict:
    """The schema of one field's value (without title or description)."""
    kind = f.kind
    if kind in (K.TEXT, K.LONG_TEXT):
        return _patterns({"type": "string", "maxLength": _text_limit(f)}, f)
    if kind == K.INTEGER:
        return _range({"type": "integer"}, f)
    if kind == K.DECIMAL:
        schema = _range({"type": "number"}, f)
        if f.decimal_places is not None:
            schema["x-decimal-places"] = f.decimal_places
        return schema
    if kind == K.MONEY:
        places = MONEY_PLACES if f.decimal_places is None else min(f.decimal_places, 2)
        return _range({"type": "number", "x-decimal-places": places}, f, floor=0)
    if kind == K.DATE:
        return _date()
    if kind == K.DATE_RANGE:
        return {
            "type": "object",
            "properties": {"start": _date(), "end": _date()},
            "required": ["start", "end"],
            "additionalProperties": False,
        }
    if kind == K.CHOICE:
        return _choice_schema(f)
    if kind == K.MULTI_CHOICE:
        schema = {"type": "array", "items": _choice_schema(f), "uniqueItems": True}
        if f.max_length:
            schema["maxItems"] = f.max_length
        return schema
    if kind == K.BOOLEAN:
        return {"type": "boolean"}
    if kind == K.ID_NUMBER:
        return {"type": "string", "pattern": ID_NUMBER_PATTERN, "format": "cn-ric"}
    if kind == K.USCC:
        return {"type": "string", "pattern": USCC_PATTERN, "format": "cn-uscc"}
    if kind == K.PHONE:
        return {"type": "string", "pattern": PHONE_PATTERN, "format": "cn-phone"}
    if kind == K.EMAIL:
        return {"type": "string", "format": "email", "maxLength": EMAIL_MAX}
    if kind == K.ADDRESS:
        return {
            "type": "object",
            "properties": {
                "area": {"type": "string", "pattern": AREA_PATTERN},
                "detail": _patterns({"type": "string", "maxLength": _text_limit(f)}, f),
            },
            "required": ["detail"],
            "additionalProperties": False,
        }
    if kind == K.GROUP:
        row = {
            "type": "object",
            "properties": {c.key: property_schema(c) for c in f.children},
            "additionalProperties": False,
        }
        required = [c.key for c in f.children if c.required]
        if required:
            row["required"] = required
        schema = {"type": "array", "items": row}
        if f.max_length:
            schema["maxItems"] = f.max_length
        if f.required:
            schema["minItems"] = 1
        return schema
    return {"type": "string", "maxLength": _text_limit(f)}


def property_schema(f: Field) -> dict:
    schema = {"title": f.label}
    if f.help_text:
        schema["description"] = f.help_text
    schema.update(value_schema(f))
    if f.unit or f.kind == K.MONEY:
        schema["x-unit"] = f.unit or "元"
    if f.default is not None:
        schema["default"] = list(f.default) if isinstance(f.default, tuple) else f.default
    return schema


def _condition(definition: FormDefinition, ctrl: str, values: tuple[str, ...]) -> dict:
    controller = definition.field(ctrl)
    kind = controller.kind if controller else K.TEXT
    if kind == K.BOOLEAN:
        truth = {str(v).lower() for v in values}
        options = []
        if truth & {"1", "true", "yes", "on", "是", "y"}:
            options.append(True)
        if truth & {"0", "false", "no", "off", "否", "n"}:
            options.append(False)
        match = {"enum": options}
    elif kind == K.MULTI_CHOICE:
        match = {"contains": {"enum": list(values)}}
    else:
        match = {"enum": list(values)}
    return {"properties": {ctrl: match}, "required": [ctrl]}


def json_schema(definition: FormDefinition, *, schema_id: str = "", title: str = "") -> dict:
    """The whole form: an object of its fields, `required` for those always required, and
    `allOf` of if/then for those required only when shown."""
    schema: dict = {"$schema": SCHEMA_DIALECT}
    if schema_id:
        schema["$id"] = schema_id
    if title or definition.title:
        schema["title"] = title or definition.title
    schema["type"] = "object"
    schema["properties"] = {f.key: property_schema(f) for f in definition.fields}
    schema["additionalProperties"] = False
    required = [f.key for f in definition.fields if f.required and f.show_if is None]
    if required:
        schema["required"] = required
    conditions = []
    for f in definition.fields:
        if f.required and f.show_if is not None:
            ctrl, values = f.show_if
            if definition.field(ctrl) is None:
                continue  # never shown, never required
            conditions.append(
                {"if": _condition(definition, ctrl, values), "then": {"required": [f.key]}}
            )
    if conditions:
        schema["allOf"] = conditions
    schema["x-sections"] = [
        {"title": s.title, "fields": [f.key for f in s.fields]} for s in definition.sections
    ]
    return schema


def cached_schema(definition: FormDefinition) -> dict:
    """The schema of a definition, built once per definition (do not change it)."""
    found = definition.memo.get("schema")
    if found is None:
        found = definition.memo["schema"] = json_schema(definition)
    return found
