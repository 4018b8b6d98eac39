"""Email delivery against a real SMTP server (aiosmtpd, in this process): language,
backoff while the server is down, never twice, giving up visibly."""

import asyncio
import datetime as dt
import email
import email.policy
import socket
import threading

import pytest
from aiosmtpd.controller import Controller
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from liberation.registrations import emails
from liberation.registrations.emails import (
    MAX_ATTEMPTS,
    _claim,
    deliver_one,
    outbox_deliver,
    outbox_failed,
    outbox_in_doubt,
    outbox_report_in_doubt,
    outbox_retry,
)
from liberation.registrations.models import OutboxMessage
from liberation.registrations.services import Person, RegistrationRequest, registration_create


class Recorder:
    """aiosmtpd handler that keeps every message it accepted."""

    def __init__(self):
        self.received: list[email.message.EmailMessage] = []
        self.sessions: set[int] = set()
        self.rcpt_calls = 0
        self.rcpt_reply: str | None = None  # e.g. "550 …" to refuse recipients
        self.data_delay = 0.0  # seconds to wait before the final reply to DATA

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        self.rcpt_calls += 1
        if self.rcpt_reply:
            return self.rcpt_reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        # Recorded before any delay: from here on the server holds the message.
        self.received.append(
            email.message_from_bytes(envelope.original_content, policy=email.policy.default)
        )
        self.sessions.add(id(session))
        if self.data_delay:
            await asyncio.sleep(self.data_delay)
        return "250 Message accepted for delivery"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class SmtpServer:
    def __init__(self, port: int):
        self.port = port
        self.handler = Recorder()
        self.controller: Controller | None = None

    @property
    def received(self):
        return self.handler.received

    def start(self) -> None:
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


@pytest.fixture
def smtp_port(settings):
    """Django's SMTP backend pointed at a free local port (nothing listens yet)."""
    port = free_port()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = port
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_USE_SSL = False
    settings.EMAIL_TIMEOUT = 2
    return port


@pytest.fixture
def smtp_server(smtp_port):
    """The same, with a server listening."""
    server = SmtpServer(smtp_port)
    server.start()
    yield server
    server.stop()


def register(ceremony, n: int = 1, **kwargs):
    return registration_create(
        ceremony=ceremony,
        request=RegistrationRequest(
            email=f"person{n}@example.org",
            registrant=Person(given_name=f"Jeanne{n}", surname="Martin"),
            **kwargs,
        ),
    )


def body_of(message) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


T0 = timezone.now()


def test_confirmation_in_french(make_ceremony, smtp_server):
    ceremony = make_ceremony()
    created = register(ceremony, language="fr")
    assert outbox_deliver() == 1
    [received] = smtp_server.received
    title = f"Cérémonie {ceremony.pk}"
    assert received["To"] == "person1@example.org"
    assert received["Content-Language"] == "fr"
    assert received["Auto-Submitted"] == "auto-generated"
    assert title in received["Subject"]
    body = body_of(received)
    assert title in body
    assert f"/fr/r/{created.token}/" in body
    assert "Arrivée à 16 h 30" in body  # the practical instructions
    assert created.registration.reference in body
    message = OutboxMessage.objects.get()
    assert received["Message-ID"] == f"<outbox-{message.pk}@liberation.local>"
    # Sent: the body (which holds the private link) is no longer stored.
    assert message.sent_at is not None and message.body == ""


def test_confirmation_in_english(make_ceremony, translate, smtp_server):
    from liberation.events.models import CeremonyPage

    ceremony = make_ceremony()
    french = CeremonyPage.objects.get(registration=ceremony)
    translate(french, "en", title=f"Ceremony {ceremony.pk}")
    created = register(ceremony, language="en")
    assert outbox_deliver() == 1
    [received] = smtp_server.received
    assert received["Content-Language"] == "en"
    assert received["Subject"] == f"Registration confirmed: Ceremony {ceremony.pk}"
    body = body_of(received)
    assert body.startswith("Hello Jeanne1,")
    assert "Your registration is confirmed for 1 person" in body
    assert f"/en/r/{created.token}/" in body


def test_body_is_written_by_the_worker_at_delivery(make_ceremony, smtp_server):
    """The registering request stores recipient, kind and subject; the worker writes the
    body when it sends it, from the registration as it is then."""
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
    assert len(reads) == 1, reads  # the body and its language from one read
    body = body_of(smtp_server.received[0])
    assert f"/fr/r/{created.token}/" in body and "Arrivée avancée à 15 h 45." in body


def test_message_without_text_or_registration_is_given_up(db, smtp_server):
    OutboxMessage.objects.create(kind="confirmation", to="x@example.org", subject="S", body="")
    assert outbox_deliver(now=T0) == 0
    message = OutboxMessage.objects.get()
    assert message.attempts == MAX_ATTEMPTS and "nothing to send" in message.last_error
    assert smtp_server.received == []


def test_server_down_retried_with_backoff_then_sent_once(make_ceremony, smtp_port):
    register(make_ceremony())
    assert outbox_deliver(now=T0) == 0
    message = OutboxMessage.objects.get()
    assert message.attempts == 1 and message.claimed_at is None and message.sent_at is None
    assert message.next_attempt_at == T0 + dt.timedelta(seconds=30)
    assert "Connection" in message.last_error  # ConnectionRefusedError

    # Not due yet: nothing is tried.
    assert outbox_deliver(now=T0 + dt.timedelta(seconds=10)) == 0
    message.refresh_from_db()
    assert message.attempts == 1

    # Due, still down: the delay doubles.
    later = T0 + dt.timedelta(seconds=31)
    assert outbox_deliver(now=later) == 0
    message.refresh_from_db()
    assert message.attempts == 2
    assert message.next_attempt_at == later + dt.timedelta(seconds=60)

    server = SmtpServer(smtp_port)
    server.start()
    try:
        assert outbox_deliver(now=later + dt.timedelta(seconds=61)) == 1
        for hours in (1, 2, 24):
            assert outbox_deliver(now=T0 + dt.timedelta(hours=hours)) == 0
        assert len(server.received) == 1
    finally:
        server.stop()
    message.refresh_from_db()
    assert message.sent_at is not None and message.last_error == ""


def test_backoff_is_capped():
    assert emails.backoff(1) == dt.timedelta(seconds=30)
    assert emails.backoff(4) == dt.timedelta(minutes=4)
    assert emails.backoff(MAX_ATTEMPTS) == dt.timedelta(hours=1)


def test_gives_up_after_max_attempts_and_stays_visible(make_ceremony, smtp_port):
    register(make_ceremony())
    for attempt in range(MAX_ATTEMPTS + 3):
        outbox_deliver(now=T0 + dt.timedelta(hours=2 * attempt))
    message = OutboxMessage.objects.get()
    assert message.attempts == MAX_ATTEMPTS
    assert message.sent_at is None and message.claimed_at is None
    assert message.last_error.startswith(f"Given up after {MAX_ATTEMPTS} attempts")
    assert list(outbox_failed()) == [message]
    # A staff decision sends it again, with the same Message-ID.
    server = SmtpServer(smtp_port)
    server.start()
    try:
        outbox_retry(message=message)
        assert outbox_deliver() == 1
        assert server.received[0]["Message-ID"] == emails.message_id(message)
    finally:
        server.stop()


def test_two_workers_claiming_the_same_message_send_it_once(make_ceremony, smtp_server):
    register(make_ceremony())
    first = _claim(T0)
    second = _claim(T0)
    assert first is not None and second is None
    assert deliver_one(first) is emails.Outcome.SENT
    assert _claim(T0 + dt.timedelta(days=1)) is None
    assert outbox_deliver(now=T0 + dt.timedelta(days=1)) == 0
    assert len(smtp_server.received) == 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_workers_send_each_message_exactly_once(smtp_server):
    """Real threads, each with its own database connection, against the real server."""
    count = 20
    for n in range(count):
        OutboxMessage.objects.create(
            kind=OutboxMessage.Kind.MESSAGE, to=f"p{n}@example.org", subject=f"S{n}", body="b"
        )
    barrier = threading.Barrier(4)
    results, errors = [], []

    def worker():
        try:
            barrier.wait()
            results.append(outbox_deliver())
        except Exception as error:  # pragma: no cover (reported below)
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sum(results) == count
    ids = [m["Message-ID"] for m in smtp_server.received]
    assert len(ids) == count and len(set(ids)) == count
    assert OutboxMessage.objects.filter(sent_at__isnull=True).count() == 0


def test_one_connection_for_a_batch(make_ceremony, smtp_server):
    ceremony = make_ceremony(capacity=10)
    for n in range(3):
        register(ceremony, n)
    assert outbox_deliver() == 3
    assert len(smtp_server.received) == 3
    assert len(smtp_server.handler.sessions) == 1


def test_connection_lost_after_the_body_is_in_doubt_and_not_resent(
    make_ceremony, smtp_server, settings
):
    settings.EMAIL_TIMEOUT = 1
    smtp_server.handler.data_delay = 3  # the server holds the message but answers late
    register(make_ceremony())
    assert outbox_deliver(now=T0) == 0
    assert len(smtp_server.received) == 1
    message = OutboxMessage.objects.get()
    assert message.sent_at is None and message.claimed_at is not None
    assert message.last_error.startswith("In doubt")
    assert list(outbox_in_doubt(now=T0)) == [message]
    smtp_server.handler.data_delay = 0
    for hours in (1, 24):
        assert outbox_deliver(now=T0 + dt.timedelta(hours=hours)) == 0
    assert len(smtp_server.received) == 1
    # Already reported: the clock does not log it again every minute.
    assert outbox_report_in_doubt(now=T0 + dt.timedelta(hours=1)) == 0


def test_worker_died_after_claiming_is_reported_once_never_resent(make_ceremony, smtp_server):
    register(make_ceremony())
    claimed = _claim(T0)  # ... and the worker process dies here
    assert outbox_deliver(now=T0 + dt.timedelta(minutes=1)) == 0
    assert list(outbox_in_doubt(now=T0 + dt.timedelta(minutes=1))) == []  # maybe still sending
    assert outbox_report_in_doubt(now=T0 + dt.timedelta(minutes=11)) == 1
    assert outbox_report_in_doubt(now=T0 + dt.timedelta(minutes=12)) == 0
    assert list(outbox_in_doubt(now=T0 + dt.timedelta(minutes=11))) == [claimed]
    claimed.refresh_from_db()
    assert claimed.last_error.startswith("In doubt") and emails.message_id(claimed) in (
        claimed.last_error
    )
    assert outbox_deliver(now=T0 + dt.timedelta(days=1)) == 0
    assert smtp_server.received == []


def test_recipient_refused_for_good_is_given_up_at_once(make_ceremony, smtp_server):
    smtp_server.handler.rcpt_reply = "550 5.1.1 No such user"
    register(make_ceremony())
    assert outbox_deliver(now=T0) == 0
    message = OutboxMessage.objects.get()
    assert message.attempts == MAX_ATTEMPTS and "550" in message.last_error
    assert list(outbox_failed()) == [message]
    smtp_server.handler.rcpt_reply = None
    assert outbox_deliver(now=T0 + dt.timedelta(days=1)) == 0
    assert smtp_server.handler.rcpt_calls == 1 and smtp_server.received == []


def test_recipient_deferred_is_retried(make_ceremony, smtp_server):
    smtp_server.handler.rcpt_reply = "451 4.7.1 Greylisted, try again later"
    register(make_ceremony())
    assert outbox_deliver(now=T0) == 0
    message = OutboxMessage.objects.get()
    assert message.attempts == 1 and message.next_attempt_at == T0 + dt.timedelta(seconds=30)
    smtp_server.handler.rcpt_reply = None
    assert outbox_deliver(now=T0 + dt.timedelta(minutes=1)) == 1
    assert len(smtp_server.received) == 1


def test_queue_asks_the_worker_once_per_window(make_ceremony, settings, monkeypatch):
    """With a queue that can defer, many emails in a burst make one task, not one each."""
    from django.core.cache import cache

    enqueued = []

    class Deferring:
        supports_defer = True

    class Task:
        def get_backend(self):
            return Deferring()

        def using(self, run_after):
            enqueued.append(run_after)
            return self

        def enqueue(self):
            pass

    monkeypatch.setattr(emails, "deliver_outbox", Task())
    cache.delete(emails._KICK_KEY)
    for _i in range(5):
        emails._kick_delivery()
    assert len(enqueued) == 1
    cache.delete(emails._KICK_KEY)
