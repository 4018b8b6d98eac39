from django.apps import AppConfig


class SiteConfig(AppConfig):
    """The top floor: it may import every other app, and none imports it."""

    name = "liberation.site"
    label = "site"
    verbose_name = "Libération: site bootstrap and demo content"

    def ready(self) -> None:
        from . import documents, programme_documents

        # The collection's published stories and the programme's public events in the
        # site search (docs/search.md).
        documents.register()
        programme_documents.register()
