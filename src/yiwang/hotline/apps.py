from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HotlineConfig(AppConfig):
    name = "yiwang.hotline"
    label = "hotline"
    verbose_name = _("12345热线")

    def ready(self):
        from . import jobs, policy_rules, transitions  # noqa: F401
