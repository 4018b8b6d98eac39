"""Delivery of the outbox over SMTP: *at most once*, and never a message lost silently.

1. `_claim` marks a due message (`claimed_at`, `attempts + 1`) and commits before any
   SMTP traffic, so two workers never hold the same message (one `UPDATE … RETURNING`
   whose subquery skips the rows other workers hold, `FOR UPDATE SKIP LOCKED`, on
   PostgreSQL; on SQLite the statement holds the write lock).
2. `deliver_one` speaks SMTP itself (on the connection Django's SMTP backend opened) to
   know *where* a failure happened:
   - before the server answered 354 to DATA (connection refused, timeout, 4xx to MAIL or
     RCPT): the server does not hold the message, so it is released and retried with
     exponential backoff (30 s, 1 min, 2 min, … capped at 1 h), up to MAX_ATTEMPTS;
   - a 5xx refusal of the recipient or of the content: retrying cannot help, the message
     is given up at once;
   - after the body went out (connection lost, no final reply): the server may have
     queued it. The message is left claimed and reported "in doubt", not resent.
3. A claim older than CLAIM_STALE_AFTER without `sent_at` means the worker died while
   delivering (or between the server's 250 and our write of `sent_at`). Same rule: in
   doubt, reported once in the logs (`outbox_report_in_doubt`), listed by
   `selectors.outbox_in_doubt()`, never resent automatically.

Why not resend in-doubt messages with the same Message-ID? Few receiving systems drop a
duplicate Message-ID (Gmail often does; Postfix, Exchange and most mailbox providers do
not), so a resend is a real second email. "Never sent twice" wins: an in-doubt message
is rare (a crash in the second or so of an SMTP exchange), staff can check the relay's
log for its stable Message-ID (`<outbox-PK@domain>`) and call `services.outbox_retry`
if it never left. A retried message keeps its Message-ID, so a receiver that does
deduplicate drops the copy.

Given-up messages (attempts == MAX_ATTEMPTS, unsent, unclaimed) stay in the table with
their `last_error`; `selectors.outbox_failed()` lists them.

The body is written at delivery by the renderer the sending app registered for the
message's `source` (registry.py), in the message's language, unless the sender stored
it; it is blanked once the message is sent (it may hold a private link).
"""

import contextlib
import logging
import re
import smtplib
from datetime import datetime, timedelta
from enum import Enum

from django.conf import settings
from django.core.cache import cache
from django.core.mail import EmailMessage, get_connection
from django.core.mail.backends.smtp import EmailBackend as SmtpBackend
from django.core.mail.message import sanitize_address
from django.db import connection, transaction
from django.utils import timezone, translation

from .models import CLAIM_STALE_AFTER, IN_DOUBT, MAX_ATTEMPTS, OutboxMessage
from .registry import renderer_for

logger = logging.getLogger(__name__)

BACKOFF_BASE = timedelta(seconds=30)
BACKOFF_CAP = timedelta(hours=1)
# While messages wait out a backoff, how often a run may check that the server is back.
PROBE_EVERY = timedelta(minutes=1)
PROBE_KEY = "liberation:mail:probe"


class Outcome(Enum):
    SENT = "sent"
    RETRY = "retry"  # not sent; will be tried again after the backoff
    SERVER_DOWN = "server_down"  # not sent; the server is unreachable: stop this batch
    GIVEN_UP = "given_up"  # not sent; no further automatic attempt
    IN_DOUBT = "in_doubt"  # the server may hold it; never resent automatically


class DeliveryInDoubt(Exception):
    """The connection failed after the message body was sent."""


class PermanentRefusal(Exception):
    """This message can never go out: refused for good by the server (5xx to RCPT or to
    the content), or nothing to send (no text, and no renderer or no source object)."""


def _claim(now: datetime) -> OutboxMessage | None:
    """Take one due message for this worker, committed before any SMTP traffic.

    One statement in autocommit on PostgreSQL and SQLite (`UPDATE … RETURNING`, the due
    row chosen by a subquery that skips rows other workers hold): the ORM's transaction,
    SELECT FOR UPDATE, save() and COMMIT cost this worker more CPU than sending the
    email (bench/registration_rush.py --in-process). Any other database: the ORM's way."""
    if connection.vendor not in ("postgresql", "sqlite"):
        return _claim_in_transaction(now)
    table = connection.ops.quote_name(OutboxMessage._meta.db_table)
    column = {f.name: connection.ops.quote_name(f.column) for f in OutboxMessage._meta.fields}
    lock = " FOR UPDATE SKIP LOCKED" if connection.vendor == "postgresql" else ""
    sql = (
        f"UPDATE {table} SET {column['claimed_at']} = %s,"
        f" {column['attempts']} = {column['attempts']} + 1"
        f" WHERE {column['id']} = (SELECT {column['id']} FROM {table}"
        f" WHERE {column['sent_at']} IS NULL AND {column['claimed_at']} IS NULL"
        f" AND {column['attempts']} < %s"
        f" AND ({column['next_attempt_at']} IS NULL OR {column['next_attempt_at']} <= %s)"
        f" ORDER BY {column['id']} LIMIT 1{lock})"
        f" RETURNING {', '.join(column.values())}"
    )
    # raw() runs it once, when the list is made, and converts the columns as the ORM
    # does (the JSON headers, SQLite's dates).
    claimed = list(OutboxMessage.objects.raw(sql, [now, MAX_ATTEMPTS, now]))
    return claimed[0] if claimed else None


def _claim_in_transaction(now: datetime) -> OutboxMessage | None:
    """`_claim` with the ORM: the row locked (skipped when another worker holds it),
    marked, and committed with the caller's transaction, or at once outside one."""
    with transaction.atomic():
        due = (
            OutboxMessage.objects.select_for_update(skip_locked=True)
            .filter(sent_at__isnull=True, claimed_at__isnull=True, attempts__lt=MAX_ATTEMPTS)
            .exclude(next_attempt_at__gt=now)
            .order_by("pk")
            .first()
        )
        if due is not None:
            due.claimed_at = now
            due.attempts += 1
            due.save(update_fields=["claimed_at", "attempts"])
        return due


def backoff(attempts: int) -> timedelta:
    """Delay before the next attempt once `attempts` attempts have failed."""
    return min(BACKOFF_BASE * 2 ** max(attempts - 1, 0), BACKOFF_CAP)


def message_id(message: OutboxMessage) -> str:
    """Stable for the life of the message: the same on a manual retry."""
    return f"<outbox-{message.pk}@{settings.EMAIL_MESSAGE_ID_DOMAIN}>"


def message_language(message: OutboxMessage) -> str:
    return message.language or settings.LANGUAGE_CODE


def message_body(message: OutboxMessage) -> str:
    """The text of a message: stored, else written now by its source's renderer, in the
    message's language, from the source object as it is now."""
    if message.body:
        return message.body
    renderer = renderer_for(message.source)
    if renderer is None:
        raise PermanentRefusal(f"nothing to send: no text and no renderer for {message.source!r}")
    with translation.override(message_language(message)):
        body = renderer(message)
    if not body:
        raise PermanentRefusal(
            f"nothing to send: the message has no text and its {message.source} object "
            f"{message.object_id} is gone"
        )
    return body


def _email_for(message: OutboxMessage) -> EmailMessage:
    return EmailMessage(
        subject=message.subject,
        body=message_body(message),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[message.to],
        headers={
            **(message.headers or {}),
            "Message-ID": message_id(message),
            "Content-Language": message_language(message),
            # RFC 3834: out-of-office robots must not answer.
            "Auto-Submitted": "auto-generated",
        },
    )


def _smtp_send(connection: smtplib.SMTP, email: EmailMessage) -> None:
    """smtplib's sendmail, split where it matters: a failure before the server has the
    body is safe to retry; a failure after it is not (DeliveryInDoubt)."""
    encoding = email.encoding or settings.DEFAULT_CHARSET
    from_addr = sanitize_address(email.from_email, encoding)
    recipients = [sanitize_address(a, encoding) for a in email.recipients()]
    data = email.message().as_bytes(linesep="\r\n")

    def refused(code: int, text: bytes, error: Exception) -> Exception:
        with contextlib.suppress(OSError):  # the server may have closed the connection
            connection.rset()
        return PermanentRefusal(f"{code} {text!r}") if code >= 500 else error

    connection.ehlo_or_helo_if_needed()
    options = []
    if connection.does_esmtp and connection.has_extn("size"):
        options.append(f"size={len(data)}")
    code, text = connection.mail(from_addr, options)
    if code != 250:
        # The sender is our own setting: a refusal is not this message's fault, retry.
        with contextlib.suppress(OSError):
            connection.rset()
        raise smtplib.SMTPSenderRefused(code, text, from_addr)
    for recipient in recipients:
        code, text = connection.rcpt(recipient)
        if code not in (250, 251):
            raise refused(code, text, smtplib.SMTPRecipientsRefused({recipient: (code, text)}))
    connection.putcmd("data")
    code, text = connection.getreply()
    if code != 354:
        raise refused(code, text, smtplib.SMTPDataError(code, text))
    # From here on the server may accept the message at any moment.
    body = re.sub(rb"(?m)^\.", b"..", data)
    if not body.endswith(b"\r\n"):
        body += b"\r\n"
    try:
        connection.send(body + b".\r\n")
        code, text = connection.getreply()
    except OSError as error:  # SMTPServerDisconnected, timeouts, resets
        raise DeliveryInDoubt(f"{type(error).__name__}: {error}") from error
    if code != 250:
        raise refused(code, text, smtplib.SMTPDataError(code, text))


class _Transport:
    """One mail connection for a batch, opened on first use, reopened after a failure."""

    def __init__(self):
        self.backend = get_connection(fail_silently=False)

    def send(self, email: EmailMessage) -> None:
        if not isinstance(self.backend, SmtpBackend):  # console, locmem, file: no network
            self.backend.send_messages([email])
            return
        self.backend.open()  # raises OSError when the server is down
        try:
            _smtp_send(self.backend.connection, email)
        except Exception:
            # The session may be unusable (421, reset, half-sent): the next message of
            # the batch opens a fresh one.
            self.close()
            raise

    def probe(self) -> bool:
        """Does the server answer (connect, EHLO, NOOP)? Sends no message."""
        if not isinstance(self.backend, SmtpBackend):
            return True
        try:
            self.backend.open()
            code, _text = self.backend.connection.noop()
        except (OSError, smtplib.SMTPException):
            self.close()
            return False
        return code == 250

    def close(self) -> None:
        try:
            self.backend.close()
        except Exception:  # noqa: BLE001 (closing a broken connection may fail any way)
            logger.debug("closing the mail connection failed", exc_info=True)


def _error_text(error: BaseException) -> str:
    return f"{type(error).__name__}: {error}"[:1000]


def deliver_one(message: OutboxMessage, *, transport: _Transport | None = None) -> Outcome:
    """Send one claimed message and record the outcome (see the module docstring)."""
    own = transport is None
    transport = transport or _Transport()
    rows = OutboxMessage.objects.filter(pk=message.pk)
    try:
        transport.send(_email_for(message))
    except DeliveryInDoubt as error:
        rows.update(last_error=f"{IN_DOUBT}: connection lost after the body was sent ({error})")
        logger.error(
            "email %s in doubt: the server may have accepted it; not resent (%s)",
            message.pk,
            error,
        )
        return Outcome.IN_DOUBT
    except PermanentRefusal as error:
        rows.update(
            claimed_at=None, next_attempt_at=None, attempts=MAX_ATTEMPTS, last_error=str(error)
        )
        logger.error("email %s given up: %s", message.pk, error)
        return Outcome.GIVEN_UP
    except Exception as error:  # noqa: BLE001 (anything before the body left is safe to retry)
        server_down = isinstance(error, OSError) and not isinstance(
            error, smtplib.SMTPRecipientsRefused
        )
        if message.attempts >= MAX_ATTEMPTS:
            rows.update(
                claimed_at=None,
                next_attempt_at=None,
                last_error=f"Given up after {message.attempts} attempts: {_error_text(error)}",
            )
            logger.error("email %s given up after %s attempts: %s", message.pk, MAX_ATTEMPTS, error)
            return Outcome.GIVEN_UP
        rows.update(
            claimed_at=None,
            # From the claim, so that a run with an explicit `now` stays consistent.
            next_attempt_at=(message.claimed_at or timezone.now()) + backoff(message.attempts),
            last_error=_error_text(error),
        )
        logger.warning("email %s not sent (attempt %s): %s", message.pk, message.attempts, error)
        return Outcome.SERVER_DOWN if server_down else Outcome.RETRY
    finally:
        if own:
            transport.close()
    rows.update(sent_at=timezone.now(), body="", last_error="")
    return Outcome.SENT


def _waiting(now: datetime):
    """Unsent messages waiting out a backoff (not given up, not claimed)."""
    return OutboxMessage.objects.filter(
        sent_at__isnull=True,
        claimed_at__isnull=True,
        attempts__lt=MAX_ATTEMPTS,
        next_attempt_at__gt=now,
    )


def outbox_release_waiting(*, now: datetime | None = None) -> int:
    """The server answers again: the messages waiting out a backoff are due at once, so
    that the backlog goes out oldest first (`_claim` takes the lowest id) instead of each
    after its own delay (up to an hour, newest first in effect)."""
    released = _waiting(now or timezone.now()).update(next_attempt_at=None)
    if released:
        logger.info("mail server answers again: %s waiting emails due now, oldest first", released)
    return released


def _probe_due(now: datetime) -> bool:
    """At most one probe of the server per PROBE_EVERY (per cache), by the clock `now`."""
    last = cache.get(PROBE_KEY)
    if last is not None and now - last < PROBE_EVERY:
        return False
    cache.set(PROBE_KEY, now, timeout=int(PROBE_EVERY.total_seconds()) * 10)
    return True


def outbox_deliver(*, now: datetime | None = None, limit: int = 200) -> int:
    """Send the due messages over one connection; returns how many went out.

    Stops at the first sign that the server is unreachable: the next run (a kick or the
    clock, within a minute) tries again, one connection attempt at a time. While messages
    wait out a backoff, each run probes the server (at most once a minute): once it
    answers, or once any message goes out, the waiting ones are released, oldest first.
    """
    now = now or timezone.now()
    sent = 0
    transport = _Transport()
    try:
        released = False
        if _waiting(now).exists() and _probe_due(now) and transport.probe():
            outbox_release_waiting(now=now)
            released = True
        for _i in range(limit):
            message = _claim(now)
            if message is None:
                break
            outcome = deliver_one(message, transport=transport)
            if outcome is Outcome.SENT:
                sent += 1
                if not released:
                    outbox_release_waiting(now=now)
                    released = True
            elif outcome in (Outcome.SERVER_DOWN, Outcome.IN_DOUBT):
                break
    finally:
        transport.close()
    return sent


def outbox_report_in_doubt(*, now: datetime | None = None) -> int:
    """Log, once each, the messages whose worker stopped during delivery."""
    now = now or timezone.now()
    stale = OutboxMessage.objects.filter(
        sent_at__isnull=True, claimed_at__lt=now - CLAIM_STALE_AFTER
    ).exclude(last_error__startswith=IN_DOUBT)
    reported = 0
    for message in stale:
        updated = OutboxMessage.objects.filter(pk=message.pk, sent_at__isnull=True).update(
            last_error=f"{IN_DOUBT}: claimed at {message.claimed_at:%Y-%m-%d %H:%M:%S %Z} "
            f"and never confirmed sent; check the relay log for {message_id(message)}"
        )
        if updated:
            reported += 1
            logger.error(
                "email %s in doubt: claimed at %s, never confirmed sent; not resent",
                message.pk,
                message.claimed_at,
            )
    return reported
