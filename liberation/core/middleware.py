"""Middleware of the ground floor: the request body's charset, the Content-Security-Policy.

`FormCharsetMiddleware`: a form body (`application/x-www-form-urlencoded`) must be
UTF-8; Django raises `BadRequest` when it reads one declared in another charset. The
CSRF check reads every POST, so such a request failed before any view, with a
traceback in the log. It is answered here, before anything reads the body (the CSRF
check runs in process_view, after every middleware's request phase): the localized 400
page, logged as one warning line.
"""

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from .views import bad_request

FORM = "application/x-www-form-urlencoded"


class FormCharsetMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.method == "POST" and request.content_type == FORM:
            charset = request.encoding  # the same test as HttpRequest._load_post_and_files
            if charset is not None and charset.lower() != "utf-8":
                return bad_request(request)
        return self.get_response(request)


# -- Content-Security-Policy -------------------------------------------------------------


_UNSET = object()


def build_policy(config: dict) -> str:
    """`{"script-src": ["'self'"], "upgrade-insecure-requests": True}` → the header value
    (the format of Django 6's SECURE_CSP)."""
    parts = []
    for directive, values in config.items():
        if values is True:
            parts.append(directive)
        elif values:
            parts.append(" ".join([directive, *values]))
    return "; ".join(parts)


class ContentSecurityPolicyMiddleware:
    """The `Content-Security-Policy` header on every response, from `SECURE_CSP`.

    Django 6's middleware of the same name in small, reading the same setting: a view
    (or `AdminContentSecurityPolicyMiddleware`) may give its response another policy in
    `response._csp_config`, and a header already set is left alone. With Django 6,
    replace it by `django.middleware.csp.ContentSecurityPolicyMiddleware`."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        config = getattr(response, "_csp_config", _UNSET)
        if config is _UNSET:
            config = getattr(settings, "SECURE_CSP", None)
        if config and "Content-Security-Policy" not in response:
            response["Content-Security-Policy"] = build_policy(config)
        return response


class AdminContentSecurityPolicyMiddleware:
    """Wagtail's admin writes inline scripts and styles: under `CSP_ADMIN_PATH` it gets
    the policy `SECURE_CSP_ADMIN` instead. Listed after ContentSecurityPolicyMiddleware
    (it must see the response first); kept as it is with Django 6's middleware."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        prefix = getattr(settings, "CSP_ADMIN_PATH", "/admin/")
        if prefix and request.path_info.startswith(prefix):
            response._csp_config = getattr(settings, "SECURE_CSP_ADMIN", {})
        return response
