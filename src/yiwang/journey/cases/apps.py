from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    name = "yiwang.journey.cases"
    label = "cases"
    verbose_name = _("办件")

    def ready(self):
        from . import policy_rules, receivers  # noqa: F401
