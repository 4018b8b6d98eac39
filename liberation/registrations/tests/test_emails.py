"""The registrations' own emails: what they say, in the registrant's language, written
by our renderer at delivery (the delivery itself is the mail app's, tested there)."""

from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext

from liberation.mail.delivery import outbox_deliver
from liberation.mail.models import MAX_ATTEMPTS, OutboxMessage
from liberation.mail.services import outbox_write
from liberation.registrations import emails
from liberation.registrations.services import Person, RegistrationRequest, registration_create


def register(ceremony, n: int = 1, **kwargs):
    return registration_create(
        ceremony=ceremony,
        request=RegistrationRequest(
            email=f"person{n}@example.org",
            registrant=Person(given_name=f"Jeanne{n}", surname="Martin"),
            **kwargs,
        ),
    )


def test_confirmation_in_french(make_ceremony):
    ceremony = make_ceremony()
    created = register(ceremony, language="fr")
    message = OutboxMessage.objects.get()
    assert (message.source, message.object_id, message.kind, message.language) == (
        "registrations",
        created.registration.pk,
        emails.Kind.CONFIRMATION,
        "fr",
    )
    assert outbox_deliver() == 1
    [sent] = mail.outbox
    title = f"Cérémonie {ceremony.pk}"
    assert sent.to == ["person1@example.org"]
    assert sent.extra_headers["Content-Language"] == "fr"
    assert sent.subject == f"Inscription confirmée\u00a0: {title}"
    assert title in sent.body
    assert f"/fr/r/{created.token}/" in sent.body
    assert "Arrivée à 16 h 30" in sent.body  # the practical instructions
    assert created.registration.reference in sent.body


def test_confirmation_in_english(make_ceremony, translate):
    from liberation.events.models import CeremonyPage

    ceremony = make_ceremony()
    french = CeremonyPage.objects.get(registration=ceremony)
    translate(french, "en", title=f"Ceremony {ceremony.pk}")
    created = register(ceremony, language="en")
    assert outbox_deliver() == 1
    [sent] = mail.outbox
    assert sent.extra_headers["Content-Language"] == "en"
    assert sent.subject == f"Registration confirmed: Ceremony {ceremony.pk}"
    assert sent.body.startswith("Hello Jeanne1,")
    assert "Your registration is confirmed for 1 person" in sent.body
    assert f"/en/r/{created.token}/" in sent.body


def test_body_is_written_by_the_worker_at_delivery(make_ceremony):
    """The registering request stores recipient, language, kind and subject; our
    renderer writes the body when the worker sends it, from the registration as it is
    then, in one read."""
    from liberation.events.models import CeremonyPage

    ceremony = make_ceremony()
    created = register(ceremony, language="fr")
    message = OutboxMessage.objects.get()
    assert message.body == "" and message.subject and message.to == "person1@example.org"
    page = CeremonyPage.objects.get(registration=ceremony)
    page.instructions = "Arrivée avancée à 15 h 45."
    page.save_revision().publish()
    with CaptureQueriesContext(connection) as captured:
        assert outbox_deliver() == 1
    reads = [
        q
        for q in captured
        if q["sql"].startswith("SELECT") and 'FROM "registrations_registration"' in q["sql"]
    ]
    assert len(reads) == 1, reads
    body = mail.outbox[0].body
    assert f"/fr/r/{created.token}/" in body and "Arrivée avancée à 15 h 45." in body


def test_an_email_whose_registration_is_gone_is_given_up(db):
    outbox_write(
        to="x@example.org",
        language="fr",
        kind=emails.Kind.CONFIRMATION,
        subject="S",
        source=emails.SOURCE,
        object_id=123456,
    )
    assert outbox_deliver() == 0
    message = OutboxMessage.objects.get()
    assert message.attempts == MAX_ATTEMPTS and "nothing to send" in message.last_error
    assert mail.outbox == []


def test_the_staff_history_names_each_kind(make_ceremony):
    from django.utils import translation

    created = register(make_ceremony())
    with translation.override("fr"):
        [message] = emails.message_history(created.registration)
        assert message.kind_label == "Confirmation"
    assert list(emails.messages_of(created.registration)) == [message]
