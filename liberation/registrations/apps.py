from django.apps import AppConfig


class RegistrationsConfig(AppConfig):
    name = "liberation.registrations"
    label = "registrations"
    verbose_name = "Libération: registrations"

    def ready(self) -> None:
        from liberation.mail.registry import register_renderer

        from . import emails

        # The mail worker writes the bodies of our emails at delivery (emails.render).
        register_renderer(emails.SOURCE, emails.render)
