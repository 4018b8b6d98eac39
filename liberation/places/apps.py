from django.apps import AppConfig


class PlacesConfig(AppConfig):
    name = "liberation.places"
    label = "places"
    verbose_name = "Libération: places (official geographic code)"
