"""The public registration flow over HTTP, in French and English.

Displayed text is asserted in English on /en/ pages (the French catalogue is built
later); French pages are checked by status codes, element ids and stored data.
"""

import datetime as dt
import json
import re

import pytest
from django.core.cache import cache
from django.test import Client, override_settings
from django.utils import timezone

from liberation.core import ratelimit
from liberation.mail.models import OutboxMessage
from liberation.registrations.emails import Kind
from liberation.registrations.models import Registration
from liberation.registrations.services import (
    Person,
    RegistrationRequest,
    management_token,
    registration_create,
)

S = Registration.Status
PRIVATE = {
    "Cache-Control": "private, no-store",
    "Referrer-Policy": "same-origin",
    "X-Robots-Tag": "noindex, nofollow",
}


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()  # seats-left cache and rate-limit counters
    yield
    cache.clear()


@pytest.fixture
def english(translate):
    """english(ceremony): the published English page of the ceremony."""

    def make(ceremony):
        page = ceremony.ceremony_pages.get()
        return translate(page, "en", title=f"Ceremony {ceremony.pk}")

    return make


def form(n: int = 1, **overrides) -> dict:
    values = {
        "given_name": f"Jeanne{n}",
        "surname": "Martin",
        "email": f"person{n}@example.org",
        "consent": "on",
        "homepage": "",
    }
    values.update(overrides)
    return {k: v for k, v in values.items() if v is not None}


def url(ceremony, lang="fr") -> str:
    return f"/{lang}/r/inscription/{ceremony.pk}/"


def service_register(ceremony, n, companions=0, **kwargs):
    return registration_create(
        ceremony=ceremony,
        request=RegistrationRequest(
            email=f"seed{n}@example.org",
            registrant=Person(given_name=f"Seed{n}", surname="Durand"),
            companions=[Person(given_name=f"C{i}", surname="Durand") for i in range(companions)],
            **kwargs,
        ),
    )


def text(response) -> str:
    return response.content.decode()


def assert_private(response):
    for header, value in PRIVATE.items():
        assert response[header] == value


def nothing_written():
    return Registration.objects.count() == 0 and OutboxMessage.objects.count() == 0


# -- the panel on the ceremony page ---------------------------------------------------------


def test_open_ceremony_page_links_to_the_form_fr_and_en(client, make_ceremony, english):
    """The ceremony page shows the state and links to the form's own page: no form, no
    CSRF token, no cookie (a shared cache can keep it for every visitor)."""
    ceremony = make_ceremony(capacity=3, max_companions=1)
    fr = client.get(ceremony.ceremony_pages.get().url)
    assert fr.status_code == 200
    html = text(fr)
    assert f'id="registration-link" href="/fr/r/inscription/{ceremony.pk}/"' in html
    assert 'id="registration-form"' not in html and "csrfmiddlewaretoken" not in html
    assert not fr.cookies
    en = client.get(english(ceremony).url)
    assert f'id="registration-link" href="/en/r/inscription/{ceremony.pk}/"' in text(en)
    assert "3 seats left." in text(en)
    assert "Seats are given in order of registration" in text(en)
    assert not en.cookies
    form_page = text(client.get(url(ceremony, "en")))
    assert f'action="/en/r/inscription/{ceremony.pk}/"' in form_page
    assert 'name="csrfmiddlewaretoken"' in form_page
    assert 'id="id_companion_1_given_name"' in form_page
    assert 'id="id_join_waitlist"' not in form_page
    assert 'autocomplete="given-name"' in form_page
    assert "Personal data and your rights" in form_page


@pytest.mark.parametrize("state", ["open", "full", "draw", "not_open", "closed"])
def test_no_ceremony_page_sets_a_cookie(make_ceremony, state):
    now = timezone.now()
    fields = {
        "full": {"capacity": 1},
        "draw": {"mode": "draw"},
        "not_open": {"opens_at": now + dt.timedelta(days=1), "closes_at": now + dt.timedelta(2)},
        "closed": {"opens_at": now - dt.timedelta(days=2), "closes_at": now - dt.timedelta(1)},
    }.get(state, {})
    ceremony = make_ceremony(**fields)
    if state == "full":
        service_register(ceremony, 1)
    response = Client(enforce_csrf_checks=True).get(ceremony.ceremony_pages.get().url)
    assert response.status_code == 200
    assert not response.cookies and "Set-Cookie" not in response
    assert "csrfmiddlewaretoken" not in text(response)


def test_seats_left_are_cached_a_few_seconds_per_ceremony(client, make_ceremony, english):
    ceremony = make_ceremony(capacity=3)
    page = english(ceremony)
    assert "3 seats left." in text(client.get(page.url))
    service_register(ceremony, 1)
    assert "3 seats left." in text(client.get(page.url))  # still the cached figure
    assert cache.get(f"registrations:seats_left:{ceremony.pk}") == 3
    cache.delete(f"registrations:seats_left:{ceremony.pk}")  # what 5 seconds do
    assert "2 seats left." in text(client.get(page.url))


def test_states_shown_honestly(client, make_ceremony, english):
    now = timezone.now()
    soon = make_ceremony(opens_at=now + dt.timedelta(days=1), closes_at=now + dt.timedelta(days=2))
    html = text(client.get(english(soon).url))
    assert 'id="registration-not-open"' in html and "Registration opens on" in html
    assert 'id="registration-form"' not in html

    closed = make_ceremony(
        opens_at=now - dt.timedelta(days=2), closes_at=now - dt.timedelta(days=1)
    )
    html = text(client.get(english(closed).url))
    assert 'id="registration-closed"' in html and 'id="registration-form"' not in html

    full = make_ceremony(capacity=1)
    service_register(full, 1)
    html = text(client.get(english(full).url))
    assert 'id="registration-full"' in html
    assert "Register or join the waiting list" in html
    html = text(client.get(url(full, "en")))
    assert 'id="registration-full"' in html
    assert 'id="id_join_waitlist"' in html
    assert "Register or join the waiting list" in html

    draw = make_ceremony(mode="draw")
    html = text(client.get(english(draw).url))
    assert 'id="registration-draw"' in html
    assert "applying early gives no advantage" in html
    assert "Apply for a seat" in html
    assert "Send my application" in text(client.get(url(draw, "en")))


def test_past_ceremony_shows_no_form(client, make_ceremony):
    ceremony = make_ceremony()
    page = ceremony.ceremony_pages.get()
    page.starts_at = timezone.now() - dt.timedelta(days=1)
    page.save_revision().publish()
    html = text(client.get(page.url))
    assert 'id="registration-form"' not in html
    response = client.post(url(ceremony), form())
    assert response.status_code == 409
    assert nothing_written()


def test_ceremony_without_registration_shows_no_panel(client, make_page):
    from liberation.events.models import CeremonyPage

    page = make_page(
        CeremonyPage,
        title="Ravivage de la flamme",
        section="ceremonies",
        starts_at=timezone.now() + dt.timedelta(days=3),
        venue="Arc de Triomphe",
    )
    response = client.get(page.url)
    assert response.status_code == 200
    assert 'id="registration"' not in text(response)


# -- happy paths ----------------------------------------------------------------------------


def test_register_confirmed_in_english_then_management_page(client, make_ceremony, english):
    ceremony = make_ceremony(capacity=5, max_companions=1)
    english(ceremony)
    response = client.post(
        url(ceremony, "en"),
        form(companion_1_given_name="Paul", companion_1_surname="Martin"),
    )
    assert response.status_code == 303
    registration = Registration.objects.get()
    token = management_token(registration)
    assert response["Location"] == f"/en/r/{token}/"
    assert registration.status == S.CONFIRMED and registration.seats == 2
    assert registration.language == "en"
    assert [c.given_name for c in registration.companions.all()] == ["Paul"]
    assert OutboxMessage.objects.get().kind == Kind.CONFIRMATION
    assert_private(response)

    page = client.get(response["Location"])
    assert page.status_code == 200
    assert_private(page)
    html = text(page)
    assert 'id="registration-message"' in html
    assert "Your registration is confirmed." in html
    assert 'data-status="confirmed"' in html
    assert "Pièce d’identité obligatoire" in html  # the practical instructions
    assert f"http://testserver/en/r/{token}/" in html  # the private link
    assert 'id="badge-link"' in html and f'href="/en/r/{token}/badge/"' in html
    assert '<meta name="referrer" content="same-origin">' in html
    # The success message is shown once: a refresh shows the page without it.
    again = text(client.get(response["Location"]))
    assert 'id="registration-message"' not in again
    assert Registration.objects.count() == 1


def test_register_in_french_redirects_to_french_management_page(client, make_ceremony):
    ceremony = make_ceremony()
    response = client.post(url(ceremony), form())
    registration = Registration.objects.get()
    assert registration.language == "fr"
    assert response["Location"] == f"/fr/r/{management_token(registration)}/"
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert 'data-status="confirmed"' in text(page)
    # French typography: a no-break space before the colon.
    assert f"<title>Votre inscription\u00a0: Cérémonie {ceremony.pk}" in text(page)


def test_register_on_the_waiting_list_shows_position(client, make_ceremony, english):
    ceremony = make_ceremony(capacity=1)
    english(ceremony)
    service_register(ceremony, 1)
    service_register(ceremony, 2, join_waitlist=True)
    response = client.post(url(ceremony, "en"), form(join_waitlist="on"), follow=True)
    assert response.status_code == 200
    registration = Registration.objects.get(email="person1@example.org")
    assert registration.status == S.WAITLISTED
    html = text(response)
    assert "You are on the waiting list." in html
    assert "You are on the waiting list, in position 2." in html
    assert 'id="badge-link"' not in html


def test_draw_application(client, make_ceremony, english):
    ceremony = make_ceremony(mode="draw", capacity=1)
    english(ceremony)
    response = client.post(url(ceremony, "en"), form(), follow=True)
    assert Registration.objects.get().status == S.APPLIED
    html = text(response)
    assert "Your application has been received." in html
    assert "The seats are drawn among the applications after registration closes" in html
    assert OutboxMessage.objects.get().kind == Kind.APPLICATION


def test_get_on_the_form_url_renders_the_form(client, make_ceremony, english):
    ceremony = make_ceremony()
    english(ceremony)
    response = client.get(url(ceremony, "en"))
    assert response.status_code == 200
    assert 'id="registration-form"' in text(response)
    assert client.get("/en/r/inscription/999999/").status_code == 404


# -- bad input and abuse: 4xx, a message, nothing written ------------------------------------


def test_closed_registration(client, make_ceremony, english):
    now = timezone.now()
    ceremony = make_ceremony(opens_at=now - dt.timedelta(days=2), closes_at=now - dt.timedelta(1))
    english(ceremony)
    response = client.post(url(ceremony, "en"), form())
    assert response.status_code == 409
    assert "Registration is closed." in text(response)
    assert nothing_written()


def test_not_yet_open(client, make_ceremony, english):
    now = timezone.now()
    ceremony = make_ceremony(opens_at=now + dt.timedelta(days=1), closes_at=now + dt.timedelta(2))
    english(ceremony)
    response = client.post(url(ceremony, "en"), form())
    assert response.status_code == 409
    assert "Registration has not opened yet: it opens on" in text(response)
    assert nothing_written()


def test_full_offers_the_waiting_list_on_the_same_form(client, make_ceremony, english):
    ceremony = make_ceremony(capacity=2, max_companions=2)
    english(ceremony)
    service_register(ceremony, 1)
    # One seat left, a group of two: full for them, the form comes back with the option.
    response = client.post(
        url(ceremony, "en"), form(companion_1_given_name="Paul", companion_1_surname="Martin")
    )
    assert response.status_code == 409
    html = text(response)
    assert 'id="registration-refusal"' in html
    assert "There are not enough seats left" in html
    assert 'id="id_join_waitlist"' in html
    assert 'value="Paul"' in html  # still filled in
    assert Registration.objects.count() == 1


def test_refusals_do_not_look_the_site_up_each_time(client, make_ceremony, english):
    """A sell-out answers many 409s: the site (for links) is found once per host and
    kept a few seconds, not queried by every refusal, nor is the content version (the
    personal-data link is kept as long as the page around the panel); the settings row
    is read once, with the person's registrations, by the service that decided "full"
    (the page shows the seats from that row): one query in all."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    ceremony = make_ceremony(capacity=1)
    service_register(ceremony, 1)
    assert client.post(url(ceremony), form(2)).status_code == 409
    with CaptureQueriesContext(connection) as captured:
        response = client.post(url(ceremony), form(3))
    assert response.status_code == 409
    assert "Retour à la page de la cérémonie" in text(response)
    assert 'id="registration-full"' in text(response)
    assert not [q for q in captured if '"wagtailcore_site"' in q["sql"]], captured.captured_queries
    settings_reads = [
        q
        for q in captured
        if q["sql"].startswith("SELECT") and '"events_registrationsettings"' in q["sql"]
    ]
    assert len(settings_reads) == 1, settings_reads
    assert len(captured) == 1, captured.captured_queries


def _without_token(html: str) -> str:
    return html.replace(_token(html), "")


@pytest.mark.parametrize(
    ("lang", "title", "refusal"),
    [
        ("fr", "<title>Erreur – Inscription\u00a0: Cérémonie", "Il ne reste pas assez de places"),
        ("en", "<title>Error – Registration: Ceremony", "There are not enough seats left"),
    ],
)
def test_refusals_after_a_sell_out_share_the_page_around_never_the_panel(
    make_ceremony, english, monkeypatch, lang, title, refusal
):
    """After a sell-out every POST is refused: each process renders the page around the
    panel once (views._answer_html) and puts each person's panel in it. The answer is
    the page a whole render gives, with that person's answers and nobody else's."""
    from liberation.registrations import views

    ceremony = make_ceremony(capacity=1)
    english(ceremony)
    service_register(ceremony, 1)
    rendered = []
    real = views.render_to_string
    monkeypatch.setattr(
        views,
        "render_to_string",
        lambda name, *a, **k: (rendered.append(name), real(name, *a, **k))[1],
    )
    first = Client(enforce_csrf_checks=True)
    second = Client(enforce_csrf_checks=True)
    answers = []
    for n, browser in ((2, first), (3, second)):
        token = _token(text(browser.get(url(ceremony, lang))))
        response = browser.post(url(ceremony, lang), {**form(n), "csrfmiddlewaretoken": token})
        assert response.status_code == 409
        answers.append(text(response))
    assert rendered.count("registrations/register.html") == 2  # the form page, the around
    assert rendered.count("registrations/_panel_body.html") == 2  # one panel per refusal
    one, two = answers
    for html in answers:
        assert title in html and refusal in html and "@@" not in html
        assert 'id="id_join_waitlist"' in html and html.count('id="registration-form"') == 1
    assert 'value="Jeanne2"' in one and "person2@example.org" in one
    assert "Jeanne2" not in two and "person2@" not in two
    assert 'value="Jeanne3"' in two and "person3@example.org" in two
    # The same page as the whole render of this person's answer.
    monkeypatch.setattr(views, "_form_page_key", lambda request, ceremony_id: None)
    token = _token(text(second.get(url(ceremony, lang))))
    whole = second.post(url(ceremony, lang), {**form(3), "csrfmiddlewaretoken": token})
    assert whole.status_code == 409
    assert _without_token(text(whole)) == _without_token(two)
    assert Registration.objects.count() == 1


@pytest.mark.parametrize(
    ("lang", "message"),
    [
        ("fr", "Le formulaire d’inscription vient de changer"),
        ("en", "The registration form has just changed"),
    ],
)
def test_form_changed_since_the_settings_were_read(client, make_ceremony, english, lang, message):
    """A POST may validate against settings read up to a second ago (kept per process):
    when the ceremony now asks for more, the person gets the form as it is now, still
    filled in, and a 409 that says so; nothing is written."""
    from liberation.events.models import RegistrationSettings

    ceremony = make_ceremony(capacity=5)
    english(ceremony)
    assert client.post(url(ceremony, lang), form(1)).status_code == 303  # row now cached
    RegistrationSettings.objects.filter(pk=ceremony.pk).update(ask_nationality=True)
    response = client.post(url(ceremony, lang), form(2))
    assert response.status_code == 409
    html = text(response)
    assert message in html and 'id="id_nationality"' in html
    assert 'value="Jeanne2"' in html  # still filled in
    assert Registration.objects.count() == 1
    again = client.post(url(ceremony, lang), form(2, nationality="française"))
    assert again.status_code == 303
    assert Registration.objects.get(email="person2@example.org").nationality == "française"


def test_a_post_reads_the_settings_again_before_refusing_a_closed_state(client, make_ceremony):
    """The row kept for POSTs says "closed", but staff reopened registration meanwhile:
    the refusal is decided on a fresh read, and the person is registered."""
    from liberation.events.models import RegistrationSettings
    from liberation.registrations import views

    ceremony = make_ceremony(capacity=5)
    stale = RegistrationSettings.objects.get(pk=ceremony.pk)
    stale.closes_at = timezone.now() - dt.timedelta(minutes=1)
    views.local.set(f"registrations:settings:{ceremony.pk}", stale, 60)
    assert client.post(url(ceremony), form(1)).status_code == 303


def test_second_registration_by_the_same_person(client, make_ceremony, english):
    ceremony = make_ceremony()
    english(ceremony)
    assert client.post(url(ceremony, "en"), form(email="a@example.org")).status_code == 303
    response = client.post(url(ceremony, "en"), form(email=" A@Example.org "))
    assert response.status_code == 409
    assert "already registered" in text(response)
    assert Registration.objects.count() == 1


def test_second_registration_by_the_same_identity_when_screened(client, make_ceremony):
    ceremony = make_ceremony(screening_required=True, ask_birth_date=True)
    first = form(email="a@example.org", birth_date="1950-05-08")
    assert client.post(url(ceremony), first).status_code == 303
    again = form(email="other@example.org", birth_date="08/05/1950", given_name="JEANNE1")
    assert client.post(url(ceremony), again).status_code == 409
    assert Registration.objects.count() == 1


def test_too_many_companions(client, make_ceremony, english):
    ceremony = make_ceremony(max_companions=1)
    english(ceremony)
    response = client.post(
        url(ceremony, "en"), form(companion_2_given_name="Paul", companion_2_surname="Martin")
    )
    assert response.status_code == 400
    assert "You may register at most 1 companion(s)." in text(response)
    assert nothing_written()


@pytest.mark.parametrize(
    "overrides, field",
    [
        ({"email": "jeanne.example.org"}, "id_email"),
        ({"birth_date": "2999-01-01"}, "id_birth_date"),
        ({"birth_date": "1899-12-31"}, "id_birth_date"),
        ({"consent": None}, "id_consent"),
        ({"surname": ""}, "id_surname"),
    ],
)
def test_validation_errors_come_back_with_the_form(
    client, make_ceremony, english, overrides, field
):
    ceremony = make_ceremony(ask_birth_date=True)
    english(ceremony)
    values = form(birth_date="1950-05-08")
    values.update({k: v for k, v in overrides.items() if v is not None})
    for k, v in overrides.items():
        if v is None:
            values.pop(k)
    response = client.post(url(ceremony, "en"), values)
    assert response.status_code == 400
    html = text(response)
    assert 'id="form-errors"' in html and "autofocus" in html
    assert f'href="#{field}"' in html
    assert f'id="{field}-error"' in html
    assert re.search(rf'aria-describedby="[^"]*{field}-error"', html)
    assert "<title>Error" in html
    assert nothing_written()


def test_birth_date_messages_in_english(client, make_ceremony, english):
    ceremony = make_ceremony(ask_birth_date=True)
    english(ceremony)
    future = client.post(url(ceremony, "en"), form(birth_date="2999-01-01"))
    assert "The date of birth cannot be in the future." in text(future)
    old = client.post(url(ceremony, "en"), form(birth_date="1800-01-01"))
    assert "Enter a date of birth after 1 January 1900." in text(old)
    consent = client.post(url(ceremony, "en"), form(consent=None))
    assert "You must agree to the processing of your data to register." in text(consent)


def test_honeypot_filled_by_a_bot(client, make_ceremony, english):
    ceremony = make_ceremony()
    english(ceremony)
    response = client.post(url(ceremony, "en"), form(homepage="http://cheap.example"))
    assert response.status_code == 400
    html = text(response)
    assert "a field that must stay empty was filled in" in html
    assert "cheap.example" not in html  # never echoed back into the hidden field
    assert nothing_written()


def test_rate_limit_per_address(client, make_ceremony, english, monkeypatch):
    ceremony = make_ceremony(capacity=100)
    english(ceremony)
    monkeypatch.setattr(ratelimit, "now", lambda: 1_000_040.0)  # one fixed window
    with override_settings(REGISTRATION_RATE_LIMIT=(3, 60)):
        for n in range(3):
            assert client.post(url(ceremony, "en"), form(n)).status_code == 303
        refused = client.post(url(ceremony, "en"), form(99))
        assert refused.status_code == 429
        assert refused["Retry-After"] == "40"
        assert "Too many attempts" in text(refused)
        assert not Registration.objects.filter(email="person99@example.org").exists()
        # Another address is not affected; GETs are not counted.
        other = client.post(url(ceremony, "en"), form(98), REMOTE_ADDR="192.0.2.7")
        assert other.status_code == 303
        assert client.get(url(ceremony, "en")).status_code == 200


def test_post_without_csrf_token_is_refused(make_ceremony):
    ceremony = make_ceremony()
    browser = Client(enforce_csrf_checks=True)
    response = browser.post(url(ceremony, "en"), form())
    assert response.status_code == 403
    assert nothing_written()
    view = "liberation.registrations.views.csrf_failure"
    with override_settings(CSRF_FAILURE_VIEW=view):
        response = browser.post(url(ceremony, "en"), form())
        assert response.status_code == 403
        html = text(response)
        assert 'id="error-403"' in html
        assert "For your security, this form can only be sent from the page" in html
        assert '<html lang="en"' in html
        fr = browser.post(url(ceremony, "fr"), form())
        assert fr.status_code == 403 and '<html lang="fr"' in text(fr)
    assert nothing_written()


def test_from_the_ceremony_page_through_the_link_a_registration_works(make_ceremony):
    ceremony = make_ceremony()
    browser = Client(enforce_csrf_checks=True)
    ceremony_page = browser.get(ceremony.ceremony_pages.get().url)
    assert not ceremony_page.cookies
    link = re.search(r'id="registration-link" href="([^"]+)"', text(ceremony_page)).group(1)
    form_page = browser.get(link)
    assert "csrftoken" in form_page.cookies
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', text(form_page)).group(1)
    response = browser.post(link, {**form(), "csrfmiddlewaretoken": token})
    assert response.status_code == 303
    assert Registration.objects.count() == 1


# -- the management page ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "token",
    ["AAAAAAAA-0123456789abcdef0123456789abcdef", "nodash", "x" * 300, "ABC-"],
)
def test_unknown_or_malformed_token_is_a_404(db, client, token):
    response = client.get(f"/en/r/{token}/")
    assert response.status_code == 404
    assert_private(response)
    assert "Page not found" in text(response)


def test_tampered_token_is_a_404_on_every_page(client, make_ceremony):
    created = service_register(make_ceremony(), 1)
    token = created.token
    tampered = token[:-1] + ("0" if token[-1] != "0" else "1")
    for suffix in ("", "cancel/", "companions/", "data/"):
        assert client.get(f"/en/r/{tampered}/{suffix}").status_code == 404
    assert client.post(f"/en/r/{tampered}/accept/").status_code == 404
    assert client.post(f"/en/r/{tampered}/cancel/").status_code == 404
    assert client.get(f"/en/r/{token}/").status_code == 200


def test_cancel_asks_first_then_offers_the_seats_to_the_next_in_line(client, make_ceremony):
    ceremony = make_ceremony(capacity=1)
    first = service_register(ceremony, 1)
    waiting = service_register(ceremony, 2, join_waitlist=True).registration
    confirm = client.get(f"/en/r/{first.token}/cancel/")
    assert confirm.status_code == 200
    assert_private(confirm)
    assert 'id="confirm-cancel"' in text(confirm)
    assert "This cannot be undone." in text(confirm)
    first.registration.refresh_from_db()
    assert first.registration.status == S.CONFIRMED  # a GET changes nothing

    response = client.post(f"/en/r/{first.token}/cancel/")
    assert response.status_code == 303
    assert response["Location"] == f"/en/r/{first.token}/"
    first.registration.refresh_from_db()
    waiting.refresh_from_db()
    assert first.registration.status == S.CANCELLED
    assert waiting.status == S.OFFERED and waiting.offered_until is not None
    html = text(client.get(response["Location"]))
    assert "Your registration has been cancelled." in html
    assert 'id="cancel-registration"' not in html

    again = client.post(f"/en/r/{first.token}/cancel/")
    assert again.status_code == 409
    assert "This registration is no longer active." in text(again)


def test_accept_the_offered_seats(client, make_ceremony):
    ceremony = make_ceremony(capacity=1)
    first = service_register(ceremony, 1)
    offered = service_register(ceremony, 2, join_waitlist=True)
    client.post(f"/en/r/{first.token}/cancel/")
    page = text(client.get(f"/en/r/{offered.token}/"))
    assert 'id="accept-offer"' in page and "Accept them before" in page
    response = client.post(f"/en/r/{offered.token}/accept/", follow=True)
    assert response.status_code == 200
    offered.registration.refresh_from_db()
    assert offered.registration.status == S.CONFIRMED
    assert "You have accepted the seats" in text(response)
    # Nothing to accept any more.
    again = client.post(f"/en/r/{offered.token}/accept/")
    assert again.status_code == 409
    assert "No seats are offered to you at the moment." in text(again)
    assert client.get(f"/en/r/{offered.token}/accept/").status_code == 405


def test_expired_offer_cannot_be_accepted(client, make_ceremony):
    ceremony = make_ceremony(capacity=1)
    first = service_register(ceremony, 1)
    offered = service_register(ceremony, 2, join_waitlist=True)
    client.post(f"/en/r/{first.token}/cancel/")
    Registration.objects.filter(pk=offered.registration.pk).update(
        offered_until=timezone.now() - dt.timedelta(minutes=1)
    )
    page = text(client.get(f"/en/r/{offered.token}/"))
    assert 'id="accept-offer"' not in page and 'id="offer-expired"' in page
    response = client.post(f"/en/r/{offered.token}/accept/")
    assert response.status_code == 409
    assert "The offer has expired" in text(response)
    offered.registration.refresh_from_db()
    assert offered.registration.status == S.OFFERED


def test_change_companions(client, make_ceremony):
    ceremony = make_ceremony(capacity=4, max_companions=2)
    created = service_register(ceremony, 1, companions=1)
    page = client.get(f"/en/r/{created.token}/companions/")
    assert page.status_code == 200
    assert_private(page)
    assert 'value="C0"' in text(page)
    response = client.post(
        f"/en/r/{created.token}/companions/",
        {
            "companion_1_given_name": "Anne",
            "companion_1_surname": "Durand",
            "companion_2_given_name": "Louis",
            "companion_2_surname": "Durand",
        },
    )
    assert response.status_code == 303
    registration = created.registration
    registration.refresh_from_db()
    ceremony.refresh_from_db()
    assert registration.seats == 3 and ceremony.seats_taken == 3
    assert [c.given_name for c in registration.companions.all()] == ["Anne", "Louis"]
    html = text(client.get(response["Location"]))
    assert "Your companions have been updated." in html and "Louis Durand" in html


def test_change_companions_bad_input_and_no_seats(client, make_ceremony):
    ceremony = make_ceremony(capacity=2, max_companions=2)
    created = service_register(ceremony, 1)
    service_register(ceremony, 2)
    path = f"/en/r/{created.token}/companions/"
    incomplete = client.post(path, {"companion_1_given_name": "Anne"})
    assert incomplete.status_code == 400
    assert 'id="id_companion_1_surname-error"' in text(incomplete)
    too_many = client.post(path, {"companion_3_given_name": "X", "companion_3_surname": "Y"})
    assert too_many.status_code == 400
    no_seat = client.post(path, {"companion_1_given_name": "Anne", "companion_1_surname": "D"})
    assert no_seat.status_code == 409
    assert "There are not enough seats left to add these companions." in text(no_seat)
    created.registration.refresh_from_db()
    assert created.registration.seats == 1


def test_download_my_data(client, make_ceremony):
    ceremony = make_ceremony(ask_birth_date=True, max_companions=1)
    response = client.post(
        url(ceremony),
        form(
            birth_date="1950-05-08",
            companion_1_given_name="Paul",
            companion_1_surname="Martin",
            companion_1_birth_date="1952-01-01",
        ),
    )
    download = client.get(f"{response['Location']}data/")
    assert download.status_code == 200
    assert_private(download)
    assert download["Content-Type"].startswith("application/json")
    assert download["Content-Disposition"].startswith("attachment;")
    data = json.loads(download.content)
    registration = Registration.objects.get()
    assert data["registration"]["email"] == "person1@example.org"
    assert data["registration"]["birth_date"] == "1950-05-08"
    assert data["registration"]["reference"] == registration.reference
    assert data["companions"] == [
        {
            "given_name": "Paul",
            "surname": "Martin",
            "birth_date": "1952-01-01",
            "birth_place": "",
            "nationality": "",
        }
    ]
    assert data["messages"][0]["kind"] == "confirmation"
    assert registration.secret not in download.content.decode()


def test_management_page_in_french(client, make_ceremony):
    created = service_register(make_ceremony(max_companions=1), 1)
    response = client.get(f"/fr/r/{created.token}/")
    assert response.status_code == 200
    assert_private(response)
    html = text(response)
    assert '<html lang="fr"' in html
    for element in ("registration-status", "manage-link", "download-data", "cancel-registration"):
        assert f'id="{element}"' in html
    assert 'id="edit-companions"' in html


# -- the rush: a form page rendered once per few seconds, a POST that only writes -------------


def _token(html: str) -> str:
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)


def test_form_page_is_rendered_once_then_served_with_each_visitors_token(
    make_ceremony, django_assert_num_queries
):
    ceremony = make_ceremony(capacity=3)
    first, second = Client(enforce_csrf_checks=True), Client(enforce_csrf_checks=True)
    one = text(first.get(url(ceremony)))
    with django_assert_num_queries(0):
        response = second.get(url(ceremony))
    assert_private(response)
    two = text(response)
    assert "@@" not in two and 'id="registration-form"' in two
    assert _token(one) != _token(two) and "csrftoken" in response.cookies
    assert one.replace(_token(one), "") == two.replace(_token(two), "")
    posted = second.post(url(ceremony), {**form(2), "csrfmiddlewaretoken": _token(two)})
    assert posted.status_code == 303
    assert Registration.objects.get().email == "person2@example.org"


@pytest.fixture
def form_pages_stored(monkeypatch):
    """[(key, seconds)] of the form pages stored in the cache (any cache backend)."""
    from liberation.registrations import views

    stored = []
    real_set = views.local.set

    def recording_set(key, value, timeout=None, **kwargs):
        if "form_page" in key:
            stored.append((key, timeout))
        return real_set(key, value, timeout, **kwargs)

    monkeypatch.setattr(views.local, "set", recording_set)
    return stored


def test_form_page_cache_never_outlives_a_change_of_state(
    client, make_ceremony, english, form_pages_stored
):
    from liberation.registrations.views import _form_page_seconds

    now = timezone.now()
    ceremony = make_ceremony(
        opens_at=now + dt.timedelta(seconds=3), closes_at=now + dt.timedelta(days=1)
    )
    page = english(ceremony)
    assert _form_page_seconds(page, now) == 3
    assert _form_page_seconds(page, now + dt.timedelta(seconds=4)) == 5
    assert _form_page_seconds(page, ceremony.closes_at - dt.timedelta(seconds=1)) == 1
    assert _form_page_seconds(page, ceremony.closes_at - dt.timedelta(milliseconds=10)) == 0
    # Not open yet, seconds from opening: rendered, and kept until the opening at most.
    assert 'id="registration-not-open"' in text(client.get(url(ceremony, "en")))
    ((_key, seconds),) = form_pages_stored
    assert seconds <= 3


def test_editors_get_their_own_form_page(
    client, make_ceremony, django_user_model, form_pages_stored
):
    ceremony = make_ceremony()
    Client().get(url(ceremony))  # stored for visitors
    editor = django_user_model.objects.create_superuser("editor", "e@example.org", "pw")
    client.force_login(editor)
    assert client.get(url(ceremony)).status_code == 200
    assert client.get(url(ceremony)).status_code == 200
    # The editor's page (with the Wagtail user bar) is neither served from nor stored in
    # the cache.
    assert len(form_pages_stored) == 1


def test_registering_post_asks_the_shared_cache_once(client, make_ceremony, monkeypatch):
    """The page and the settings row come from the process (core/process_cache.py): the
    only round trip to the shared cache is the one every node must see, the seats left
    shown on the ceremony page (and the rate limits' counters, which every node shares).
    Each process renders the form page itself, then serves it with each visitor's
    token."""
    from liberation.registrations import views

    ceremony = make_ceremony(capacity=3)
    client.get(url(ceremony))  # the form, as a browser does first
    calls = []
    for name in ("get", "set", "add", "delete", "get_many", "set_many"):
        real = getattr(views.cache, name)
        monkeypatch.setattr(
            views.cache,
            name,
            lambda *a, _real=real, _name=name, **k: (
                calls.append((_name, a[0])),
                _real(*a, **k),
            )[1],
        )
    other = Client(enforce_csrf_checks=True)
    token = _token(text(other.get(url(ceremony))))
    response = other.post(url(ceremony), {**form(), "csrfmiddlewaretoken": token})
    assert response.status_code == 303
    calls = [call for call in calls if not call[1].startswith("ratelimit:")]  # shared
    assert calls == [("delete", f"registrations:seats_left:{ceremony.pk}")]


def test_the_kept_page_is_never_changed_by_a_request(make_ceremony, english):
    """Every caller gets its own copy of the kept page and settings row: a thread that
    sets a fresh row on its page changes nobody else's."""
    from liberation.registrations import views

    ceremony = make_ceremony(capacity=3)
    english(ceremony)
    one = views.registration_page(ceremony.pk, "en", cached_settings=True)
    two = views.registration_page(ceremony.pk, "en", cached_settings=True)
    assert one is not two and one.registration is not two.registration
    one.registration = None
    one.registration_form_fields_changed = True
    three = views.registration_page(ceremony.pk, "en", cached_settings=True)
    assert three.registration is not None and three.registration.pk == ceremony.pk
    assert not hasattr(three, "registration_form_fields_changed")


def test_registering_post_only_writes(client, make_ceremony, django_assert_max_num_queries):
    ceremony = make_ceremony(capacity=3)
    client.get(url(ceremony))  # the form, as a browser does first
    # settings (1), then savepoint, registration, email, seats, release (5)
    with django_assert_max_num_queries(6):
        response = client.post(url(ceremony), form())
    assert response.status_code == 303
    assert OutboxMessage.objects.get().kind == Kind.CONFIRMATION
