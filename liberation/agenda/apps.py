from django.apps import AppConfig


class AgendaConfig(AppConfig):
    name = "liberation.agenda"
    label = "agenda"
    verbose_name = "Libération: agenda"
