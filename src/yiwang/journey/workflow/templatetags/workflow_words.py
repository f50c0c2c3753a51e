"""The back office in words: working days left with a tone (colour is only an extra),
warning levels, and a journey's events as the applicant reads them."""

from django import template
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from yiwang.identity import policy
from yiwang.journey.cases.models import Warning

from .. import position

register = template.Library()


def clock_words(case, due_on=None, provisional: bool = False):
    """The case's one "剩余" figure (position.clock); `due_on` and `provisional` are kept
    for older callers and ignored: a page shows one figure per case."""
    return position.clock(case)


@register.simple_tag
def task_clock(task):
    """A task in a list or on its page shows its case's figure (position.clock); the
    stage's own due date is shown as a date beside it."""
    return position.clock(task.case)


@register.simple_tag
def case_clock(case):
    return position.clock(case)


@register.simple_tag
def journey_position(case):
    """Where a journey (top-level case) stands: phase words, current steps and clock."""
    return position.of_journey(case)


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
    from yiwang.journey.cases.templatetags.case_words import status_words

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
        "tasks": policy.can(user, "task.handle"),
        "department": policy.can(user, "task.view_department"),
        "results": policy.can(user, "delivery.issue"),
        "warnings": policy.can(user, "case.view_warned"),
    }


@register.filter
def mask_name(name) -> str:
    """张*: the family name only (identity.validators.mask_name)."""
    from yiwang.identity.validators import mask_name as mask

    return mask(str(name or ""))
