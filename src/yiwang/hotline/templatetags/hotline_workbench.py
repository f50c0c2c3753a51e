"""The dispatcher's and the units' pages in words (docs/hotline.md, "Dispatching and
handling"): an appeal's deadline as working days left — the words carry the meaning, the
colour (the workbench's `time-left-*` tones) is only an extra — and its warning level."""

import datetime
from dataclasses import dataclass

from django import template
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from yiwang.workdays import calendar

from ..models import AppealStatus, Warning

register = template.Library()


@dataclass(frozen=True)
class Clock:
    tone: str  # ok / warn / due / overdue / none (the CSS classes time-left-<tone>)
    words: str
    day: datetime.date | None = None


def today() -> datetime.date:
    return timezone.now().astimezone(calendar.SHANGHAI).date()


def _left(day: datetime.date, *, yellow: bool, what: str) -> Clock:
    """Working days from today to `day` (the end of that day is the limit), in words."""
    count = calendar.workdays_between_checked(today(), day)
    days = count.days
    if days < 0:
        tone = "overdue"
        words = ngettext("%(what)s已超期%(n)d个工作日", "%(what)s已超期%(n)d个工作日", -days) % {
            "what": what,
            "n": -days,
        }
    elif days == 0:
        tone, words = "due", _("%(what)s今天到期") % {"what": what}
    else:
        tone = "warn" if yellow else "ok"
        words = ngettext("%(what)s剩余%(n)d个工作日", "%(what)s剩余%(n)d个工作日", days) % {
            "what": what,
            "n": days,
        }
    if count.provisional:
        words = _("%(words)s（期限为暂定）") % {"words": words}
    return Clock(tone=tone, words=words, day=day)


def appeal_clock(appeal, part=None) -> Clock:
    """The one figure a list or page shows for an appeal: to sign for it (签收) while a
    unit's part waits for that, else to handle it (办理期限)."""
    waiting = appeal.status == AppealStatus.DISPATCHED or (
        getattr(part, "status", None) == "dispatched"
    )
    if (
        waiting
        and appeal.accept_by
        and appeal.status
        in (
            AppealStatus.DISPATCHED,
            AppealStatus.HANDLING,
        )
    ):
        return _left(appeal.accept_by, yellow=False, what=_("签收"))
    if appeal.status in (AppealStatus.HANDLING, AppealStatus.REPLIED) and appeal.due_on:
        return _left(appeal.due_on, yellow=appeal.warning == Warning.YELLOW, what=_("办理"))
    if appeal.status == AppealStatus.PENDING:
        return Clock(tone="none", words=_("待派单"))
    return Clock(tone="none", words=str(AppealStatus(appeal.status).label))


@register.simple_tag
def hotline_clock(appeal, part=None):
    return appeal_clock(appeal, part)


@register.filter
def hotline_warning_words(level) -> str:
    if level == Warning.RED:
        return _("红牌：已超期")
    if level == Warning.YELLOW:
        return _("黄牌：临近期限")
    return ""


@register.filter
def percent(confidence) -> str:
    """A classifier's confidence as a whole percentage (0.873 → 87%)."""
    try:
        return f"{round(float(confidence) * 100):d}%"
    except (TypeError, ValueError):
        return ""


def _menu(user) -> dict:
    from yiwang.identity import policy

    return {
        "may_record": policy.can(user, "hotline.record"),
        "may_dispatch": policy.can(user, "hotline.dispatch"),
        "may_handle": policy.can(user, "hotline.handle"),
        "may_read_knowledge": policy.can(user, "hotline.knowledge_read"),
        "may_supervise": policy.can(user, "hotline.supervise"),
    }


@register.inclusion_tag("hotline/workbench/_nav_items.html")
def hotline_workbench_nav(user, active=""):
    """Items (<li> rows) for the workbench sub-navigation, each for who may use it: 话务台
    and 回访 for agents, 派单台 and 派单规则 for dispatchers, 本单位诉求 for handlers, the
    knowledge base for the line's staff, 热线监督 for supervisors and dispatchers
    (identity/_workbench_nav.html includes it like the halls' items)."""
    return {**_menu(user), "active": active}
