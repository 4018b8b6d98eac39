from django.apps import AppConfig


class ContentConfig(AppConfig):
    name = "liberation.content"
    label = "content"
    verbose_name = "Libération: content"

    def ready(self) -> None:
        from liberation.core.fragments import watched_models_register

        # Theme and place names show in cards, filters and page facts.
        watched_models_register("content.theme", "content.place")
