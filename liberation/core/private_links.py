"""What every page opened by an emailed private link shares (registrations, the label
programme, the collection, press accreditation, the newsletter): the token is a
credential, so only its hash is stored, and the pages are never cached, indexed or sent
as a referrer; POSTs are rate limited per client address and per person.

Each app keeps its own templates (its `rate_limited.html` extends its own base) and its
own scope of counting; the mechanism is here once.
"""

import hashlib
from functools import wraps

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils import translation

from . import ratelimit

PRIVATE_HEADERS = {
    "Cache-Control": "private, no-store",
    # Not "no-referrer": a form posted from the page would send `Origin: null`, refused by
    # the CSRF check (tests/e2e/test_register_browser.py).
    "Referrer-Policy": "same-origin",
    "X-Robots-Tag": "noindex, nofollow",
}


def token_hash(token: str) -> str:
    """What is stored of a private link's token (never the token itself)."""
    return hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()


def private(view):
    """Never cached, never indexed, never sent as a referrer: the URL is a credential."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        for header, value in PRIVATE_HEADERS.items():
            response[header] = value
        return response

    return wrapper


def too_many(request: HttpRequest, verdict: ratelimit.Verdict, template: str) -> HttpResponse:
    """The localized 429 page, with Retry-After."""
    context = {"retry_after": verdict.retry_after, "scope": verdict.scope}
    response = render(request, template, context, status=429)
    response["Retry-After"] = str(verdict.retry_after)
    return response


def rate_limited(*, scope: str, template: str, per_token: bool = False):
    """A decorator: at most so many POSTs per client address and per person (the email
    typed on a start form; with `per_token`, the link's token on the link's pages, else
    the address alone counts there: the token is unguessable anyway); else 429."""

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if request.method == "POST":
                token = kwargs.get("token")
                person = request.POST.get("email", "") if not token else ""
                if token and per_token:
                    person = token
                verdict = ratelimit.hit(request, person=person, scope=scope)
                if not verdict.allowed:
                    return too_many(request, verdict, template)
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


def language_of(request: HttpRequest) -> str:
    return (getattr(request, "LANGUAGE_CODE", "") or translation.get_language() or "fr")[:2]


def see_other(url: str) -> HttpResponse:
    response = HttpResponseRedirect(url)
    response.status_code = 303
    return response
