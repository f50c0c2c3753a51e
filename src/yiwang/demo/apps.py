from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "yiwang.demo"
    label = "demo"
