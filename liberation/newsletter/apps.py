from django.apps import AppConfig


class NewsletterConfig(AppConfig):
    name = "liberation.newsletter"
    label = "newsletter"
    verbose_name = "Libération: newsletter"

    def ready(self) -> None:
        from liberation.mail.registry import register_renderer

        from . import emails

        # Campaign emails are written at delivery (100,000 stored bodies would weigh
        # hundreds of megabytes); confirmations and digests store their text.
        register_renderer(emails.SOURCE, emails.render)
