"""What the platform agrees to store from outside, in one place the whole code base uses.

Two rules, each with a clear error in the user's language that names the limit:

* Text carries no C0 control characters other than tab, line feed and carriage return.
  PostgreSQL refuses NUL in `text` and `jsonb` outright (a server error if it gets that
  far), and the others are invisible on screen and in the printed notices.
* Every stored text has a size. Free texts (reasons, opinions, notes, comments) are at
  most `YIWANG_TEXT_MAX_CHARS` characters; a free-form set of fields (a case's application
  form today, an item-specific form later) has at most `YIWANG_FORM_MAX_KEYS` keys of at
  most `FORM_KEY_MAX_CHARS` characters, values of at most `YIWANG_FORM_MAX_VALUE_CHARS`,
  and `YIWANG_FORM_MAX_BYTES` bytes as JSON in all.

Services call these (the one door), and forms and serializers use the same numbers so a
page can show the limit next to its field before anything is sent.
"""

import json
import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext as _

# C0 controls except \t (09), \n (0a) and \r (0d).
CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
FORM_KEY_MAX_CHARS = 64


def text_max_chars() -> int:
    return settings.YIWANG_TEXT_MAX_CHARS


def form_max_keys() -> int:
    return settings.YIWANG_FORM_MAX_KEYS


def form_max_value_chars() -> int:
    return settings.YIWANG_FORM_MAX_VALUE_CHARS


def form_max_bytes() -> int:
    return settings.YIWANG_FORM_MAX_BYTES


def has_control_chars(value: str) -> bool:
    return bool(CONTROL_CHARS.search(value))


def control_chars_error(label: str = "") -> ValidationError:
    if label:
        message = _("“%(label)s”含有不可见的控制字符（如 NUL），请删除后重新提交。") % {
            "label": label
        }
    else:
        message = _("提交的内容含有不可见的控制字符（如 NUL），请删除后重新提交。")
    return ValidationError(message, code="control_chars")


def too_long_error(label: str, limit: int, length: int) -> ValidationError:
    return ValidationError(
        _("“%(label)s”最多 %(max)d 个字，现在有 %(n)d 个字。")
        % {"label": label, "max": limit, "n": length},
        code="too_long",
    )


def _as_field(error: ValidationError, field: str) -> ValidationError:
    return ValidationError({field: [error]}) if field else error


def clean_text(
    value, *, label: str, field: str = "", max_chars: int | None = None, strip: bool = True
) -> str:
    """A free text as it may be stored: no control characters, at most `max_chars` (the
    site's free-text limit by default). `label` names the field in the error; with `field`
    the error is the field's, so the API lists it under that name."""
    text = "" if value is None else str(value)
    if has_control_chars(text):
        raise _as_field(control_chars_error(label), field)
    if strip:
        text = text.strip()
    limit = max_chars or text_max_chars()
    if len(text) > limit:
        raise _as_field(too_long_error(label, limit, len(text)), field)
    return text


def _form_value(key: str, value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool | int | float):
        return str(value)
    if not isinstance(value, str):
        raise ValidationError(
            _("申请表字段“%(key)s”的值须为文字。") % {"key": key}, code="form_value_type"
        )
    if has_control_chars(value):
        raise control_chars_error(key)
    if len(value) > form_max_value_chars():
        raise too_long_error(key, form_max_value_chars(), len(value))
    return value


def clean_form_data(data, *, existing: dict | None = None) -> dict:
    """A free-form set of fields merged into `existing`: keys and values checked one by one,
    then the whole by its number of keys and its size. Returns the merged form; raises one
    ValidationError listing every field that is wrong (by key) and the rule it broke."""
    if not isinstance(data, dict):
        raise ValidationError(_("申请表须为“字段: 值”的对象。"), code="form_not_object")
    cleaned: dict[str, str] = {}
    errors: dict[str, list[ValidationError]] = {}
    for raw_key, value in data.items():
        key = str(raw_key)
        if has_control_chars(key):
            errors.setdefault("__all__", []).append(control_chars_error(_("字段名")))
            continue
        if not key.strip() or len(key) > FORM_KEY_MAX_CHARS:
            errors.setdefault("__all__", []).append(
                ValidationError(
                    _("申请表的字段名须为 1 到 %(max)d 个字。") % {"max": FORM_KEY_MAX_CHARS},
                    code="form_key",
                )
            )
            continue
        try:
            cleaned[key] = _form_value(key, value)
        except ValidationError as exc:
            errors.setdefault(key, []).append(exc)
    if errors:
        raise ValidationError(errors)
    merged = {**(existing or {}), **cleaned}
    if len(merged) > form_max_keys():
        raise ValidationError(
            _("申请表最多 %(max)d 个字段，这次保存后会有 %(n)d 个。")
            % {"max": form_max_keys(), "n": len(merged)},
            code="form_too_many_keys",
        )
    size = len(json.dumps(merged, ensure_ascii=False).encode())
    if size > form_max_bytes():
        raise ValidationError(
            _("申请表内容最多 %(max)d KB，这次保存后会有 %(n)d KB。")
            % {"max": form_max_bytes() // 1024, "n": -(-size // 1024)},
            code="form_too_large",
        )
    return merged


def control_chars_in(data) -> bool:
    """Whether any string in a JSON-like value (keys too) carries a control character."""
    stack = [data]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if CONTROL_CHARS.search(item):
                return True
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list | tuple):
            stack.extend(item)
    return False


def check_stored_text(sender, instance, update_fields=None, raw=False, **kwargs):
    """pre_save of every model of the platform: a CharField longer than its column, or any
    text with a control character, is a ValidationError naming the field and the limit,
    never a database error. The services check first, with their own words; this is the
    net under them (SQLite would store the overlong value, PostgreSQL would fail with a
    server error)."""
    if raw:  # loading fixtures
        return
    for field in sender._meta.concrete_fields:
        if update_fields is not None and field.name not in update_fields:
            continue
        if not isinstance(field, models.CharField | models.TextField):
            continue
        value = getattr(instance, field.attname, None)
        if not isinstance(value, str):
            continue
        label = str(field.verbose_name)
        if has_control_chars(value):
            raise ValidationError({field.name: [control_chars_error(label)]})
        limit = field.max_length if isinstance(field, models.CharField) else None
        if limit and len(value) > limit:
            raise ValidationError({field.name: [too_long_error(label, limit, len(value))]})
