from django.apps import AppConfig


class CollectionConfig(AppConfig):
    name = "liberation.collection"
    label = "collection"
    verbose_name = "Libération: collection of testimonies"

    def ready(self) -> None:
        from liberation.mail.registry import register_renderer

        from . import emails

        # The mail worker writes the bodies of decision emails at delivery.
        register_renderer(emails.DECISION_SOURCE, emails.render)
