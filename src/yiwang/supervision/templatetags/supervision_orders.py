"""Template tags of supervision orders (督办单): the workbench rows, an order's deadline in
words, and the orders of a case on the workbench case page."""

from django import template

from yiwang.identity import policy

from .. import order_selectors

register = template.Library()


@register.simple_tag
def order_menu(user, count: bool = False) -> dict:
    """Which order pages the user's roles open, and (`count`) how many wait for them."""
    shown = policy.can(user, "supervision_order.view")
    return {
        "orders": shown,
        "issue": policy.can(user, "supervision_order.issue"),
        "awaiting": order_selectors.awaiting(user) if shown and count else 0,
    }


@register.simple_tag
def order_clock(order) -> dict:
    return order_selectors.clock(order)


@register.inclusion_tag("supervision/orders/_case_orders.html")
def case_supervision_orders(user, case):
    """The orders about a case (and its items) the user may see, and the 督办 link for a
    supervisor who may see the case."""
    shown = policy.can(user, "supervision_order.view")
    return {
        "case": case,
        "shown": shown,
        "orders": list(order_selectors.orders_for(user, status="all", case=case)) if shown else [],
        "may_issue": policy.can(user, "supervision_order.issue") and bool(case.number),
    }
