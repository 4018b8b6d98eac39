"""The map and the Liberation day by day.

Included inside `i18n_patterns`, before Wagtail's catch-all:
    path("", include("liberation.maps.urls")),
The paths are translated (French catalogue): /fr/carte/…, /en/map/….
"""

from django.urls import path
from django.utils.translation import pgettext_lazy

from . import views

app_name = "maps"

urlpatterns = [
    path(pgettext_lazy("URL", "map/"), views.map_page, name="map"),
    path(pgettext_lazy("URL", "map/data.json"), views.map_data, name="data"),
    path(pgettext_lazy("URL", "map/event/<str:public_id>.json"), views.map_event, name="event"),
    path(pgettext_lazy("URL", "map/liberation/"), views.liberation_day, name="liberation"),
]
