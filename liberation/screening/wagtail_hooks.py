"""Screening's admin URLs, under registrations' ceremony pages (same paths as before the
app was split off): /admin/registrations/ceremonies/<pk>/screening/export/ and import/,
URL names `screening:export` and `screening:import`."""

from django.urls import include, path
from wagtail import hooks

from .views import ScreeningExportView, ScreeningImportView

app_name = "screening"

urlpatterns = [
    path("<int:pk>/screening/export/", ScreeningExportView.as_view(), name="export"),
    path("<int:pk>/screening/import/", ScreeningImportView.as_view(), name="import"),
]


@hooks.register("register_admin_urls")
def register_screening_urls():
    return [path("registrations/ceremonies/", include((urlpatterns, app_name)))]
