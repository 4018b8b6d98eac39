"""The project's URLs with discovery mounted, as liberation/urls.py will have them."""

from django.conf.urls.i18n import i18n_patterns
from django.urls import include, path

from liberation import urls as project_urls

urlpatterns = [
    path("api/", include("liberation.discovery.api")),
    *i18n_patterns(path("", include("liberation.discovery.urls")), prefix_default_language=True),
    *project_urls.urlpatterns,
]
handler404 = project_urls.handler404
handler500 = project_urls.handler500
