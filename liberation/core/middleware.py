"""Middleware of the ground floor.

`FormCharsetMiddleware`: a form body (`application/x-www-form-urlencoded`) must be
UTF-8; Django raises `BadRequest` when it reads one declared in another charset. The
CSRF check reads every POST, so such a request failed before any view, with a
traceback in the log. It is answered here, before anything reads the body: the
localized 400 page, logged as one warning line.
"""

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
