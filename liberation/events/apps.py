from django.apps import AppConfig


class EventsConfig(AppConfig):
    name = "liberation.events"
    label = "events"
    verbose_name = "Libération: ceremonies"
