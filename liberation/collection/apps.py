from django.apps import AppConfig


class CollectionConfig(AppConfig):
    name = "liberation.collection"
    label = "collection"
    verbose_name = "Libération: collection of testimonies"

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy as _

        from liberation.core.navigation import nav_link_register
        from liberation.mail.registry import register_renderer

        from . import emails

        # The mail worker writes the bodies of decision emails at delivery.
        register_renderer(emails.DECISION_SOURCE, emails.render)
        # The collection in the main menu, after the agenda and the map.
        nav_link_register(url_name="collection:index", label=_("The collection"), order=30)
