"""Workbench links of the hall, for identity's workbench page and nav: the window's
workbench for window staff and hall managers, each managed hall's settings for managers."""

from django import template

from yiwang.identity import policy

register = template.Library()


def _links(user) -> dict:
    from yiwang.halls.selectors_window import managed_halls

    may_window = policy.can(user, "hall.operate_window")
    may_manage = policy.can(user, "hall.manage")
    return {
        "user": user,
        "may_window": may_window,
        "managed": list(managed_halls(user)) if may_manage else [],
    }


@register.inclusion_tag("halls/_workbench_links.html")
def halls_workbench_links(user):
    """Items for the workbench home's tool list (<li> rows)."""
    return _links(user)


@register.inclusion_tag("halls/_workbench_nav.html")
def halls_workbench_nav(user, active=""):
    """Items for the workbench sub-navigation (<li> rows)."""
    return {**_links(user), "active": active}
