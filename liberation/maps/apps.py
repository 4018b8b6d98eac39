from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MapsConfig(AppConfig):
    name = "liberation.maps"
    label = "maps"
    verbose_name = _("Map and the Liberation day by day")
    default_auto_field = "django.db.models.BigAutoField"
