"""A case in the words its applicant and clerk use: status, what to do next, deadlines and
the time left under Art. 32. Words always, colour only as an extra."""

import datetime

from django import template
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.utils.translation import ngettext

from yiwang.catalog.models import MaterialSource
from yiwang.core import official
from yiwang.core.dates import long_date

from .. import reuse
from ..models import CaseMaterial, Status

register = template.Library()

_PLAIN = {
    Status.DRAFT: _lazy("草稿，还没有提交"),
    Status.SUBMITTED: _lazy("已提交，等待窗口受理"),
    Status.SUPPLEMENT: _lazy("需要补正材料"),
    Status.ACCEPTED: _lazy("已受理，正在办理"),
    Status.REFUSED: _lazy("不予受理"),
    Status.WITHDRAWN: _lazy("已撤回"),
    Status.IN_REVIEW: _lazy("已受理，正在办理（各部门审查中）"),
    Status.SUSPENDED: _lazy("特别程序中，暂停计时"),
    Status.APPROVED: _lazy("已办结：准予许可"),
    Status.APPROVED_TOLERATED: _lazy("已办结（容缺）"),
    Status.DENIED: _lazy("已办结：不予许可"),
    Status.REVOKED: _lazy("已撤销"),
}

# The tone of a status for its badge: ok / wait / act / end.
_TONE = {
    Status.DRAFT: "act",
    Status.SUPPLEMENT: "act",
    Status.SUBMITTED: "wait",
    Status.ACCEPTED: "ok",
    Status.IN_REVIEW: "ok",
    Status.SUSPENDED: "wait",
    Status.APPROVED: "ok",
    Status.APPROVED_TOLERATED: "ok",
    Status.REFUSED: "end",
    Status.DENIED: "end",
    Status.WITHDRAWN: "end",
    Status.REVOKED: "end",
}


def _day(value) -> str:
    return long_date(value)


@register.filter
def status_words(status) -> str:
    try:
        return str(_PLAIN[Status(status)])
    except (ValueError, KeyError):
        return ""


@register.filter
def status_tone(status) -> str:
    try:
        return _TONE[Status(status)]
    except (ValueError, KeyError):
        return "wait"


@register.filter
def day_words(value) -> str:
    return _day(value)


@register.filter
def next_step(case) -> str:
    """What the applicant does next, in one sentence."""
    status = case.status
    if status == Status.DRAFT:
        return _("填写申请表、上传材料，然后提交申请。")
    if status == Status.SUBMITTED:
        if case.intake_due_on:
            return _("不用操作。窗口会在%(day)s前受理或告知您需要补正的材料。") % {
                "day": _day(case.intake_due_on)
            }
        return _("不用操作，等待窗口受理。")
    if status == Status.SUPPLEMENT:
        return _("请按一次性告知书补齐材料，然后重新提交。")
    if status in (Status.ACCEPTED, Status.IN_REVIEW):
        if overdue(case):
            return overdue_words(case)
        if case.promised_due_on:
            return _("不用操作。承诺在%(day)s前办结。") % {"day": _day(case.promised_due_on)}
        return _("不用操作，等待办理结果。")
    if status == Status.SUSPENDED:
        return _("办理暂停计时（听证、检验、专家评审等），完成后继续办理。")
    if status in (Status.APPROVED, Status.APPROVED_TOLERATED, Status.DENIED):
        delivered = _result_words(case)
        if delivered:
            return delivered
    if status in (Status.APPROVED, Status.APPROVED_TOLERATED):
        return _("办理完成，请按通知领取办理结果。")
    if status == Status.REFUSED:
        return _("请查看不予受理决定书中的理由；材料齐全后可以重新申请。")
    if status == Status.DENIED:
        return _("请查看不予许可决定书中的理由和救济途径。")
    return _("不用操作。")


@register.filter
def overdue(case, today: datetime.date | None = None) -> bool:
    """Past its promised deadline while its clock runs (a paused clock is not overdue)."""
    return bool(
        case.status in (Status.ACCEPTED, Status.IN_REVIEW)
        and case.promised_due_on
        and case.promised_due_on < (today or timezone.localdate())
    )


def overdue_words(case) -> str:
    """An overdue case owns up: it says so, apologises, names who handles it and how to
    reach them, and where to urge (催办, on the case's page)."""
    org = case.department or case.place
    words = {
        "day": _day(case.promised_due_on),
        "org": official.display_name(org),
        "phone": org.phone,
    }
    if org.phone:
        return (
            _(
                "已超过承诺的办结期限（%(day)s），非常抱歉。%(org)s正在办理，"
                "咨询电话%(phone)s；您可以在办件页面催办。"
            )
            % words
        )
    return (
        _("已超过承诺的办结期限（%(day)s），非常抱歉。%(org)s正在办理；您可以在办件页面催办。")
        % words
    )


def _result_words(case) -> str:
    """Where the result is, once the back office made it ready (workflow's delivery)."""
    from django.core.exceptions import ObjectDoesNotExist

    try:
        delivery = case.delivery
    except (ObjectDoesNotExist, AttributeError):
        return ""
    if delivery.status == "delivered":
        if delivery.tracking_number:
            return _("办理结果已寄出，运单号 %(number)s。") % {"number": delivery.tracking_number}
        return _("办理结果已在窗口领取，办理完毕。")
    if delivery.status == "ready":
        if delivery.method == "mail":
            return _("办理结果已准备好，等待寄出，寄出后会告诉您运单号。")
        return _("办理结果已准备好，请带身份证到%(place)s窗口领取。") % {
            "place": official.display_name(case.place)
        }
    return ""


@register.filter
def deadline_words(case) -> str:
    """The promised deadline as a sentence, with the caveat when holidays are not known."""
    if not case.promised_due_on:
        return ""
    words = _("承诺%(day)s前办结（法定期限%(statutory)s）") % {
        "day": _day(case.promised_due_on),
        "statutory": _day(case.statutory_due_on),
    }
    if case.due_provisional:
        words += _("。节假日安排未公布，期限为暂定")
    return words


@register.filter
def necessity_of(material: CaseMaterial) -> str:
    if not material.required:
        return _("非必要")
    if material.tolerable:
        return _("可容缺后补")
    return _("必要")


@register.filter
def from_license_library(material: CaseMaterial) -> bool:
    return any(r.source == MaterialSource.LICENSE_LIBRARY for r in material.requirements.all())


@register.filter
def license_taken(material: CaseMaterial) -> dict | None:
    """The licence the material was taken from (masked number, type, verify link), if any."""
    if material.state != CaseMaterial.State.FROM_LICENSE or not material.license_id:
        return None
    return reuse.license_view(material.license)


@register.filter
def needed_by(material: CaseMaterial) -> list[str]:
    names = []
    for requirement in material.requirements.all():
        if requirement.version.name not in names:
            names.append(requirement.version.name)
    return names


@register.filter
def file_size(size) -> str:
    try:
        size = int(size)
    except (TypeError, ValueError):
        return ""
    if size < 1024:
        return _("%(n)d 字节") % {"n": size}
    if size < 1024 * 1024:
        return f"{size / 1024:.0f} KB"
    return f"{size / (1024 * 1024):.1f} MB"


@register.filter
def previewable(case_file) -> str:
    """'image', 'pdf' or '' for how the checklist shows a file inline."""
    if case_file.content_type in ("image/jpeg", "image/png"):
        return "image"
    if case_file.content_type == "application/pdf":
        return "pdf"
    return ""


def intake_time_left(due: datetime.date | None, today: datetime.date | None = None) -> dict:
    """行政许可法 第三十二条: the window answers within 5 working days of receipt. Words and
    a tone: ok (more than 1 day), warn (1 day), due (today), overdue."""
    from yiwang.workdays import calendar

    if due is None:
        return {"tone": "ok", "words": ""}
    today = today or timezone.localdate()
    if due < today:
        return {"tone": "overdue", "words": _("已逾期")}
    if due == today:
        return {"tone": "due", "words": _("今天到期")}
    left = calendar.workdays_between_checked(today, due).days
    words = ngettext("剩余%(n)d个工作日", "剩余%(n)d个工作日", left) % {"n": left}
    return {"tone": "warn" if left <= 1 else "ok", "words": words}


@register.simple_tag
def time_left(case, today=None) -> dict:
    return intake_time_left(case.intake_due_on, today)


@register.simple_tag
def may_intake(user) -> bool:
    """For links on the workbench: does the user work at a comprehensive window?"""
    from yiwang.identity import policy

    return policy.can(user, "case.intake")
