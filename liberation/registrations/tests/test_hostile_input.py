"""Hostile input on the public registration URLs: a clear 4xx, nothing written, and no
traceback in the log (issue 10, item 5)."""

import logging
from urllib.parse import urlencode

import pytest

from liberation.mail.models import OutboxMessage
from liberation.registrations.models import Registration
from liberation.registrations.services import Person, RegistrationRequest, registration_create

HUGE_INDEX = "9" * 5000  # past Python's 4,300-digit limit for int()


def form(**overrides) -> dict:
    return {
        "given_name": "Jeanne",
        "surname": "Martin",
        "email": "jeanne@example.org",
        "consent": "on",
        **overrides,
    }


def post(client, path: str, data: dict):
    """As a browser posts a form (urlencoded: multipart caps the length of a field name)."""
    return client.post(path, urlencode(data), content_type="application/x-www-form-urlencoded")


def no_traceback(caplog) -> bool:
    return not [r for r in caplog.records if r.exc_info or r.levelno >= logging.ERROR]


def test_companion_row_with_a_huge_number_is_refused(client, make_ceremony, caplog):
    ceremony = make_ceremony(max_companions=1)
    response = post(
        client,
        f"/en/r/inscription/{ceremony.pk}/",
        form(**{f"companion_{HUGE_INDEX}_given_name": "Paul"}),
    )
    assert response.status_code == 400
    assert "You may register at most 1 companion(s)." in response.content.decode()
    assert Registration.objects.count() == 0 and OutboxMessage.objects.count() == 0
    assert no_traceback(caplog)


def test_companions_form_with_a_huge_number_is_refused(client, make_ceremony, caplog):
    ceremony = make_ceremony(max_companions=1)
    created = registration_create(
        ceremony=ceremony,
        request=RegistrationRequest(
            email="a@example.org", registrant=Person(given_name="Jeanne", surname="Martin")
        ),
    )
    response = post(
        client,
        f"/en/r/{created.token}/companions/",
        {f"companion_{HUGE_INDEX}_given_name": "Paul", f"companion_{HUGE_INDEX}_surname": "X"},
    )
    assert response.status_code == 400
    assert created.registration.companions.count() == 0
    assert no_traceback(caplog)


@pytest.mark.parametrize(
    "ceremony_id", ["9223372036854775808", "99999999999999999999", "0" * 30 + "1", HUGE_INDEX]
)
def test_ceremony_id_beyond_the_database_integer_is_a_404(db, client, ceremony_id, caplog):
    for method in (client.get, client.post):
        response = method(f"/fr/r/inscription/{ceremony_id}/")
        assert response.status_code == 404
    assert no_traceback(caplog)


def test_largest_database_integer_is_still_an_ordinary_404(db, client):
    assert client.get("/fr/r/inscription/9223372036854775807/").status_code == 404


def test_a_name_with_a_bidi_override_is_refused_and_nothing_written(client, make_ceremony):
    ceremony = make_ceremony()
    response = post(client, f"/en/r/inscription/{ceremony.pk}/", form(surname="Mar\u202etin"))
    assert response.status_code == 400
    assert "without invisible or control characters" in response.content.decode()
    assert Registration.objects.count() == 0 and OutboxMessage.objects.count() == 0


@pytest.mark.parametrize("suffix", ["", "cancel/", "companions/", "data/"])
def test_token_with_a_nul_character_is_a_404(db, client, suffix, caplog):
    """PostgreSQL refuses NUL in a string parameter (ValueError): never asked."""
    assert client.get(f"/fr/r/AB%00CD-0123/{suffix}").status_code == 404
    assert no_traceback(caplog)
