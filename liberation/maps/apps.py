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

        from liberation.agenda.alternates import agenda_view_register
        from liberation.content.providers import home_context_register
        from liberation.core.navigation import nav_link_register

        def provider(*, locale):
            from .selectors import eighty_years_ago

            # Computed only when the home template reads it.
            return SimpleLazyObject(lambda: eighty_years_ago(timezone.localdate(), locale=locale))

        home_context_register(name="eighty_years_ago", provider=provider)
        nav_link_register(url_name="maps:map", label=_("Map"), order=20)
        agenda_view_register(url_name="maps:map", label=_("See these events on the map"))
