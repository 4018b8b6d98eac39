from django.apps import AppConfig


class SiteConfig(AppConfig):
    """The top floor: it may import every other app, and none imports it."""

    name = "liberation.site"
    label = "site"
    verbose_name = "Libération: site bootstrap and demo content"
