"""The back office in words: working days left with a tone (colour is only an extra),
warning levels, and a journey's events as the applicant reads them."""

from django import template
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.utils.translation import ngettext, pgettext

from yiwang.cases.models import Status, Warning
from yiwang.identity import policy
from yiwang.identity.roles import Role
from yiwang.workdays import calendar

from .. import clocks

register = template.Library()


def _clock_day(case):
    """The day a clock shows: today, or the day it stopped. Pages prefetch a case's open
    suspension as `open_pauses` (one query per page); otherwise clocks asks."""
    if case.status != Status.SUSPENDED:
        return clocks.today()
    pauses = getattr(case, "open_pauses", None)
    if pauses is None:
        pauses = list(case.suspensions.filter(ended_on__isnull=True))
    return pauses[0].started_on if pauses else clocks.today()


def clock_words(case, due_on, provisional: bool) -> dict:
    """{tone, words} for a deadline: ok / warn / overdue / paused, always with words
    ("剩余3个工作日", "已超期2个工作日", "暂停计时", "期限为暂定")."""
    if due_on is None:
        return {"tone": "none", "words": _("受理后开始计时"), "days": None}
    left = calendar.workdays_between_checked(_clock_day(case), due_on)
    days = left.days
    if days < 0:
        tone = "overdue"
        words = ngettext("已超期%(n)d个工作日", "已超期%(n)d个工作日", -days) % {"n": -days}
    elif days == 0:
        tone, words = "due", _("今天到期")
    else:
        tone = "ok"
        words = ngettext("剩余%(n)d个工作日", "剩余%(n)d个工作日", days) % {"n": days}
    parts = [words]
    if case.status == Status.SUSPENDED:
        tone = "paused"
        parts.insert(0, _("暂停计时"))
    if provisional or left.provisional:
        parts.append(_("期限为暂定"))
    return {
        "tone": tone,
        "words": pgettext("clause separator", "，").join(str(p) for p in parts),
        "days": days,
    }


@register.simple_tag
def task_clock(task) -> dict:
    clock = clock_words(task.case, task.due_on, task.due_provisional)
    if task.warning == Warning.YELLOW and clock["tone"] == "ok":
        clock["tone"] = "warn"
    return clock


@register.simple_tag
def case_clock(case) -> dict:
    clock = clock_words(case, case.promised_due_on, case.due_provisional)
    if case.warning == Warning.YELLOW and clock["tone"] == "ok":
        clock["tone"] = "warn"
    return clock


@register.filter
def warning_words(level) -> str:
    if level == Warning.RED:
        return _("红牌：超期")
    if level == Warning.YELLOW:
        return _("黄牌：临近期限")
    return ""


_EVENTS = {
    "task_pushed": _lazy("推送至部门办理"),
    "task_done": _lazy("部门已办理"),
    "extension_requested": _lazy("申请延期"),
    "extension_rejected": _lazy("延期未获批准"),
    "clock": _lazy("办理期限调整"),
    "result_ready": _lazy("办理结果已准备好"),
    "material_produced": _lazy("前序事项的证照转为后续事项的材料"),
    "delivery_chosen": _lazy("选择送达方式"),
    "delivered": _lazy("已领取办理结果"),
    "shipped": _lazy("办理结果已寄出"),
    "overdue_told": _lazy("超期致歉并告知联系方式"),
    "urged": _lazy("申请人催办"),
}


@register.filter
def event_words(event) -> str:
    """What happened, in plain words: the status reached, or the step taken."""
    from yiwang.cases.templatetags.case_words import status_words

    if event.action in _EVENTS:  # steps keep the status: to_status == from_status
        return str(_EVENTS[event.action])
    if event.to_status:
        return status_words(event.to_status)
    return event.action


@register.filter
def decision_tone(decision) -> str:
    return {"approve": "ok", "deny": "end", "return": "act"}.get(decision, "wait")


@register.simple_tag
def workflow_menu(user) -> dict:
    """Which back-office pages the user's roles open (for the workbench links)."""
    return {
        "tasks": policy.has_role(user, Role.APPROVER, Role.CHIEF),
        "department": policy.has_role(user, Role.CHIEF, Role.SUPERVISOR),
        "results": policy.has_role(user, Role.ISSUER),
        "warnings": policy.has_role(
            user, Role.APPROVER, Role.CHIEF, Role.SUPERVISOR, Role.CLERK, Role.ISSUER
        ),
    }
