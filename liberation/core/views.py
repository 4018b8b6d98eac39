"""Views outside Wagtail's page tree: robots.txt and the localized error pages.

The error pages speak the language of the URL prefix (/en/… → English). The 500 and
503 pages are rendered without a request, hence without context processors or database
queries: whatever broke the page must not break the error page too. No error page carries a
form, so none takes Django's `requires_csrf_token`: it reads the POST body again, and
a body Django could not read the first time (a form in UTF-16) raised once more from
the error page, which ended as a bare 500.
"""

import logging

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseServerError
from django.shortcuts import render
from django.template import loader
from django.urls import reverse
from django.utils import translation
from django.views.decorators.cache import cache_control

logger = logging.getLogger(__name__)


def error_language(request: HttpRequest) -> str:
    """The language of the URL prefix, else the active one, else the default."""
    language = translation.get_language_from_path(request.path_info)
    if language:
        return language
    active = (translation.get_language() or "")[:2]
    codes = {code for code, _name in settings.LANGUAGES}
    return active if active in codes else settings.LANGUAGE_CODE


@cache_control(max_age=3600, public=True)
def robots_txt(request: HttpRequest) -> HttpResponse:
    lines = [
        "User-agent: *",
        "Allow: /",
        "Disallow: /admin/",
        "",
        f"Sitemap: {request.build_absolute_uri(reverse('sitemap'))}",
        "",
    ]
    return HttpResponse("\n".join(lines), content_type="text/plain; charset=utf-8")


def bad_request(request: HttpRequest, exception=None) -> HttpResponse:
    """handler400, and the answer to a body Django cannot read (core/middleware.py)."""
    language = error_language(request)
    with translation.override(language):
        request.LANGUAGE_CODE = language
        response = render(request, "400.html", status=400)
    response["Cache-Control"] = "private, no-store"
    return response


def page_not_found(request: HttpRequest, exception=None) -> HttpResponse:
    language = error_language(request)
    with translation.override(language):
        request.LANGUAGE_CODE = language
        return render(request, "404.html", {"request_path": request.path}, status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    language = error_language(request)
    try:
        with translation.override(language):
            content = loader.get_template("500.html").render({"LANGUAGE_CODE": language})
    except Exception:  # the last resort must answer whatever happens
        logger.exception("The 500 page could not be rendered")
        content = "<h1>Server Error (500)</h1>"
    return HttpResponseServerError(content)


def service_unavailable(request: HttpRequest, *, retry_after: int) -> HttpResponse:
    """503 "try again in a moment", when the database made the request wait too long
    (core/database.py). Self-contained like the 500 page: the database is busy."""
    language = error_language(request)
    with translation.override(language):
        content = loader.get_template("503.html").render(
            {"LANGUAGE_CODE": language, "request_path": request.path}
        )
    response = HttpResponse(content, status=503)
    response["Retry-After"] = str(retry_after)
    response["Cache-Control"] = "no-store"
    return response
