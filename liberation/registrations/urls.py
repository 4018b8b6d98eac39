"""Public registration URLs, under the language prefix (/fr/r/…, /en/r/…).

`r/<token>/` is the private management link that emails.py builds; the badge, built
elsewhere, lives at `r/<token>/badge/`.
"""

from django.urls import path

from liberation.core import converters  # noqa: F401  (registers <id:…>)

from . import views

app_name = "registrations"

urlpatterns = [
    path("r/inscription/<id:ceremony_id>/", views.register, name="register"),
    path("r/<str:token>/", views.manage, name="manage"),
    path("r/<str:token>/accept/", views.accept, name="accept"),
    path("r/<str:token>/cancel/", views.cancel, name="cancel"),
    path("r/<str:token>/companions/", views.companions, name="companions"),
    path("r/<str:token>/data/", views.data, name="data"),
]
