from django.apps import AppConfig


class SemanticConfig(AppConfig):
    name = "liberation.semantic"
    label = "semantic"
    verbose_name = "Libération: semantic search and related content"

    def ready(self) -> None:
        from liberation.content import providers
        from liberation.core.fragments import watched_models_register

        from . import selectors, services

        services.signals_connect()
        # First in a page's "Related content" cards (content never imports semantic).
        providers.related_by_meaning_register(provider=selectors.related_by_meaning)
        # The stored related content shows in the (cached) "Related content" cards; the
        # shared cache is not purged for it (core/surrogate.py: cards join on expiry).
        watched_models_register("semantic.pageembedding", purge=False)
