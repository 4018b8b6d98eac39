"""The admin's editor of the registration settings (the snippet), while registration is
open: staff changes are saved through `services.registration_settings_save`.

A capacity below the seats held, a closing date before the opening, a negative value:
the form comes back with a clear message in the staff's language, nothing is saved.
A larger capacity offers the new seats to the waiting list in order.
"""

import datetime as dt
import html

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from wagtail.users.models import UserProfile

from liberation.events.models import RegistrationSettings
from liberation.mail.models import OutboxMessage
from liberation.registrations.emails import Kind
from liberation.registrations.models import Registration
from liberation.registrations.services import (
    Person,
    RegistrationRequest,
    registration_create,
)

S = Registration.Status


def register(ceremony, n: int, *, companions: int = 0, join_waitlist: bool = False):
    return registration_create(
        ceremony=RegistrationSettings.objects.get(pk=ceremony.pk),
        request=RegistrationRequest(
            email=f"person{n}@example.org",
            registrant=Person(given_name=f"Jeanne{n}", surname="Martin"),
            companions=[Person(given_name=f"C{i}", surname="Martin") for i in range(companions)],
            join_waitlist=join_waitlist,
        ),
    ).registration


def staff_client(django_user_model, language: str) -> Client:
    user = django_user_model.objects.create_superuser(
        f"chief-{language}", f"chief-{language}@example.org", "pw"
    )
    profile = UserProfile.get_for_user(user)
    profile.preferred_language = language
    profile.save()
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def en_client(django_user_model):
    return staff_client(django_user_model, "en")


@pytest.fixture
def fr_client(django_user_model):
    return staff_client(django_user_model, "fr")


def edit_url(ceremony) -> str:
    return reverse("wagtailsnippets_events_registrationsettings:edit", args=[ceremony.pk])


def _local(value: dt.datetime) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M:%S")


def form_data(ceremony, **changes) -> dict:
    """The edit form as the admin posts it, from the row as it is, with `changes`."""
    data = {
        "name": ceremony.name,
        "capacity": ceremony.capacity,
        "opens_at": _local(ceremony.opens_at),
        "closes_at": _local(ceremony.closes_at),
        "mode": ceremony.mode,
        "max_companions": ceremony.max_companions,
        "retention_days": ceremony.retention_days,
        "offer_hours": ceremony.offer_hours,
    }
    for flag in ("screening_required", "ask_birth_date", "ask_birth_place", "ask_nationality"):
        if getattr(ceremony, flag):
            data[flag] = "on"
    data.update(changes)
    return data


def errors_of(response) -> str:
    """The page as the staff member read it (in their language): the form, with errors."""
    assert response.status_code == 200, response.status_code
    assert response.context["form"].errors
    return html.unescape(response.content.decode())


def test_the_snippet_editor_saves_without_touching_the_counter(make_ceremony, en_client):
    ceremony = make_ceremony(capacity=3, max_companions=0)
    assert en_client.get(edit_url(ceremony)).status_code == 200
    register(ceremony, 1)
    response = en_client.post(edit_url(ceremony), form_data(ceremony, name="Typo fixed"))
    assert response.status_code == 302, errors_of(response)
    ceremony.refresh_from_db()
    assert (ceremony.name, ceremony.seats_taken) == ("Typo fixed", 1)


@pytest.mark.parametrize(
    ("client_fixture", "expected"),
    [
        ("en_client", "The capacity cannot be lower than the seats already held"),
        ("fr_client", "La capacité ne peut pas être inférieure au nombre de places déjà"),
    ],
)
def test_a_capacity_below_the_seats_held_is_refused(
    make_ceremony, request, client_fixture, expected
):
    client = request.getfixturevalue(client_fixture)
    ceremony = make_ceremony(capacity=5, max_companions=2)
    register(ceremony, 1, companions=2)
    response = client.post(edit_url(ceremony), form_data(ceremony, capacity=2, name="Changed"))
    page = errors_of(response)
    assert expected in page and "(3)" in page
    ceremony.refresh_from_db()
    assert (ceremony.capacity, ceremony.name, ceremony.seats_taken) == (5, ceremony.name, 3)
    assert ceremony.name != "Changed"  # nothing saved
    # Down to exactly the seats held: accepted.
    response = client.post(edit_url(ceremony), form_data(ceremony, capacity=3))
    assert response.status_code == 302, errors_of(response)
    ceremony.refresh_from_db()
    assert (ceremony.capacity, ceremony.seats_taken) == (3, 3)


@pytest.mark.parametrize(
    ("client_fixture", "closes_first", "negative"),
    [
        (
            "en_client",
            "Registration must close after it opens.",
            "Ensure this value is greater than or equal to 0.",
        ),
        (
            "fr_client",
            "La clôture des inscriptions doit être postérieure à leur ouverture.",
            "Assurez-vous que cette valeur est supérieure ou égale à 0.",
        ),
    ],
)
def test_bad_values_get_a_clear_message_and_nothing_is_saved(
    make_ceremony, request, client_fixture, closes_first, negative
):
    client = request.getfixturevalue(client_fixture)
    ceremony = make_ceremony(capacity=5)
    before = RegistrationSettings.objects.filter(pk=ceremony.pk).values().get()
    backwards = form_data(ceremony, name="Changed", closes_at=_local(ceremony.opens_at))
    assert closes_first in errors_of(client.post(edit_url(ceremony), backwards))
    for field in ("capacity", "max_companions", "offer_hours", "retention_days"):
        response = client.post(edit_url(ceremony), form_data(ceremony, **{field: -1}))
        assert negative in errors_of(response), field
    response = client.post(edit_url(ceremony), form_data(ceremony, capacity="beaucoup"))
    assert errors_of(response) and response.context["form"].errors["capacity"]
    assert RegistrationSettings.objects.filter(pk=ceremony.pk).values().get() == before


@pytest.mark.parametrize(
    ("client_fixture", "offered_message"),
    [
        ("en_client", "2 registrations on the waiting list were offered seats."),
        ("fr_client", "2 inscriptions de la liste d’attente se sont vu proposer des places."),
    ],
)
def test_a_larger_capacity_offers_the_new_seats_in_order(
    make_ceremony, request, client_fixture, offered_message
):
    client = request.getfixturevalue(client_fixture)
    ceremony = make_ceremony(capacity=2, max_companions=1)
    register(ceremony, 1, companions=1)
    first = register(ceremony, 2, join_waitlist=True)
    group = register(ceremony, 3, companions=1, join_waitlist=True)
    last = register(ceremony, 4, join_waitlist=True)
    assert {first.status, group.status, last.status} == {S.WAITLISTED}
    response = client.post(edit_url(ceremony), form_data(ceremony, capacity=5), follow=True)
    assert response.status_code == 200
    assert offered_message in response.content.decode()
    for registration in (first, group, last):
        registration.refresh_from_db()
    # 3 new seats: the first (1 seat), then the group (2 seats); nobody jumps the queue.
    assert (first.status, group.status, last.status) == (S.OFFERED, S.OFFERED, S.WAITLISTED)
    ceremony.refresh_from_db()
    assert (ceremony.capacity, ceremony.seats_taken) == (5, 5)
    offers = OutboxMessage.objects.filter(kind=Kind.OFFER)
    assert sorted(offers.values_list("to", flat=True)) == [first.email, group.email]


def test_a_draw_not_yet_drawn_offers_nothing(make_ceremony, en_client):
    ceremony = make_ceremony(capacity=1, mode="draw")
    register(ceremony, 1)
    response = en_client.post(edit_url(ceremony), form_data(ceremony, capacity=4))
    assert response.status_code == 302, errors_of(response)
    assert not Registration.objects.filter(status=S.OFFERED).exists()


def test_a_new_settings_row_is_created_through_the_service(db, en_client):
    now = timezone.now()
    url = reverse("wagtailsnippets_events_registrationsettings:add")
    data = {
        "name": "Nouvelle cérémonie",
        "capacity": 40,
        "opens_at": _local(now),
        "closes_at": _local(now + dt.timedelta(days=3)),
        "mode": "first_come",
        "max_companions": 1,
        "retention_days": 30,
        "offer_hours": 48,
    }
    response = en_client.post(url, data)
    assert response.status_code == 302, errors_of(response)
    created = RegistrationSettings.objects.get(name="Nouvelle cérémonie")
    assert (created.capacity, created.seats_taken) == (40, 0)
    backwards = {**data, "name": "Autre", "closes_at": _local(now - dt.timedelta(days=1))}
    assert "Registration must close after it opens." in errors_of(en_client.post(url, backwards))
    assert not RegistrationSettings.objects.filter(name="Autre").exists()


def test_the_ceremony_page_editor_still_chooses_its_settings_as_a_snippet(make_ceremony, en_client):
    """The snippet is registered by the registrations app (wagtail_hooks), not events."""
    from liberation.events.models import CeremonyPage

    ceremony = make_ceremony(capacity=3)
    page = CeremonyPage.objects.get(registration=ceremony)
    response = en_client.get(reverse("wagtailadmin_pages:edit", args=[page.pk]))
    assert response.status_code == 200
    assert reverse("wagtailsnippetchoosers_events_registrationsettings:choose") in (
        response.content.decode()
    )
