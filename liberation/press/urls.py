"""The journalist's pages, inside i18n_patterns: /fr/accreditation/… and /en/accreditation/…"""

from django.urls import path

from liberation.core import converters  # noqa: F401  (registers <id:…>)

from . import views

app_name = "press"

urlpatterns = [
    path("accreditation/", views.index, name="index"),
    path("accreditation/sent/", views.sent, name="sent"),
    path("accreditation/<id:press_id>/", views.start, name="start"),
    path("accreditation/a/<str:token>/", views.space, name="space"),
    path("accreditation/a/<str:token>/withdraw/", views.withdraw, name="withdraw"),
    path("accreditation/a/<str:token>/badge/", views.badge, name="badge"),
]
