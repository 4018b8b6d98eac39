from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "liberation.core"
    label = "core"
    verbose_name = "Libération: core"

    def ready(self) -> None:
        from .fragments import connect_signals

        connect_signals()
