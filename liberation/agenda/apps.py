from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AgendaConfig(AppConfig):
    name = "liberation.agenda"
    label = "agenda"
    verbose_name = "Libération: agenda"

    def ready(self):
        from liberation.core.navigation import nav_link_register

        nav_link_register(url_name="agenda", label=_("Agenda"), order=10)
