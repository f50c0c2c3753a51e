from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FormsConfig(AppConfig):
    name = "yiwang.forms"
    label = "forms"
    verbose_name = _("申请表与数据元")
