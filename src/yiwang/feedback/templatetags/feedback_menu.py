"""Workbench links of this app, for identity's workbench page and nav."""

from django import template

from yiwang.identity import policy

register = template.Library()


def _may_view(user) -> bool:
    return policy.can(user, "rectification.view")


@register.inclusion_tag("feedback/_workbench_links.html")
def feedback_workbench_links(user):
    """Items for the workbench home's tool list (<li> rows)."""
    return {"user": user, "may_view": _may_view(user)}


@register.inclusion_tag("feedback/_workbench_nav.html")
def feedback_workbench_nav(user, active=""):
    """Items for the workbench sub-navigation (<li> rows)."""
    return {"user": user, "active": active, "may_view": _may_view(user)}
