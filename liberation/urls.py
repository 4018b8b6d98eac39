from django.conf.urls.i18n import i18n_patterns
from django.urls import include, path
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.contrib.sitemaps.views import sitemap
from wagtail.documents import urls as wagtaildocs_urls

from liberation.content.feeds import latest_content_feed
from liberation.core import login_throttle
from liberation.core import media as core_media
from liberation.core import views as core_views
from liberation.core.seo import PageSitemap
from liberation.site import openapi as site_openapi

urlpatterns = [
    # Machine-readable files at the root, for every language.
    path("robots.txt", core_views.robots_txt, name="robots_txt"),
    path("sitemap.xml", sitemap, {"sitemaps": {"pages": PageSitemap}}, name="sitemap"),
    path("admin/login/", login_throttle.throttled_login),  # before Wagtail's own
    path("admin/", include(wagtailadmin_urls)),
    path("documents/", include(wagtaildocs_urls)),
    path("api/communes/", include("liberation.places.api")),
    # The merged OpenAPI document (search + agenda) before discovery's own route.
    path("api/openapi.json", site_openapi.openapi, name="api_openapi"),
    path("api/agenda/", include("liberation.agenda.api")),
    path("api/", include("liberation.discovery.api")),
]

# Uploaded files in development, with safe headers (production: the proxy serves them).
urlpatterns += core_media.urlpatterns()

urlpatterns += i18n_patterns(
    # Before Wagtail's catch-all: /fr/feed/ and /en/feed/.
    path("feed/", latest_content_feed, name="feed"),
    path("", include("liberation.agenda.urls")),
    path("", include("liberation.registrations.urls")),
    path("", include("liberation.gate.urls")),
    path("", include("liberation.discovery.urls")),
    path("", include("liberation.programme.urls")),
    path("", include("liberation.collection.urls")),
    path("", include("liberation.newsletter.urls")),
    path("", include("liberation.maps.urls")),
    path("", include("liberation.press.urls")),
    path("", include(wagtail_urls)),
    prefix_default_language=True,
)

handler400 = "liberation.core.views.bad_request"
handler404 = "liberation.core.views.page_not_found"
handler500 = "liberation.core.views.server_error"
