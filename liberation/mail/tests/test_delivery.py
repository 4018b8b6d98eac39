"""Delivery against a real SMTP server (aiosmtpd, in this process): headers, the body
written at delivery, backoff while the server is down, never twice, in doubt, giving
up visibly, retry."""

import datetime as dt
import threading

import pytest
from django.db import connection
from django.utils import timezone

from liberation.mail import delivery
from liberation.mail.delivery import _claim, deliver_one, outbox_deliver, outbox_report_in_doubt
from liberation.mail.models import MAX_ATTEMPTS, OutboxMessage
from liberation.mail.selectors import outbox_failed, outbox_in_doubt
from liberation.mail.services import outbox_retry

from .conftest import SOURCE, SmtpServer

T0 = timezone.now()


def body_of(message) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


def test_sent_with_its_headers_and_the_body_blanked(write, smtp_server):
    write(1, text="Rendez-vous à 16 h 30.", subject="Votre note : « cérémonie »")
    assert outbox_deliver() == 1
    [received] = smtp_server.received
    message = OutboxMessage.objects.get()
    assert received["To"] == "p1@example.org"
    assert received["Subject"] == "Votre note : « cérémonie »"
    assert received["Content-Language"] == "fr"
    assert received["Auto-Submitted"] == "auto-generated"
    assert received["Message-ID"] == f"<outbox-{message.pk}@liberation.local>"
    assert body_of(received).strip() == "[fr] Rendez-vous à 16 h 30."
    # Sent: the body (which may hold a private link) is no longer stored.
    assert message.sent_at is not None and message.body == "" and message.last_error == ""


def test_the_body_is_written_at_delivery_in_the_messages_language(write, notes, smtp_server):
    """The writer stores recipient, language, kind and subject; the renderer writes the
    body when the worker sends it, from the object as it is then."""
    write(1, text="First text", language="en")
    assert OutboxMessage.objects.get().body == ""
    notes[1] = "Changed since"
    assert outbox_deliver() == 1
    [received] = smtp_server.received
    assert received["Content-Language"] == "en"
    assert body_of(received).strip() == "[en] Changed since"


def test_a_stored_body_is_sent_as_it_is(db, smtp_server):
    """No renderer is asked (this source has none)."""
    OutboxMessage.objects.create(
        source="elsewhere", kind="k", to="x@example.org", language="en", subject="S", body="Text"
    )
    assert outbox_deliver() == 1
    assert body_of(smtp_server.received[0]).strip() == "Text"


def test_extra_headers_go_out_but_the_message_id_is_the_outboxs(write, smtp_server):
    unsubscribe = "<https://example.org/unsubscribe/abc>"
    write(1, headers={"List-Unsubscribe": unsubscribe, "Message-ID": "<mine@example.org>"})
    assert outbox_deliver() == 1
    [received] = smtp_server.received
    assert received["List-Unsubscribe"] == unsubscribe
    assert received["Message-ID"] == delivery.message_id(OutboxMessage.objects.get())


@pytest.mark.parametrize("source", [SOURCE, "unknown"])
def test_nothing_to_send_is_given_up(write, notes, smtp_server, source):
    """The object is gone, or no app renders this source: given up at once, visibly."""
    write(1, source=source)
    notes.clear()
    assert outbox_deliver(now=T0) == 0
    message = OutboxMessage.objects.get()
    assert message.attempts == MAX_ATTEMPTS and "nothing to send" in message.last_error
    assert list(outbox_failed()) == [message]
    assert smtp_server.received == []


def test_server_down_retried_with_backoff_then_sent_once(write, smtp_port):
    write(1)
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
    assert delivery.backoff(1) == dt.timedelta(seconds=30)
    assert delivery.backoff(4) == dt.timedelta(minutes=4)
    assert delivery.backoff(MAX_ATTEMPTS) == dt.timedelta(hours=1)


def test_gives_up_after_max_attempts_and_stays_visible(write, smtp_port):
    write(1)
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
        assert outbox_retry(message=message)
        assert outbox_deliver() == 1
        assert server.received[0]["Message-ID"] == delivery.message_id(message)
    finally:
        server.stop()
    # Sent: a second retry does nothing.
    assert not outbox_retry(message=message)
    assert outbox_deliver() == 0


def test_two_workers_claiming_the_same_message_send_it_once(write, smtp_server):
    write(1)
    first = _claim(T0)
    second = _claim(T0)
    assert first is not None and second is None
    assert deliver_one(first) is delivery.Outcome.SENT
    assert _claim(T0 + dt.timedelta(days=1)) is None
    assert outbox_deliver(now=T0 + dt.timedelta(days=1)) == 0
    assert len(smtp_server.received) == 1


def test_a_claim_is_one_statement_with_the_row_as_the_orm_reads_it(write):
    """`UPDATE … RETURNING` in autocommit: no transaction, SELECT and save() of its own."""
    from django.test.utils import CaptureQueriesContext

    write(1, headers={"List-Unsubscribe": "<https://example.org/u>"})
    with CaptureQueriesContext(connection) as captured:
        claimed = _claim(T0)
    [query] = captured.captured_queries
    assert query["sql"].startswith("UPDATE")
    stored = OutboxMessage.objects.get()
    assert (claimed.pk, claimed.attempts, claimed.claimed_at) == (stored.pk, 1, T0)
    assert (stored.attempts, stored.claimed_at) == (1, T0)
    assert claimed.headers == {"List-Unsubscribe": "<https://example.org/u>"}
    assert claimed.created_at == stored.created_at and claimed.to == "p1@example.org"


def test_the_claim_takes_the_oldest_due_message_as_the_orm_claim_does(write):
    """The ORM's claim (`_claim_in_transaction`, for other databases) and the statement
    choose alike: not sent, not claimed, not given up, due, lowest id."""
    for n in range(1, 6):
        write(n)
    first, waiting, given_up, sent, due = OutboxMessage.objects.order_by("pk")
    OutboxMessage.objects.filter(pk=first.pk).update(claimed_at=T0)
    OutboxMessage.objects.filter(pk=waiting.pk).update(next_attempt_at=T0 + dt.timedelta(1))
    OutboxMessage.objects.filter(pk=given_up.pk).update(attempts=MAX_ATTEMPTS)
    OutboxMessage.objects.filter(pk=sent.pk).update(sent_at=T0)
    OutboxMessage.objects.filter(pk=due.pk).update(next_attempt_at=T0)
    assert _claim(T0).pk == due.pk
    assert _claim(T0) is None
    OutboxMessage.objects.filter(pk=due.pk).update(claimed_at=None, attempts=0)
    assert delivery._claim_in_transaction(T0).pk == due.pk
    assert delivery._claim_in_transaction(T0) is None
    assert _claim(T0 + dt.timedelta(2)).pk == waiting.pk


@pytest.mark.django_db(transaction=True)
def test_concurrent_workers_send_each_message_exactly_once(smtp_server):
    """Real threads, each with its own database connection, against the real server."""
    count = 20
    for n in range(count):
        OutboxMessage.objects.create(
            source=SOURCE, kind="note", to=f"p{n}@example.org", subject=f"S{n}", body="b"
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


def test_one_connection_for_a_batch(write, smtp_server):
    for n in range(3):
        write(n)
    assert outbox_deliver() == 3
    assert len(smtp_server.received) == 3
    assert len(smtp_server.handler.sessions) == 1


def test_connection_lost_after_the_body_is_in_doubt_and_not_resent(write, smtp_server, settings):
    settings.EMAIL_TIMEOUT = 1
    smtp_server.handler.data_delay = 3  # the server holds the message but answers late
    write(1)
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


def test_worker_died_after_claiming_is_reported_once_never_resent(write, smtp_server):
    write(1)
    claimed = _claim(T0)  # ... and the worker process dies here
    assert outbox_deliver(now=T0 + dt.timedelta(minutes=1)) == 0
    assert list(outbox_in_doubt(now=T0 + dt.timedelta(minutes=1))) == []  # maybe still sending
    assert outbox_report_in_doubt(now=T0 + dt.timedelta(minutes=11)) == 1
    assert outbox_report_in_doubt(now=T0 + dt.timedelta(minutes=12)) == 0
    assert list(outbox_in_doubt(now=T0 + dt.timedelta(minutes=11))) == [claimed]
    claimed.refresh_from_db()
    assert claimed.last_error.startswith("In doubt") and delivery.message_id(claimed) in (
        claimed.last_error
    )
    assert outbox_deliver(now=T0 + dt.timedelta(days=1)) == 0
    assert smtp_server.received == []
    # Staff checked the relay's log: it never left. Sent once, with the same Message-ID.
    assert outbox_retry(message=claimed)
    assert outbox_deliver(now=T0 + dt.timedelta(days=1)) == 1
    assert smtp_server.received[0]["Message-ID"] == delivery.message_id(claimed)


def test_recipient_refused_for_good_is_given_up_at_once(write, smtp_server):
    smtp_server.handler.rcpt_reply = "550 5.1.1 No such user"
    write(1)
    assert outbox_deliver(now=T0) == 0
    message = OutboxMessage.objects.get()
    assert message.attempts == MAX_ATTEMPTS and "550" in message.last_error
    assert list(outbox_failed()) == [message]
    smtp_server.handler.rcpt_reply = None
    assert outbox_deliver(now=T0 + dt.timedelta(days=1)) == 0
    assert smtp_server.handler.rcpt_calls == 1 and smtp_server.received == []


def test_recipient_deferred_is_retried(write, smtp_server):
    smtp_server.handler.rcpt_reply = "451 4.7.1 Greylisted, try again later"
    write(1)
    assert outbox_deliver(now=T0) == 0
    message = OutboxMessage.objects.get()
    assert message.attempts == 1 and message.next_attempt_at == T0 + dt.timedelta(seconds=30)
    smtp_server.handler.rcpt_reply = None
    assert outbox_deliver(now=T0 + dt.timedelta(minutes=1)) == 1
    assert len(smtp_server.received) == 1


def test_after_an_outage_the_backlog_goes_out_oldest_first_within_a_minute(write, smtp_port):
    """35 minutes without a server: each message waits out its own backoff (the oldest,
    tried most, the longest). Once the server answers, the next run sends them all,
    oldest first, instead of each after its own delay."""
    for n in (1, 2, 3):
        write(n)
    minute = dt.timedelta(minutes=1)
    for m in range(36):  # the clock's run every minute during the outage
        outbox_deliver(now=T0 + m * minute)
        if m == 20:
            write(4)  # written during the outage: tried less, shorter backoff
    waiting = list(OutboxMessage.objects.order_by("pk"))
    assert all(m.attempts >= 5 and m.sent_at is None for m in waiting)
    # Without the release, the oldest would wait past the 60th minute, after the newest.
    assert waiting[0].next_attempt_at > T0 + 60 * minute > waiting[3].next_attempt_at

    server = SmtpServer(smtp_port)
    server.start()
    try:
        write(5)  # a new message right after recovery
        assert outbox_deliver(now=T0 + 37 * minute) == 5
        to = [message["To"] for message in server.received]
        assert to == [f"p{n}@example.org" for n in (1, 2, 3, 4, 5)]
    finally:
        server.stop()


def test_a_waiting_backlog_is_released_by_a_probe_when_nothing_is_due(write, smtp_port):
    write(1)
    outbox_deliver(now=T0)  # refused: waits 30 s, then 1 min, 2 min...
    outbox_deliver(now=T0 + dt.timedelta(seconds=31))
    message = OutboxMessage.objects.get()
    assert message.next_attempt_at > T0 + dt.timedelta(seconds=80)
    server = SmtpServer(smtp_port)
    server.start()
    try:
        # Nothing is due at +80 s; the probe finds the server and the message goes out.
        assert outbox_deliver(now=T0 + dt.timedelta(seconds=80)) == 1
        # A minute later, nothing more: sent once.
        assert outbox_deliver(now=T0 + dt.timedelta(minutes=3)) == 0
        assert len(server.received) == 1
    finally:
        server.stop()
