"""Emails to registrants: written to the outbox in the caller's transaction, delivered
by a task over SMTP, in the registrant's language.

Delivery promises *at most once*, and never loses a message silently:

1. `_claim` marks a due message (`claimed_at`, `attempts + 1`) and commits before any
   SMTP traffic, so two workers never hold the same message (`SELECT … FOR UPDATE SKIP
   LOCKED` on PostgreSQL; SQLite takes its write lock up front).
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
   `outbox_in_doubt()`, never resent automatically.

Why not resend in-doubt messages with the same Message-ID? Few receiving systems drop a
duplicate Message-ID (Gmail often does; Postfix, Exchange and most mailbox providers do
not), so a resend is a real second email. The issue asks for "never sent twice", and an
in-doubt message is rare (a crash in the second or so of an SMTP exchange) and
recoverable: the registrant saw the management link on the confirmation page, and staff
can check the relay's log for the message's stable Message-ID (`<outbox-PK@domain>`)
and call `outbox_retry` if it never left. A retried message keeps its Message-ID, so a
receiver that does deduplicate drops the copy.

Given-up messages (attempts == MAX_ATTEMPTS, unsent, unclaimed) stay in the table with
their `last_error`; `outbox_failed()` lists them and `outbox_retry` queues them again.
The body, which holds the private management link, is written by the worker when it
delivers the message (`message_body`; a staff message's text is stored with it) and
blanked once the message is sent: the registering request only stores the recipient,
kind and subject.
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
from django.db import transaction
from django.db.models import Q, QuerySet
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_tasks import task

from liberation.events.selectors import ceremony_page

from .models import OutboxMessage, Registration

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 12  # 30 s, 1, 2, 4, 8, 16, 32 min, then hourly: about 5 h of trying
BACKOFF_BASE = timedelta(seconds=30)
BACKOFF_CAP = timedelta(hours=1)
# Longer than a whole SMTP exchange can take (EMAIL_TIMEOUT per network step).
CLAIM_STALE_AFTER = timedelta(minutes=10)
IN_DOUBT = "In doubt"  # prefix of last_error once reported
# Many registrations a second each ask for a delivery; one deferred task per window
# picks them all up instead of one task row per email.
KICK_WINDOW_SECONDS = 2
_KICK_KEY = "liberation:registrations:outbox-kick"

KIND_FOR_STATUS = {
    Registration.Status.APPLIED: OutboxMessage.Kind.APPLICATION,
    Registration.Status.CONFIRMED: OutboxMessage.Kind.CONFIRMATION,
    Registration.Status.WAITLISTED: OutboxMessage.Kind.WAITLIST,
    Registration.Status.OFFERED: OutboxMessage.Kind.OFFER,
    Registration.Status.CANCELLED: OutboxMessage.Kind.CANCELLATION,
    Registration.Status.EXPIRED: OutboxMessage.Kind.CANCELLATION,
    Registration.Status.REFUSED: OutboxMessage.Kind.CANCELLATION,
}


# Writing to the outbox ------------------------------------------------------------


def manage_url(registration: Registration) -> str:
    from .services import management_token

    base = settings.WAGTAILADMIN_BASE_URL.rstrip("/")
    return f"{base}/{registration.language}/r/{management_token(registration)}/"


def _subject(kind: str, title: str) -> str:
    return {
        OutboxMessage.Kind.APPLICATION: _("Application received: %(title)s"),
        OutboxMessage.Kind.CONFIRMATION: _("Registration confirmed: %(title)s"),
        OutboxMessage.Kind.WAITLIST: _("Waiting list: %(title)s"),
        OutboxMessage.Kind.OFFER: _("A seat is available: %(title)s"),
        OutboxMessage.Kind.CANCELLATION: _("Registration cancelled: %(title)s"),
        OutboxMessage.Kind.REMINDER: _("Reminder: %(title)s"),
        OutboxMessage.Kind.MESSAGE: _("Message from the organisers: %(title)s"),
    }[kind] % {"title": title}


def ceremony_page_for(registration: Registration):
    """The ceremony page in the registrant's language (or any language version)."""
    return ceremony_page(settings=registration.ceremony_id, language=registration.language)


_LOOK_UP = object()  # compose(): no page given, find it


def compose(
    *, registration: Registration, kind: str, page=_LOOK_UP, extra: str = ""
) -> OutboxMessage:
    """One email in the registrant's language, not yet stored: its subject now, its body
    when the worker delivers it (`message_body`), from the registration as it is then.

    Rendering the body costs more than the rest of a registering POST on SQLite; the
    outbox row (recipient, kind, subject) is still written in the transaction of the
    change (`store`). A staff message (`extra`) is rendered now: its text lives only in
    the message. `page` is the ceremony page in the registrant's language when the
    caller has it (None: there is none), else looked up.
    """
    with translation.override(registration.language):
        if page is _LOOK_UP:
            page = ceremony_page_for(registration)
        title = page.title if page else registration.ceremony.name
        subject = _subject(kind, title)
    body = (
        _render_body(registration=registration, kind=kind, page=page, extra=extra) if extra else ""
    )
    return OutboxMessage(
        registration=registration, kind=kind, to=registration.email, subject=subject, body=body
    )


def _render_body(*, registration: Registration, kind: str, page=_LOOK_UP, extra: str = "") -> str:
    with translation.override(registration.language):
        if page is _LOOK_UP:
            page = ceremony_page_for(registration)
        context = {
            "registration": registration,
            "page": page,
            "title": page.title if page else registration.ceremony.name,
            "manage_url": manage_url(registration),
            "extra": extra,
            "kind": kind,
        }
        return render_to_string(f"registrations/email/{kind}.txt", context)


def _registration_of(message: OutboxMessage) -> Registration | None:
    return (
        Registration.objects.select_related("ceremony").filter(pk=message.registration_id).first()
    )


def message_body(message: OutboxMessage, *, registration=_LOOK_UP) -> str:
    """The text of a message: stored (a staff message), else rendered now from its
    registration (`registration`, read when not given) in the registrant's language
    (see `compose`)."""
    if message.body:
        return message.body
    if registration is _LOOK_UP:
        registration = _registration_of(message)
    if registration is None:
        raise PermanentRefusal("nothing to send: the message has no text and no registration")
    return _render_body(registration=registration, kind=message.kind)


def store(*, message: OutboxMessage) -> OutboxMessage:
    """Write a composed email to the outbox (inside the transaction of the change)."""
    message.save()
    delivery_requested()
    return message


def delivery_requested() -> None:
    """Once the current transaction commits (at once outside one), ask the worker to
    deliver. robust: the change is committed; a failing kick must not turn it into an
    error page. The clock's `registrations_tick` delivers whatever a kick missed."""
    transaction.on_commit(_kick_delivery, robust=True)


def queue(
    *, registration: Registration, kind: str, extra: str = "", page=_LOOK_UP
) -> OutboxMessage:
    """Write one email to the outbox (call inside the transaction of the change)."""
    return store(message=compose(registration=registration, kind=kind, page=page, extra=extra))


def queue_for_status(*, registration: Registration, page=_LOOK_UP) -> OutboxMessage | None:
    kind = KIND_FOR_STATUS.get(registration.status)
    return queue(registration=registration, kind=kind, page=page) if kind else None


def _kick_delivery() -> None:
    """Ask the worker to deliver soon: at most one deferred task per KICK_WINDOW_SECONDS
    (per cache), which sends everything committed meanwhile."""
    if not deliver_outbox.get_backend().supports_defer:  # the immediate backend of tests
        deliver_outbox.enqueue()
        return
    if cache.add(_KICK_KEY, 1, timeout=KICK_WINDOW_SECONDS):
        run_after = timezone.now() + timedelta(seconds=KICK_WINDOW_SECONDS)
        deliver_outbox.using(run_after=run_after).enqueue()


# Delivering -------------------------------------------------------------------------


class Outcome(Enum):
    SENT = "sent"
    RETRY = "retry"  # not sent; will be tried again after the backoff
    SERVER_DOWN = "server_down"  # not sent; the server is unreachable: stop this batch
    GIVEN_UP = "given_up"  # not sent; no further automatic attempt
    IN_DOUBT = "in_doubt"  # the server may hold it; never resent automatically


class DeliveryInDoubt(Exception):
    """The connection failed after the message body was sent."""


class PermanentRefusal(Exception):
    """The server refused this message for good (5xx to RCPT or to the content)."""


def _claim(now: datetime) -> OutboxMessage | None:
    """Take one due message for this worker, committed before any SMTP traffic."""
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


def _email_for(message: OutboxMessage) -> EmailMessage:
    registration = _registration_of(message)  # one read: the body and its language
    language = registration.language if registration else settings.LANGUAGE_CODE
    return EmailMessage(
        subject=message.subject,
        body=message_body(message, registration=registration),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[message.to],
        headers={
            "Message-ID": message_id(message),
            "Content-Language": language,
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
        logger.error("email %s refused by the server, given up: %s", message.pk, error)
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


def outbox_deliver(*, now: datetime | None = None, limit: int = 200) -> int:
    """Send the due messages over one connection; returns how many went out.

    Stops at the first sign that the server is unreachable: the next run (a kick or the
    clock, within a minute) tries again, one connection attempt at a time.
    """
    sent = 0
    transport = _Transport()
    try:
        for _i in range(limit):
            message = _claim(now or timezone.now())
            if message is None:
                break
            outcome = deliver_one(message, transport=transport)
            if outcome is Outcome.SENT:
                sent += 1
            elif outcome in (Outcome.SERVER_DOWN, Outcome.IN_DOUBT):
                break
    finally:
        transport.close()
    return sent


@task()
def deliver_outbox(limit: int = 200) -> int:
    """Send the due messages; returns how many went out."""
    return outbox_deliver(limit=limit)


# What staff and the logs must see ---------------------------------------------------


def outbox_in_doubt(*, now: datetime | None = None) -> QuerySet[OutboxMessage]:
    """Claimed, unsent, and either reported in doubt or claimed too long ago."""
    now = now or timezone.now()
    return OutboxMessage.objects.filter(sent_at__isnull=True, claimed_at__isnull=False).filter(
        Q(claimed_at__lt=now - CLAIM_STALE_AFTER) | Q(last_error__startswith=IN_DOUBT)
    )


def outbox_failed() -> QuerySet[OutboxMessage]:
    """Given up: no further automatic attempt."""
    return OutboxMessage.objects.filter(
        sent_at__isnull=True, claimed_at__isnull=True, attempts__gte=MAX_ATTEMPTS
    )


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


def outbox_retry(*, message: OutboxMessage) -> None:
    """Staff decision: send a given-up or in-doubt message again (same Message-ID)."""
    updated = OutboxMessage.objects.filter(
        pk=message.pk, sent_at__isnull=True, registration__erased_at__isnull=True
    ).update(claimed_at=None, next_attempt_at=None, attempts=0, last_error="")
    if updated:
        transaction.on_commit(_kick_delivery, robust=True)
