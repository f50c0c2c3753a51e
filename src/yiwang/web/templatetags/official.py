"""Official Chinese names and text on English pages (docs/i18n.md).

An item, department, licence type, bundle or theme keeps its official Chinese name; in
English its English name comes first and the Chinese follows, marked lang="zh-Hans" so a
screen reader reads it as Chinese. Catalogue text that has no translation (conditions, legal
basis, material names, what people typed) is shown as it is, marked the same way.

Loaded for every template (settings.TEMPLATES builtins): `{{ item|official_name }}`,
`{{ text|zh }}`, `{{ item|name_text }}` (plain, for <title> and attributes), `{{ day|long_date }}`."""

import re

from django import template
from django.utils.html import format_html
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from yiwang.core import dates

register = template.Library()

_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")  # Han characters
# Fixed words of catalogue text that do have a translation (the exchange format's
# vocabularies, catalog/vocab.py, and the fee that is no fee).
_FIXED = {
    "不收费": _("不收费"),
    "免费": _("免费"),
    "无": _("无"),
    "原件": _("原件"),
    "复印件": _("复印件"),
    "原件和复印件": _("原件和复印件"),
    "纸质": _("纸质"),
    "电子": _("电子"),
    "纸质和电子": _("纸质和电子"),
    "前台受理员": _("前台受理员"),
    "审核员": _("审核员"),
    "审批负责人": _("审批负责人"),
    "制证员": _("制证员"),
}


def in_english() -> bool:
    return (get_language() or "").startswith("en")


def _names(value):
    if value is None:
        return "", ""
    if isinstance(value, str):
        return value, ""
    return str(getattr(value, "name", value) or ""), str(getattr(value, "name_en", "") or "")


@register.filter
def official_name(value):
    """Chinese pages: the name. English pages: "English name (中文)" with the Chinese marked,
    or only the marked Chinese when there is no English name."""
    name, english = _names(value)
    if not in_english() or not _CJK.search(name):
        return name
    if english:
        return format_html('{} <span lang="zh-Hans">({})</span>', english, name)
    return format_html('<span lang="zh-Hans">{}</span>', name)


@register.filter
def name_text(value) -> str:
    """The same as plain text, for titles and attributes where markup cannot go."""
    name, english = _names(value)
    if in_english() and english:
        return f"{english} ({name})"
    return name


@register.filter
def zh(value):
    """Chinese text that stays Chinese (catalogue content, names people typed): marked
    lang="zh-Hans" on English pages when it has Chinese in it; a fixed word is translated."""
    text = "" if value is None else str(value)
    if not in_english() or not _CJK.search(text):
        return text
    if text.strip() in _FIXED:
        return str(_FIXED[text.strip()])
    return format_html('<span lang="zh-Hans">{}</span>', text)


@register.filter
def long_date(value) -> str:
    return dates.long_date(value)


@register.filter
def long_datetime(value) -> str:
    return dates.long_datetime(value)
