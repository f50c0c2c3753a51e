from django.apps import AppConfig
from django.urls import register_converter


class ApiConfig(AppConfig):
    name = "yiwang.api"
    label = "api"

    def ready(self):
        from .converters import IdConverter

        register_converter(IdConverter, "id")
