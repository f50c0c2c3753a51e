from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IdentityConfig(AppConfig):
    name = "yiwang.identity"
    label = "identity"
    verbose_name = _("身份与机构")

    def ready(self):
        from . import holders, policy_rules, signals  # noqa: F401  (registers rules and receivers)
