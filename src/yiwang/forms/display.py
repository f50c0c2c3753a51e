"""A filled form as people read it: per section, each field's label, its value in words and
where the value came from. Staff pages, decision documents and licence filling use this;
`reveal=False` (lists, public pages) masks what the element says to mask."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _

from yiwang.core.dates import long_date
from yiwang.forms.definition import Field, FormDefinition, visible_keys
from yiwang.forms.models import ElementKind as K
from yiwang.forms.models import Mask
from yiwang.identity.validators import mask_id_number, mask_name, mask_phone


def _date_text(value) -> str:
    if not isinstance(value, str):
        return "" if value is None else str(value)
    return long_date(value)


def _number_text(value, *, places: int | None = None) -> str:
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal | str):
        return "" if value is None else str(value)
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        return str(value)
    if places is not None:
        return f"{number.quantize(Decimal(1).scaleb(-places)):f}"
    return f"{number.normalize():f}" if number == number.to_integral_value() else str(value)


def _with_unit(text: str, unit: str) -> str:
    return f"{text} {unit}" if text and unit else text


def text_value(field: Field, value) -> str:
    """One value as plain text: choice labels, 2026年12月7日, 12.50 元, 是/否, rows joined."""
    if value is None or value == "" or value == [] or value == {}:
        return ""
    kind = field.kind
    if kind == K.CHOICE:
        return field.choice_label(value)
    if kind == K.MULTI_CHOICE:
        values = value if isinstance(value, list | tuple) else [value]
        return "、".join(field.choice_label(v) for v in values)
    if kind == K.BOOLEAN:
        if isinstance(value, bool):
            return _("是") if value else _("否")
        return str(value)
    if kind == K.DATE:
        return _date_text(value)
    if kind == K.DATE_RANGE:
        if not isinstance(value, dict):
            return str(value)
        return _("%(start)s至%(end)s") % {
            "start": _date_text(value.get("start", "")),
            "end": _date_text(value.get("end", "")),
        }
    if kind == K.ADDRESS:
        if isinstance(value, dict):
            return str(value.get("detail", "") or "")
        return str(value)
    if kind == K.MONEY:
        return _with_unit(_number_text(value, places=2), field.unit or _("元"))
    if kind in (K.INTEGER, K.DECIMAL):
        return _with_unit(_number_text(value, places=field.decimal_places), field.unit)
    if kind == K.GROUP:
        return "；".join(row_texts(field, value))
    return str(value)


def row_texts(field: Field, value, *, reveal: bool = True) -> list[str]:
    """A group's rows, each as "姓名：张三，职务：厨师"."""
    if not isinstance(value, list):
        return [str(value)]
    rows = []
    for row in value:
        if not isinstance(row, dict):
            rows.append(str(row))
            continue
        parts = []
        for child in field.children:
            text = _shown(child, row.get(child.key), reveal=reveal)
            if text:
                parts.append(_("%(label)s：%(value)s") % {"label": child.label, "value": text})
        rows.append("，".join(parts))
    return rows


def _mask_of(field: Field) -> str:
    # An identity number is masked even when its element forgets to say so.
    if not field.mask and field.kind == K.ID_NUMBER:
        return Mask.ID_NUMBER
    return field.mask


def masked(field: Field, value, text: str) -> str:
    mask = _mask_of(field)
    if not text or not mask:
        return text
    if mask == Mask.NAME:
        return mask_name(text)
    if mask == Mask.ID_NUMBER:
        return mask_id_number(text)
    if mask == Mask.PHONE:
        return mask_phone(text)
    if mask == Mask.ADDRESS:
        return text[:6] + "****" if len(text) > 6 else "****"
    return text


def _shown(field: Field, value, *, reveal: bool) -> str:
    if field.kind == K.GROUP:
        return "；".join(row_texts(field, value, reveal=reveal))
    text = text_value(field, value)
    return text if reveal else masked(field, value, text)


def source_label(entry) -> str:
    """Words for where a prefilled value came from (an entry of `Case.form_sources`:
    {"kind": "identity" | "enterprise" | "license", "label": …})."""
    if not isinstance(entry, dict):
        return ""
    kind, label = entry.get("kind", ""), str(entry.get("label", "") or "")
    if kind == "identity":
        return _("来自实名认证")
    if kind == "enterprise":
        return _("来自企业登记信息")
    if kind == "license":
        return _("来自电子证照：%(name)s") % {"name": label} if label else _("来自电子证照")
    return label


def display_sections(
    definition: FormDefinition,
    data,
    *,
    sources=None,
    reveal: bool = True,
    skip_empty: bool = False,
) -> list[tuple[str, list[tuple[str, object, str]]]]:
    """[(section title, [(label, text, source label)])] of the fields asked. A group's text
    is a list of row texts; every other text is a string ("" when not filled)."""
    data = data if isinstance(data, dict) else {}
    sources = sources if isinstance(sources, dict) else {}
    shown = visible_keys(definition, data)
    out = []
    for section in definition.sections:
        rows = []
        for f in section.fields:
            if f.key not in shown:
                continue
            value = data.get(f.key)
            if f.kind == K.GROUP:
                text = row_texts(f, value, reveal=reveal) if value else []
            else:
                text = _shown(f, value, reveal=reveal)
            if skip_empty and not text:
                continue
            rows.append((f.label, text, source_label(sources.get(f.key))))
        if rows:
            out.append((section.title, rows))
    return out
