"""Workbench links of this app, for identity's workbench page and nav."""

from django import template

register = template.Library()


@register.inclusion_tag("supervision/_workbench_links.html")
def supervision_workbench_links(user):
    """Items for the workbench home's tool list (<li> rows)."""
    return {"user": user}


@register.inclusion_tag("supervision/_workbench_nav.html")
def supervision_workbench_nav(user, active=""):
    """Items for the workbench sub-navigation (<li> rows)."""
    return {"user": user, "active": active}


@register.simple_tag
def may_supervise(user) -> bool:
    """Whether the user opens the figures pages (效能监察, ranking)."""
    from yiwang.supervision.selectors import may_view

    return may_view(user)
