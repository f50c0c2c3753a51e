"""Workbench links of this app, for identity's workbench page and nav."""

from django import template

register = template.Library()


@register.inclusion_tag("feedback/_workbench_links.html")
def feedback_workbench_links(user):
    """Items for the workbench home's tool list (<li> rows)."""
    return {"user": user}


@register.inclusion_tag("feedback/_workbench_nav.html")
def feedback_workbench_nav(user, active=""):
    """Items for the workbench sub-navigation (<li> rows)."""
    return {"user": user, "active": active}
