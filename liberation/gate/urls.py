"""Badges (registrant, by private token) and gate check-in (staff).

Included inside `i18n_patterns`, before Wagtail's catch-all:
    path("", include("liberation.gate.urls")),
The namespace stays `badges` (the URL names of docs/checkin.md).
"""

from django.urls import path

from liberation.core import converters  # noqa: F401  (registers <id:…>)

from . import badge_views, checkin_views

app_name = "badges"

urlpatterns = [
    path("r/<str:token>/badge/", badge_views.badge_page, name="badge"),
    path("r/<str:token>/badge.png", badge_views.badge_png, name="badge_png"),
    path("r/<str:token>/badge.pdf", badge_views.badge_pdf, name="badge_pdf"),
    path("controle/", checkin_views.checkin_index, name="checkin_index"),
    path("controle/sw.js", checkin_views.service_worker, name="checkin_sw"),
    path("controle/<id:ceremony_id>/", checkin_views.checkin_app, name="checkin"),
    path("controle/<id:ceremony_id>/data.json", checkin_views.checkin_data, name="checkin_data"),
    path(
        "controle/<id:ceremony_id>/revocations.json",
        checkin_views.checkin_revocations,
        name="checkin_revocations",
    ),
    path("controle/<id:ceremony_id>/scans/", checkin_views.checkin_scans, name="checkin_scans"),
]
