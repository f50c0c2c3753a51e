from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LicensesConfig(AppConfig):
    name = "yiwang.licenses"
    label = "licenses"
    verbose_name = _("电子证照库")

    def ready(self):
        from . import policy_rules  # noqa: F401
