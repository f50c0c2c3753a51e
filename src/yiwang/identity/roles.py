"""Staff roles (docs/architecture.md, "Who sees what"). A role is granted per org unit and reaches its subtree."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    CLERK = "clerk", _("综合窗口受理员")
    APPROVER = "approver", _("审核员")
    CHIEF = "chief", _("审批负责人")
    ISSUER = "issuer", _("制证/出件员")
    CATALOG_ADMIN = "catalog_admin", _("事项管理员")
    CATALOG_REVIEWER = "catalog_reviewer", _("事项审核员")
    SUPERVISOR = "supervisor", _("电子监察员")
    HALL_MANAGER = "hall_manager", _("大厅管理员")
    WINDOW_STAFF = "window_staff", _("窗口人员")
    HOTLINE_AGENT = "hotline_agent", _("话务员")
    DISPATCHER = "dispatcher", _("派单员")
    HANDLER = "handler", _("承办人")
    OPERATOR = "operator", _("运维")


ALL_STAFF_ROLES = frozenset(Role)
