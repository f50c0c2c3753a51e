from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SupervisionConfig(AppConfig):
    name = "yiwang.supervision"
    label = "supervision"
    verbose_name = _("电子监察")

    def ready(self):
        from . import jobs, order_jobs, policy_rules  # noqa: F401
