"""Personal data: erased after the retention period (anonymous counts survive), and
exported on request."""

import datetime as dt
import json
from collections import Counter

import pytest
from django.apps import apps
from django.core import mail, serializers
from django.utils import timezone

from liberation.events.models import CeremonyPage
from liberation.mail.delivery import outbox_deliver
from liberation.mail.models import OutboxMessage
from liberation.registrations import extensions
from liberation.registrations.models import Companion, Registration
from liberation.registrations.privacy import (
    erase_expired_personal_data,
    registration_data_export,
)
from liberation.registrations.services import (
    Person,
    RegistrationRequest,
    registration_cancel,
    registration_create,
    registration_for_token,
)

S = Registration.Status
PERSONAL = ["Jeanne", "Martin", "Lucien", "Dupont", "example.org", "Besançon", "française"]


def person(given: str, surname: str, year: int) -> Person:
    return Person(
        given_name=given,
        surname=surname,
        birth_date=dt.date(year, 5, 8),
        birth_place="Besançon",
        nationality="française",
    )


@pytest.fixture
def ceremony_with_people(make_ceremony):
    """A screened ceremony: confirmed (one with a companion), waiting, cancelled."""
    ceremony = make_ceremony(
        capacity=3,
        screening_required=True,
        ask_birth_date=True,
        ask_birth_place=True,
        ask_nationality=True,
    )
    created = []
    for n, (companions, waitlist) in enumerate([(1, False), (0, False), (0, True), (0, True)]):
        created.append(
            registration_create(
                ceremony=ceremony,
                request=RegistrationRequest(
                    email=f"jeanne{n}@example.org",
                    registrant=person(f"Jeanne{n}", "Martin", 1940 + n),
                    companions=[person("Lucien", "Dupont", 1938)] * companions,
                    join_waitlist=waitlist,
                ),
            )
        )
    registration_cancel(registration=created[3].registration)
    return ceremony, created


def ended(ceremony, days_ago: float, now) -> None:
    end = now - dt.timedelta(days=days_ago)
    CeremonyPage.objects.filter(registration=ceremony).update(
        starts_at=end - dt.timedelta(hours=2), ends_at=end
    )


def counts(ceremony) -> Counter:
    return Counter((r.status, r.seats) for r in Registration.objects.filter(ceremony=ceremony))


def dump_registrations_app() -> str:
    rows = []
    for app in ("registrations", "mail"):  # the outbox holds our emails
        for model in apps.get_app_config(app).get_models():
            rows.extend(model.objects.all())
    return serializers.serialize("json", rows)


def test_erases_identity_data_and_keeps_counts(ceremony_with_people):
    ceremony, created = ceremony_with_people
    now = timezone.now()
    ended(ceremony, 31, now)
    before = counts(ceremony)
    assert before == Counter(
        {(S.CONFIRMED, 2): 1, (S.CONFIRMED, 1): 1, (S.WAITLISTED, 1): 1, (S.CANCELLED, 1): 1}
    )
    ceremony.refresh_from_db()
    seats_taken = ceremony.seats_taken
    assert any(word in dump_registrations_app() for word in PERSONAL)

    assert erase_expired_personal_data(now=now) == 4

    assert counts(ceremony) == before
    ceremony.refresh_from_db()
    assert ceremony.seats_taken == seats_taken
    assert Companion.objects.count() == 0
    for registration in Registration.objects.filter(ceremony=ceremony):
        assert registration.erased_at == now
        assert (registration.given_name, registration.surname) == ("", "")
        assert registration.birth_date is None and registration.identity_key is None
        assert registration.birth_place == registration.nationality == registration.secret == ""
        assert registration.email.endswith("@erased.invalid")
    for message in OutboxMessage.objects.all():
        assert message.to == "" and message.body == ""
    dump = dump_registrations_app()
    for word in PERSONAL:
        assert word not in dump, word
    # The private links no longer open anything.
    assert all(registration_for_token(token=c.token) is None for c in created)


def test_kept_until_the_retention_period_has_passed(ceremony_with_people):
    ceremony, created = ceremony_with_people
    now = timezone.now()
    ended(ceremony, 29, now)
    assert erase_expired_personal_data(now=now) == 0
    ceremony.retention_days = 7
    ceremony.save()
    assert erase_expired_personal_data(now=now) == 4
    assert erase_expired_personal_data(now=now) == 0  # idempotent


def test_an_unsent_email_is_never_delivered_after_erasure(ceremony_with_people):
    ceremony, _created = ceremony_with_people
    now = timezone.now()
    ended(ceremony, 40, now)
    unsent = OutboxMessage.objects.filter(sent_at__isnull=True).count()
    assert unsent > 0
    erase_expired_personal_data(now=now)
    assert outbox_deliver() == 0 and mail.outbox == []
    assert OutboxMessage.objects.filter(last_error__contains="erased").count() == unsent


def test_data_export_holds_everything_about_the_person(ceremony_with_people):
    ceremony, created = ceremony_with_people
    registration = created[0].registration
    outbox_deliver()
    data = registration_data_export(registration=registration)
    json.dumps(data)  # ready for a JSON download
    assert data["registration"]["email"] == "jeanne0@example.org"
    assert data["registration"]["given_name"] == "Jeanne0"
    assert data["registration"]["birth_date"] == "1940-05-08"
    assert data["registration"]["birth_place"] == "Besançon"
    assert data["registration"]["status"] == "confirmed"
    assert data["ceremony"]["title"] == f"Cérémonie {ceremony.pk}"
    assert data["companions"] == [
        {
            "given_name": "Lucien",
            "surname": "Dupont",
            "birth_date": "1938-05-08",
            "birth_place": "Besançon",
            "nationality": "française",
        }
    ]
    [message] = data["messages"]
    assert message["kind"] == "confirmation" and message["sent_at"]
    assert message["subject"].endswith(f"Cérémonie {ceremony.pk}")
    # Not a credential: neither the secret nor the management token.
    text = json.dumps(data)
    assert registration.secret not in text and created[0].token not in text


# --- What other apps keep (extensions.PersonalData) ----------------------------------


@pytest.fixture
def other_app(monkeypatch):
    """An app standing on registrations that keeps a note per registrant: its erase()
    and export() record what they were given."""
    calls = []

    def erase(*, registrations, now):
        # Inside the erasure's transaction, before registrations' own fields are blanked.
        calls.append(([r.given_name for r in registrations], now, in_atomic_block()))

    monkeypatch.setattr(extensions, "_personal_data", {})
    extensions.personal_data_register(
        extensions.PersonalData(
            key="note", export=lambda registration: {"of": registration.reference}, erase=erase
        )
    )
    return calls


def in_atomic_block() -> bool:
    from django.db import connection

    return connection.in_atomic_block


def test_other_apps_erase_their_part_in_the_same_transaction(ceremony_with_people, other_app):
    ceremony, created = ceremony_with_people
    now = timezone.now()
    ended(ceremony, 31, now)
    assert erase_expired_personal_data(now=now) == 4
    [(names, when, atomic)] = other_app
    assert sorted(names) == ["Jeanne0", "Jeanne1", "Jeanne2", "Jeanne3"]  # not yet blanked
    assert when == now and atomic
    assert erase_expired_personal_data(now=now) == 0 and len(other_app) == 1  # once


def test_a_failing_part_undoes_the_whole_erasure(ceremony_with_people, monkeypatch):
    ceremony, _created = ceremony_with_people
    now = timezone.now()
    ended(ceremony, 31, now)

    def broken(*, registrations, now):
        raise RuntimeError("the other app's store is down")

    monkeypatch.setattr(extensions, "_personal_data", {})
    extensions.personal_data_register(
        extensions.PersonalData(key="note", export=lambda r: None, erase=broken)
    )
    with pytest.raises(RuntimeError):
        erase_expired_personal_data(now=now)
    assert not Registration.objects.filter(erased_at__isnull=False).exists()
    assert Companion.objects.count() == 1


def test_other_apps_add_their_section_to_the_export(ceremony_with_people, other_app):
    _ceremony, created = ceremony_with_people
    registration = created[0].registration
    data = registration_data_export(registration=registration)
    assert data["note"] == {"of": registration.reference}
