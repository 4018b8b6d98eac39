from django.apps import AppConfig


class PressConfig(AppConfig):
    name = "liberation.press"
    label = "press"
    verbose_name = "Libération: press accreditation"

    def ready(self) -> None:
        """Register the press badges with the gate (which imports nothing of press) and
        the renderer of our decision emails with the mail worker."""
        from liberation.gate.sources import badge_source_register
        from liberation.mail.registry import register_renderer

        from . import emails, gate

        register_renderer(emails.SOURCE, emails.render)
        badge_source_register(gate.PRESS_SOURCE)
