from django import template

from yiwang.identity import policy

register = template.Library()


@register.simple_tag
def may_lookup_base_data(user) -> bool:
    """Holds a role that may ask the base libraries (for a case they handle)."""
    return policy.can(user, "sharing.lookup")
