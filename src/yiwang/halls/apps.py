from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HallsConfig(AppConfig):
    name = "yiwang.halls"
    label = "halls"
    verbose_name = _("服务大厅")

    def ready(self):
        from . import jobs, policy_rules, transitions  # noqa: F401
