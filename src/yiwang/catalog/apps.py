from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CatalogConfig(AppConfig):
    name = "yiwang.catalog"
    label = "catalog"
    verbose_name = _("事项管理")

    def ready(self):
        from . import policy_rules  # noqa: F401
        from .search import receivers  # noqa: F401
