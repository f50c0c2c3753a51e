"""Filters of the hall's figures: `{{ seconds|minutes }}` ("12.5分钟", "—" without data) and
`{{ rate|percent }}` ("4.2%")."""

from django import template

from yiwang.halls import figures_views

register = template.Library()
register.filter("minutes", figures_views.minutes)
register.filter("percent", figures_views.percent)
