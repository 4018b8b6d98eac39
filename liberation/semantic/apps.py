from django.apps import AppConfig


class SemanticConfig(AppConfig):
    name = "liberation.semantic"
    label = "semantic"
    verbose_name = "Libération: semantic search and related content"

    def ready(self) -> None:
        from . import services

        services.signals_connect()
