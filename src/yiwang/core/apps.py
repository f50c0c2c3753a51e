from django.apps import AppConfig
from django.urls import register_converter


class CoreConfig(AppConfig):
    name = "yiwang.core"
    label = "core"
    verbose_name = "核心"

    def ready(self):
        from django.apps import apps

        from . import checks, jobs  # noqa: F401 - registers the system checks, the jobs
        from .converters import IdConverter

        register_converter(IdConverter, "id")
        from django.db.models.signals import pre_save

        from . import limits

        for model in apps.get_models():
            if model.__module__.startswith("yiwang."):
                pre_save.connect(limits.check_stored_text, sender=model, dispatch_uid=model)
