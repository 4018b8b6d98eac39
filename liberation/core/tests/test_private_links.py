"""The shared mechanism of private-link pages: headers, the stored hash, and what the
rate limit counts per person (the email typed; the token only where asked)."""

import pytest
from django.core.cache import cache
from django.http import HttpResponse
from django.test import RequestFactory, override_settings

from liberation.core import private_links

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()
    yield
    cache.clear()


def view(request, token=None):
    return HttpResponse("ok")


def post(token=None, email="a@example.org", address="192.0.2.1"):
    request = RequestFactory().post("/x/", {"email": email}, REMOTE_ADDR=address)
    request.LANGUAGE_CODE = "fr"
    return request, ({"token": token} if token else {})


def statuses(decorated, calls):
    return [decorated(request, **kwargs).status_code for request, kwargs in calls]


def test_private_headers_and_hash():
    response = private_links.private(view)(RequestFactory().get("/"))
    assert response["Cache-Control"] == "private, no-store"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Robots-Tag"].startswith("noindex")
    digest = private_links.token_hash("secret-token")
    assert len(digest) == 64 and "secret" not in digest
    assert digest == private_links.token_hash("secret-token") != private_links.token_hash("x")


@override_settings(REGISTRATION_EMAIL_RATE_LIMIT=(2, 60), REGISTRATION_RATE_LIMIT=(100, 60))
def test_the_email_typed_counts_per_person_with_a_429_page():
    limited = private_links.rate_limited(scope="unit", template="programme/rate_limited.html")(view)
    codes = statuses(limited, [post(address=f"192.0.2.{n}") for n in range(3)])
    assert codes == [200, 200, 429]
    refused = limited(*post(address="192.0.2.9")[:1])
    assert refused.status_code == 429 and int(refused["Retry-After"]) > 0
    assert "429" in refused.content.decode()
    # Another email is not held back by the first one's count.
    assert limited(post(email="b@example.org")[0]).status_code == 200


@override_settings(REGISTRATION_EMAIL_RATE_LIMIT=(2, 60), REGISTRATION_RATE_LIMIT=(100, 60))
@pytest.mark.parametrize(
    ("per_token", "expected"), [(False, [200] * 4), (True, [200, 200, 429, 429])]
)
def test_a_links_token_counts_as_the_person_only_where_asked(per_token, expected):
    limited = private_links.rate_limited(
        scope="unit", template="programme/rate_limited.html", per_token=per_token
    )(view)
    calls = [post(token="tok", email="", address=f"192.0.2.{n}") for n in range(4)]
    assert statuses(limited, calls) == expected


def test_gets_are_not_counted():
    with override_settings(REGISTRATION_RATE_LIMIT=(1, 60)):
        limited = private_links.rate_limited(scope="unit", template="programme/rate_limited.html")(
            view
        )
        codes = [limited(RequestFactory().get("/")).status_code for _ in range(3)]
    assert codes == [200, 200, 200]
