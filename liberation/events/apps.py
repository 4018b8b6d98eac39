from django.apps import AppConfig

# Upcoming ceremonies shown on the home page.
HOME_CEREMONIES = 3


class EventsConfig(AppConfig):
    name = "liberation.events"
    label = "events"
    verbose_name = "Libération: ceremonies"

    def ready(self) -> None:
        """Events sits above content: it tells content what its pages show of ceremonies
        (content never imports events; see content/providers.py)."""
        from liberation.content import providers

        from .models import CeremonyPage
        from .selectors import upcoming_ceremonies

        providers.listing_type_register(key="ceremony", model=CeremonyPage)
        providers.home_context_register(
            name="ceremonies",
            provider=lambda *, locale: upcoming_ceremonies(locale=locale, limit=HOME_CEREMONIES),
        )
