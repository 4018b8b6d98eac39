"""The SMTP server down for ten minutes of retries in the middle of a registration
rush, then back: every email goes out exactly once (issue 13, 7). The outage is a local
SMTP server (aiosmtpd, a free loopback port) stopped and started; the clock is driven
(`outbox_deliver(now=…)` once a simulated minute, as the worker's kicks and the
minute clock do), so ten minutes last a few seconds. docs/testing.md."""

import datetime as dt
from collections import Counter

import pytest
from django.utils import timezone

from liberation.mail.delivery import outbox_deliver
from liberation.mail.models import MAX_ATTEMPTS, OutboxMessage
from liberation.mail.tests.conftest import SmtpServer, free_port
from liberation.registrations.services import Person, RegistrationRequest, registration_create

pytestmark = [pytest.mark.faults, pytest.mark.django_db]

PEOPLE = 30


@pytest.fixture
def smtp(settings):
    port = free_port()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_TIMEOUT = 2
    server = SmtpServer(port)  # not listening yet: the server is down
    yield server
    server.stop()


def register(ceremony, n: int):
    return registration_create(
        ceremony=ceremony,
        request=RegistrationRequest(
            email=f"person{n}@example.org",
            registrant=Person(given_name=f"Jeanne{n}", surname="Martin"),
        ),
    )


def test_ten_minutes_of_smtp_outage_then_each_email_exactly_once(ceremony, smtp):
    start = timezone.now()
    # The rush: each registration writes its confirmation to the outbox and kicks a
    # delivery (run at once by the tests' task backend), which finds the server down.
    for n in range(PEOPLE):
        assert register(ceremony, n) is not None
    messages = OutboxMessage.objects.filter(sent_at__isnull=True)
    expected = set(messages.values_list("pk", flat=True))
    assert len(expected) >= PEOPLE

    # Ten minutes of a server that refuses connections, one delivery run a minute.
    for minute in range(1, 11):
        assert outbox_deliver(now=start + dt.timedelta(minutes=minute)) == 0
    assert not OutboxMessage.objects.filter(sent_at__isnull=False).exists()
    attempts = set(messages.values_list("attempts", flat=True))
    assert max(attempts) > 1 and max(attempts) < MAX_ATTEMPTS  # retried, not given up
    assert not messages.filter(claimed_at__isnull=False).exists()  # none left in doubt

    # The server is back: the next runs (one a minute) send the backlog, and later runs
    # (retries, probes, kicks) send nothing more.
    smtp.start()
    for minute in range(11, 11 + 120, 1):
        outbox_deliver(now=start + dt.timedelta(minutes=minute))
    ids = Counter(message["Message-ID"] for message in smtp.received)
    assert len(ids) == len(expected), "every email delivered"
    assert set(ids.values()) == {1}, "none twice"
    assert not OutboxMessage.objects.filter(pk__in=expected, sent_at__isnull=True).exists()
    recipients = Counter(message["To"] for message in smtp.received)
    assert all(recipients[f"person{n}@example.org"] >= 1 for n in range(PEOPLE))


def test_the_backlog_is_out_within_two_minutes_of_the_server_coming_back(ceremony, smtp):
    start = timezone.now()
    for n in range(PEOPLE):
        register(ceremony, n)
    total = OutboxMessage.objects.count()
    for minute in range(1, 11):
        outbox_deliver(now=start + dt.timedelta(minutes=minute))
    smtp.start()
    for minute in (11, 12):  # a probe a minute at most: out by the second run
        outbox_deliver(now=start + dt.timedelta(minutes=minute))
    assert len(smtp.received) == total
