"""The catalogue's numbers in the words a citizen uses: 办理深度 1–4, 到现场次数 0/1/2, working
days with 0 = 即办, necessity and source of a material. Words, never colour alone."""

from django import template
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from yiwang.identity.models import OrgLevel

from ..models import Audience, MaterialSource, Necessity, OnlineDepth

register = template.Library()


@register.filter
def depth_words(depth) -> str:
    """1 信息公开 … 4 全程网办 (the national 办理深度 names)."""
    try:
        return str(OnlineDepth(int(depth)).label)
    except (TypeError, ValueError):
        return ""


@register.filter
def depth_explained(depth) -> str:
    explanations = {
        OnlineDepth.INFORMATION: _("网上可以查看办事指南，需要到窗口申请和领取结果。"),
        OnlineDepth.APPOINTMENT: _("网上可以预约、下载表格，需要到窗口申请。"),
        OnlineDepth.ONLINE_APPLY: _("网上提交申请，到窗口领取结果。"),
        OnlineDepth.FULLY_ONLINE: _("从申请到拿到结果，都可以在网上完成。"),
    }
    try:
        return str(explanations[OnlineDepth(int(depth))])
    except (TypeError, ValueError, KeyError):
        return ""


@register.filter
def visits_words(visits) -> str:
    """到现场次数: 0 零跑腿, 1 最多跑一次, 2 最多跑两次."""
    try:
        visits = int(visits)
    except (TypeError, ValueError):
        return ""
    if visits == 0:
        return _("零跑腿")
    if visits == 1:
        return _("最多跑一次")
    if visits == 2:
        return _("最多跑两次")
    return _("最多跑%(n)d次") % {"n": visits}


@register.filter
def visits_explained(visits) -> str:
    try:
        visits = int(visits)
    except (TypeError, ValueError):
        return ""
    if visits == 0:
        return _("不用去现场。")
    return ngettext(
        "材料齐全时，最多去现场 %(n)d 次。",
        "材料齐全时，最多去现场 %(n)d 次。",
        visits,
    ) % {"n": visits}


@register.filter
def days_words(days) -> str:
    """Working days; 0 = 即办 (handled on the spot)."""
    try:
        days = int(days)
    except (TypeError, ValueError):
        return ""
    if days == 0:
        return _("即办")
    return ngettext("%(n)d个工作日", "%(n)d个工作日", days) % {"n": days}


@register.filter
def level_words(level) -> str:
    try:
        return str(OrgLevel(level).label)
    except ValueError:
        return ""


@register.filter
def level_place(level) -> str:
    places = {
        OrgLevel.DISTRICT: _("在区政务服务中心办理"),
        OrgLevel.STREET: _("在街道便民服务中心办理"),
        OrgLevel.COMMUNITY: _("在社区服务站办理"),
    }
    try:
        return str(places[OrgLevel(level)])
    except (ValueError, KeyError):
        return ""


@register.filter
def audience_words(audience) -> str:
    words = {
        Audience.PERSON: _("个人"),
        Audience.ENTERPRISE: _("企业和单位"),
        Audience.BOTH: _("个人、企业和单位"),
    }
    try:
        return str(words[Audience(audience)])
    except (ValueError, KeyError):
        return ""


@register.filter
def source_words(source) -> str:
    words = {
        MaterialSource.APPLICANT: _("自己准备"),
        MaterialSource.GOVERNMENT: _("由政府部门核发，请带上"),
        MaterialSource.LICENSE_LIBRARY: _("可从电子证照库调取，无需提交"),
        MaterialSource.DATA_SHARING: _("部门间共享获取，无需提交"),
    }
    try:
        return str(words[MaterialSource(source)])
    except (ValueError, KeyError):
        return str(source or "")


@register.filter
def needs_no_paper(source) -> bool:
    return source in (MaterialSource.LICENSE_LIBRARY, MaterialSource.DATA_SHARING)


@register.filter
def necessity_words(necessity) -> str:
    try:
        return str(Necessity(necessity).label)
    except ValueError:
        return ""


@register.filter
def necessity_explained(necessity) -> str:
    words = {
        Necessity.REQUIRED: _("必须提交"),
        Necessity.OPTIONAL: _("有就提交，没有也可以办"),
        Necessity.TOLERATED: _("暂时没有也能先受理，之后再补交"),
    }
    try:
        return str(words[Necessity(necessity)])
    except (ValueError, KeyError):
        return ""


@register.filter
def promised_words(days) -> str:
    """承诺办结时限 as a sentence fragment for cards: 0 = 当场办结."""
    try:
        days = int(days)
    except (TypeError, ValueError):
        return ""
    if days == 0:
        return _("当场办结")
    return ngettext("承诺%(n)d个工作日办结", "承诺%(n)d个工作日办结", days) % {"n": days}
