"""Official Chinese names and text on English pages (docs/i18n.md).

An item, department, licence type, bundle or theme keeps its official Chinese name; in
English its English name comes first and the Chinese follows, marked lang="zh-Hans" so a
screen reader reads it as Chinese. Catalogue text that has no translation (conditions, legal
basis, material names, what people typed) is shown as it is, marked the same way. Templates
use these as filters (yiwang.web.templatetags.official); Python that writes HTML or plain
sentences uses them directly."""

import re

from django.utils.html import conditional_escape, format_html
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from . import dates

_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")  # Han characters
_LATIN = re.compile(r"[A-Za-z]")
_HAN_OR_MARK = r"[\u3400-\u9fff\uf900-\ufaff\u3000-\u303f\uff00-\uffef]"
# From one Chinese character or mark to the last before a Latin letter or markup.
_CHINESE_RUN = re.compile(_HAN_OR_MARK + r"(?:[^A-Za-z<>&]*" + _HAN_OR_MARK + ")?")
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
    if isinstance(value, dict):
        return str(value.get("name") or ""), str(value.get("name_en") or "")
    return str(getattr(value, "name", value) or ""), str(getattr(value, "name_en", "") or "")


def official_name(value):
    """Chinese pages: the name. English pages: "English name (中文)" with the Chinese marked,
    or only the marked Chinese when there is no English name."""
    name, english = _names(value)
    if not in_english() or not _CJK.search(name):
        return conditional_escape(name)
    if english:
        return format_html('{} <span lang="zh-Hans">({})</span>', english, name)
    return format_html('<span lang="zh-Hans">{}</span>', name)


def name_text(value) -> str:
    """The same as plain text, for titles and attributes where markup cannot go."""
    name, english = _names(value)
    if in_english() and english:
        return f"{english} ({name})"
    return name


def zh(value):
    """Chinese text that stays Chinese (catalogue content, names people typed): marked
    lang="zh-Hans" on English pages when it has Chinese in it; a fixed word is translated."""
    text = "" if value is None else str(value)
    if not in_english() or not _CJK.search(text):
        return conditional_escape(text)
    if text.strip() in _FIXED:
        return str(_FIXED[text.strip()])
    if not _LATIN.search(text):
        return format_html('<span lang="zh-Hans">{}</span>', text)
    # English words around Chinese ones (From the e-licence: 居民户口簿): mark each run.
    return mark_safe(  # noqa: S308 - every piece is escaped here
        _CHINESE_RUN.sub(
            lambda m: f'<span lang="zh-Hans">{m.group(0)}</span>', str(conditional_escape(text))
        )
    )


def long_date(value) -> str:
    return dates.long_date(value)


def long_datetime(value) -> str:
    return dates.long_datetime(value)


def display_name(value) -> str:
    """Plain text for a sentence: the English name on English pages when there is one,
    else the official name."""
    name, english = _names(value)
    return english if in_english() and english else name
