from django.apps import AppConfig


class PressConfig(AppConfig):
    name = "liberation.press"
    label = "press"
    verbose_name = "Libération: press accreditation"

    def ready(self) -> None:
        """Register the press badges with the gate and the journalists with the
        screening (neither imports anything of press), and the renderer of our
        decision emails with the mail worker."""
        from liberation.gate.sources import badge_source_register
        from liberation.mail.registry import register_renderer
        from liberation.screening.sources import screening_source_register

        from . import emails, gate, screening

        register_renderer(emails.SOURCE, emails.render)
        badge_source_register(gate.PRESS_SOURCE)
        screening_source_register(screening.PRESS_SCREENING)
