"""Requests Django cannot read answer a localized 400, not a bare 500 (issue 10, item 5).

A form body declared in another charset than UTF-8 makes Django raise when it reads the
POST; the error page used to read it again (its CSRF decorator) and raise once more."""

import logging

import pytest
from django.test import Client

UTF16_FORM = "application/x-www-form-urlencoded; charset=utf-16"


@pytest.fixture
def browser():
    client = Client(enforce_csrf_checks=True, raise_request_exception=False)
    client.cookies["csrftoken"] = "x" * 32
    return client


@pytest.mark.parametrize(
    "path", ["/fr/", "/en/", "/fr/r/inscription/1/", "/fr/r/AAAA-0000/cancel/", "/api/search/"]
)
@pytest.mark.parametrize("charset", ["utf-16", "UTF-16LE", "latin-1"])
def test_form_body_in_another_charset_is_a_400(db, browser, caplog, path, charset):
    body = "given_name=Jeanne"  # the test client encodes it in the declared charset
    content_type = f"application/x-www-form-urlencoded; charset={charset}"
    with caplog.at_level(logging.INFO):
        response = browser.post(path, body, content_type=content_type)
    assert response.status_code == 400
    assert not [r for r in caplog.records if r.exc_info or r.levelno >= logging.ERROR]


def test_the_400_page_is_localized(db, browser):
    fr = browser.post("/fr/", "a=b", content_type=UTF16_FORM)
    assert fr.status_code == 400
    html = fr.content.decode()
    assert 'id="error-400"' in html and '<html lang="fr"' in html
    assert "Requête incorrecte" in html
    en = browser.post("/en/", "a=b", content_type=UTF16_FORM)
    assert '<html lang="en"' in en.content.decode() and "Bad request" in en.content.decode()
    assert en["Cache-Control"] == "private, no-store"


def test_utf8_form_bodies_still_reach_the_csrf_check(db, browser):
    response = browser.post(
        "/fr/r/inscription/1/",
        "a=b",
        content_type="application/x-www-form-urlencoded; charset=UTF-8",
    )
    assert response.status_code == 403  # no valid token: the usual CSRF refusal


def test_without_the_middleware_the_error_page_no_longer_raises_again(db, browser, settings):
    """The second line: Django's own BadRequest reaches handler400, which does not read
    the body again (it used to, through requires_csrf_token, and the 500 page too)."""
    settings.MIDDLEWARE = [m for m in settings.MIDDLEWARE if "FormCharset" not in m]
    response = browser.post("/en/", "a=b", content_type=UTF16_FORM)
    assert response.status_code == 400
    assert 'id="error-400"' in response.content.decode()
