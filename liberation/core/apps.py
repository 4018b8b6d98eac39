from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "liberation.core"
    label = "core"
    verbose_name = "Libération: core"

    def ready(self) -> None:
        from . import fragments, purge, surrogate

        fragments.connect_signals()
        surrogate.connect_signals()
        purge.connect_signals()
