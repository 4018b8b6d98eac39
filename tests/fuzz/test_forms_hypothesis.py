"""Every public form and filter fuzzed with hypothesis: random text, unicode, NUL, huge,
empty, raw bytes (not UTF-8), repeated and unknown fields. Never a 5xx nor a logged
error; a refused POST writes nothing (the row counts of the apps it could write are
unchanged). docs/testing.md.

Each form starts half the time from a valid submission with some fields replaced, so
that the fuzzer reaches the services and not only the first validation error.
"""

import logging
import os
from urllib.parse import urlencode

import pytest
from django.apps import apps
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

pytestmark = [pytest.mark.fuzz, pytest.mark.django_db]

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "25"))  # CI; a deeper run: FUZZ_EXAMPLES=500
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

NASTY = st.sampled_from(
    [
        "",
        " ",
        "\x00",
        "a\x00b@example.org",
        "x" * 100_000,
        "9" * 5000,
        "-1",
        "0",
        "1e309",
        "nan",
        "on",
        "1944-06-06",
        "06/06/1944 25:61",
        "<script>alert(1)</script>",
        "'; DROP TABLE x; --",
        "\u202eevil",
        "🇫🇷" * 500,
        "é" * 2000,
        "%00",
        "jeanne@example.org",
        "a@b",
        "@" * 300 + "example.org",
    ]
)
VALUE = st.one_of(NASTY, st.text(max_size=300), st.binary(max_size=64))
VALUES = st.one_of(VALUE, st.lists(VALUE, min_size=2, max_size=3))


def fuzzed(names: list[str], valid: dict):
    """A strategy of form data: known and unknown names, fuzzed values, on top of a
    valid submission or of nothing."""
    fields = st.dictionaries(
        st.one_of(st.sampled_from(names), st.text(max_size=30)), VALUES, max_size=len(names) + 2
    )
    return st.tuples(st.booleans(), fields).map(lambda t: {**(valid if t[0] else {}), **t[1]})


def encoded(data: dict) -> str:
    return urlencode(data, doseq=True)


def counts(*labels: str) -> dict:
    return {
        model._meta.label: model.objects.count()
        for label in labels
        for model in apps.get_app_config(label).get_models()
    }


@pytest.fixture(autouse=True)
def quiet_limits(settings, caplog):
    settings.REGISTRATION_RATE_LIMIT = None  # the fuzzer posts far more than a person
    caplog.set_level(logging.ERROR)
    yield
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert not errors, errors[0].getMessage()


def check(response, before: dict, after: dict, written: bool = False) -> None:
    assert response.status_code < 500, response.status_code
    if response.status_code not in (302, 303) and not written:
        assert before == after, "a refused POST wrote rows"


def post(client, path: str, data: dict):
    return client.post(path, encoded(data), content_type="application/x-www-form-urlencoded")


# -- registration ----------------------------------------------------------------------

REGISTRATION = {
    "given_name": "Jeanne",
    "surname": "Martin",
    "email": "jeanne@example.org",
    "consent": "on",
    "homepage": "",
}
REGISTRATION_NAMES = [
    *REGISTRATION,
    "join_waitlist",
    "birth_date",
    "companion_0_given_name",
    "companion_0_surname",
    "companion_1_given_name",
    "companion_99999999999999999999_surname",
]


@FUZZ
@given(data=fuzzed(REGISTRATION_NAMES, REGISTRATION), lang=st.sampled_from(["fr", "en"]))
def test_registration_form(client, ceremony, data, lang):
    before = counts("registrations", "mail")
    response = post(client, f"/{lang}/r/inscription/{ceremony.pk}/", data)
    check(response, before, counts("registrations", "mail"))


@FUZZ
@given(data=fuzzed(["given_name", "surname", "companion_0_given_name", "action"], {}))
def test_registration_management_forms(client, ceremony, data):
    from liberation.registrations.services import (
        Person,
        RegistrationRequest,
        registration_create,
    )

    if not hasattr(ceremony, "_fuzz_token"):
        created = registration_create(
            ceremony=ceremony,
            request=RegistrationRequest(
                email="paul@example.org",
                registrant=Person(given_name="Paul", surname="Durand"),
            ),
        )
        ceremony._fuzz_token = created.token
    token = ceremony._fuzz_token
    for action in ("companions", "accept", "data"):
        response = post(client, f"/fr/r/{token}/{action}/", data)
        assert response.status_code < 500
    # A made-up token: the "unknown link" page.
    assert post(client, "/fr/r/not-a-token/cancel/", data).status_code < 500


# -- label applications (programme) ------------------------------------------------------


@pytest.fixture
def campaign(db):
    from liberation.programme.factories import campaign_make

    return campaign_make()


@FUZZ
@given(data=fuzzed(["campaign", "email", "homepage"], {"email": "org@example.org"}))
def test_label_start_form(client, campaign, data):
    before = counts("programme", "mail")
    response = post(client, "/fr/label/", {"campaign": str(campaign.pk), **data})
    check(response, before, counts("programme", "mail"))


@FUZZ
@given(data=fuzzed(["email", "homepage"], {"email": "org@example.org"}))
def test_label_link_again_form(client, data):
    before = counts("programme")
    response = post(client, "/en/label/link/", data)
    check(response, before, counts("programme"))


@pytest.fixture
def draft(campaign):
    from liberation.places.factories import communes_sample
    from liberation.programme.factories import project_make
    from liberation.programme.models import Project

    communes = communes_sample()
    return project_make(
        campaign=campaign, commune=next(iter(communes.values())), state=Project.State.DRAFT
    )


def step_names() -> list[str]:
    from liberation.programme.forms import STEPS

    names = {"action", "s-TOTAL_FORMS", "s-INITIAL_FORMS", "s-0-starts_at", "s-0-ends_at"}
    for _label, form_class in STEPS.values():
        names.update(form_class._meta.fields or [])
        names.update(form_class.base_fields)
    return sorted(names)


@FUZZ
@given(
    step=st.sampled_from(["organiser", "project", "dates", "audience", "budget", "submit"]),
    data=fuzzed(step_names(), {"s-TOTAL_FORMS": "1", "s-INITIAL_FORMS": "0"}),
)
def test_label_steps(client, draft, step, data):
    _project, token = draft
    path = f"/fr/label/p/{token}/submit/" if step == "submit" else None
    response = post(client, path or f"/fr/label/p/{token}/step/{step}/", data)
    assert response.status_code < 500


# -- GET filters and APIs ----------------------------------------------------------------

AGENDA_NAMES = ["date_from", "date_until", "departement", "commune", "radius_km", "kind"]
AGENDA_NAMES += ["theme", "audience", "page", "download", "date"]


@FUZZ
@given(
    path=st.sampled_from(
        [
            "/fr/agenda/",
            "/en/agenda/",
            "/fr/agenda/agenda.ics",
            "/fr/agenda/rss/",
            "/fr/carte/donnees.json",
            "/en/map/data.json",
            "/fr/recherche/",
            "/en/search/",
            "/fr/recherche/suggestions/",
            "/fr/carte/liberation/",
            "/api/communes/",
        ]
    ),
    data=fuzzed([*AGENDA_NAMES, "q", "lang", "period", "place", "type", "sort"], {}),
)
def test_get_filters(client, path, data):
    response = client.get(f"{path}?{encoded(data)}")
    assert response.status_code < 500
