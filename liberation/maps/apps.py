from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MapsConfig(AppConfig):
    name = "liberation.maps"
    label = "maps"
    verbose_name = _("Map and the Liberation day by day")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from django.utils import timezone
        from django.utils.functional import SimpleLazyObject

        from liberation.content.providers import home_context_register

        def provider(*, locale):
            from .selectors import eighty_years_ago

            # Computed only when the home template reads it.
            return SimpleLazyObject(lambda: eighty_years_ago(timezone.localdate(), locale=locale))

        home_context_register(name="eighty_years_ago", provider=provider)
