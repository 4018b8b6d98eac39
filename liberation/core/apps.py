from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "liberation.core"
    label = "core"
    verbose_name = "Libération: core"
