"""Figures in words for the supervision pages: rates as per cent (or "—" without a base)
and a case's deadline as the supervisor reads it (days left, overdue, or how it ended)."""

from django import template
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from yiwang.journey.cases.models import Status
from yiwang.journey.workflow.templatetags.workflow_words import case_clock
from yiwang.workdays import calendar

register = template.Library()

FINISHED = {Status.APPROVED, Status.APPROVED_TOLERATED, Status.DENIED, Status.REVOKED}


@register.filter
def percent(rate) -> str:
    return "—" if rate is None else f"{rate * 100:.1f}%"


@register.filter
def thousands(value):
    """12345 → 12,345 (counts on the cards); anything else as it is."""
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    return value


@register.simple_tag
def figure_clock(case) -> dict:
    """{tone, words}: open cases as the back office shows them (剩余 / 已超期 … 个工作日);
    concluded ones by how they ended against the promised deadline."""
    if case.status in FINISHED and case.concluded_at is not None:
        if case.promised_due_on is None:
            return {"tone": "none", "words": _("已办结")}
        day = case.concluded_at.astimezone(calendar.SHANGHAI).date()
        late = calendar.workdays_between_checked(case.promised_due_on, day).days
        if late > 0:
            words = ngettext("超期%(n)d个工作日办结", "超期%(n)d个工作日办结", late) % {"n": late}
            return {"tone": "overdue", "words": words}
        return {"tone": "ok", "words": _("按时办结")}
    if case.status in (Status.REFUSED, Status.WITHDRAWN):
        return {"tone": "none", "words": case.get_status_display()}
    return case_clock(case)
