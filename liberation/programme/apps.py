from django.apps import AppConfig


class ProgrammeConfig(AppConfig):
    name = "liberation.programme"
    label = "programme"
    verbose_name = "Libération: label programme"

    def ready(self) -> None:
        from liberation.mail.registry import register_renderer

        from . import review_emails

        # The mail worker writes the bodies of decision emails at delivery.
        register_renderer(review_emails.SOURCE, review_emails.render)
