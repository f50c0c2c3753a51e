from django import template

from .. import selectors

register = template.Library()


@register.simple_tag
def may_manage_licenses(user) -> bool:
    """Menus: the user issues, confirms, revokes or replaces licences somewhere."""
    return selectors.may_manage(user)
