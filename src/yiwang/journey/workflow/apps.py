from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkflowConfig(AppConfig):
    name = "yiwang.journey.workflow"
    label = "workflow"
    verbose_name = _("审批流程")

    def ready(self):
        from . import handlers, policy_rules, receivers  # noqa: F401
