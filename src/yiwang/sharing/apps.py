from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SharingConfig(AppConfig):
    name = "yiwang.sharing"
    label = "sharing"
    verbose_name = _("基础库与数据共享")

    def ready(self):
        from . import policy_rules  # noqa: F401
