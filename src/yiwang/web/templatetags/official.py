"""Template filters of yiwang.core.official, loaded for every template (settings.TEMPLATES
builtins): `{{ item|official_name }}`, `{{ text|zh }}`, `{{ item|name_text }}` (plain, for
<title> and attributes), `{{ day|long_date }}`, `{{ moment|long_datetime }}`."""

from django import template

from yiwang.core import official

register = template.Library()

for _name in ["official_name", "name_text", "zh", "long_date", "long_datetime", "display_name"]:
    register.filter(_name, getattr(official, _name))
