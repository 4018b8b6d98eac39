from django.apps import AppConfig


class SemanticConfig(AppConfig):
    name = "liberation.semantic"
    label = "semantic"
    verbose_name = "Libération: semantic search and related content"

    def ready(self) -> None:
        from liberation.core.fragments import watched_models_register

        from . import services

        services.signals_connect()
        # The stored related content shows in the (cached) "Related content" cards.
        watched_models_register("semantic.pageembedding")
