from django.apps import AppConfig


class DiscoveryConfig(AppConfig):
    name = "liberation.discovery"
    label = "discovery"
    verbose_name = "Libération: search"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from . import indexing

        indexing.connect_signals()
