from django import template

from yiwang.identity import policy

register = template.Library()


@register.simple_tag
def may_manage_catalog(user) -> bool:
    """For menus: does the user hold a catalogue role (or is a superuser)?"""
    return policy.can(user, "catalog.view_drafts")
