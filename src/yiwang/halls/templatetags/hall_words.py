"""Words of the hall's pages: how long someone has waited."""

import datetime

from django import template
from django.utils import timezone
from django.utils.translation import gettext as _

register = template.Library()


@register.filter
def duration(value) -> str:
    """A span (timedelta or seconds) in minutes, or hours and minutes: 12分钟, 1小时5分钟."""
    if value is None or value == "":
        return "—"
    if isinstance(value, datetime.timedelta):
        value = value.total_seconds()
    minutes = max(int(value // 60), 0)
    if minutes == 0:
        return _("不到1分钟")
    if minutes < 60:
        return _("%(m)d分钟") % {"m": minutes}
    return _("%(h)d小时%(m)d分钟") % {"h": minutes // 60, "m": minutes % 60}


@register.filter
def since(moment, until=None) -> str:
    """How long ago `moment` was (until `until`, default now)."""
    if moment is None:
        return "—"
    return duration((until or timezone.now()) - moment)
