from django.apps import AppConfig


class ContentConfig(AppConfig):
    name = "liberation.content"
    label = "content"
    verbose_name = "Libération: content"
