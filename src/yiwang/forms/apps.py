from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save
from django.utils.translation import gettext_lazy as _


class FormsConfig(AppConfig):
    name = "yiwang.forms"
    label = "forms"
    verbose_name = _("申请表与数据元")

    def ready(self):
        from yiwang.forms import definition, models

        # Compiled forms of published versions are kept per process; any change to the
        # dictionary they are compiled from makes them stale everywhere.
        for model in (models.CodeList, models.CodeEntry, models.DataElement, models.FormField):
            post_save.connect(definition.dictionary_changed, sender=model)
            post_delete.connect(definition.dictionary_changed, sender=model)
