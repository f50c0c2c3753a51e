"""好差评 in words: a rectification's deadline as words with a tone (colour is only an
extra), the history's steps, and the rating state of a case for the citizen's page."""

from django import template
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext, pgettext

from yiwang.workdays import calendar

from .. import selectors, services
from ..models import BAD_LEVELS, RectificationStatus

register = template.Library()


@register.simple_tag
def rectification_clock(rectification) -> dict:
    """{tone, words}: ok / due / overdue while the department owes work, done after."""
    status = rectification.status
    if status == RectificationStatus.CLOSED:
        day = rectification.closed_at
        day = day.astimezone(calendar.SHANGHAI).date().isoformat() if day else ""
        return {"tone": "none", "words": _("%(day)s 已办结") % {"day": day}}
    if status == RectificationStatus.VERIFIED:
        return {"tone": "none", "words": _("整改已核实，待回访")}
    left = calendar.workdays_between_checked(services.today(), rectification.due_on)
    days = left.days
    if days < 0:
        tone = "overdue"
        words = ngettext("已超期%(n)d个工作日", "已超期%(n)d个工作日", -days) % {"n": -days}
    elif days == 0:
        tone, words = "due", _("今天到期")
    else:
        tone = "ok"
        words = ngettext("剩余%(n)d个工作日", "剩余%(n)d个工作日", days) % {"n": days}
    if rectification.due_provisional or left.provisional:
        words = pgettext("clause separator", "，").join([words, _("期限为暂定")])
    return {"tone": tone, "words": words}


@register.filter
def level_tone(level) -> str:
    """good / fair / bad, for the colour next to the level's words."""
    if level in BAD_LEVELS:
        return "bad"
    return "good" if level >= 4 else "fair"


_STEPS = {
    "open": gettext_lazy("收到差评，转责任部门整改"),
    "respond": gettext_lazy("部门反馈整改情况"),
    "verify": gettext_lazy("电子监察员核实通过"),
    "return": gettext_lazy("退回重新整改"),
    "callback": gettext_lazy("回访群众，整改办结"),
    "overdue": gettext_lazy("超过整改期限（红牌）"),
}


@register.filter
def step_words(event) -> str:
    return str(_STEPS.get(event.action, event.action))


@register.simple_tag
def case_rating(case, user) -> dict:
    """For the citizen's case page: the rating given, or whether it may be given now."""
    if case is None or case.parent_id:
        return {"evaluation": None, "rateable": False}
    evaluation = selectors.evaluation_of(case)
    return {
        "evaluation": evaluation,
        "rateable": evaluation is None and services.is_rateable(user, case),
    }
