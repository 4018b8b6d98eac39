"""Emails to registrants: written to the outbox in the caller's transaction, delivered
by a task, in the registrant's language.

Delivery claims a message (`claimed_at`) and commits before talking to the SMTP server,
so a retry never sends it twice; a refused connection releases it for a later attempt
with exponential backoff. The body, which holds the private management link, is
blanked once the message is sent.
"""

import logging
from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_tasks import task

from .models import OutboxMessage, Registration

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
KIND_FOR_STATUS = {
    Registration.Status.APPLIED: OutboxMessage.Kind.APPLICATION,
    Registration.Status.CONFIRMED: OutboxMessage.Kind.CONFIRMATION,
    Registration.Status.WAITLISTED: OutboxMessage.Kind.WAITLIST,
    Registration.Status.OFFERED: OutboxMessage.Kind.OFFER,
    Registration.Status.CANCELLED: OutboxMessage.Kind.CANCELLATION,
    Registration.Status.EXPIRED: OutboxMessage.Kind.CANCELLATION,
    Registration.Status.REFUSED: OutboxMessage.Kind.CANCELLATION,
}


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
        OutboxMessage.Kind.REMINDER: _("Tomorrow: %(title)s"),
        OutboxMessage.Kind.MESSAGE: _("Message from the organisers: %(title)s"),
    }[kind] % {"title": title}


def ceremony_page_for(registration: Registration):
    """The ceremony page in the registrant's language (or any language version)."""
    pages = registration.ceremony.ceremony_pages.live()
    return pages.filter(locale__language_code=registration.language).first() or pages.first()


def queue(*, registration: Registration, kind: str, extra: str = "") -> OutboxMessage:
    """Write one email to the outbox (call inside the transaction of the change)."""
    with translation.override(registration.language):
        page = ceremony_page_for(registration)
        title = page.title if page else registration.ceremony.name
        context = {
            "registration": registration,
            "page": page,
            "title": title,
            "manage_url": manage_url(registration),
            "extra": extra,
            "kind": kind,
        }
        body = render_to_string(f"registrations/email/{kind}.txt", context)
        subject = _subject(kind, title)
    message = OutboxMessage.objects.create(
        registration=registration,
        kind=kind,
        to=registration.email,
        subject=subject,
        body=body,
    )
    transaction.on_commit(lambda: deliver_outbox.enqueue())
    return message


def queue_for_status(*, registration: Registration) -> OutboxMessage | None:
    kind = KIND_FOR_STATUS.get(registration.status)
    return queue(registration=registration, kind=kind) if kind else None


def _claim(now) -> OutboxMessage | None:
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


def deliver_one(message: OutboxMessage) -> bool:
    email = EmailMessage(
        subject=message.subject,
        body=message.body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[message.to],
        headers={"Message-ID": f"<outbox-{message.pk}@{settings.EMAIL_MESSAGE_ID_DOMAIN}>"},
    )
    try:
        email.send(fail_silently=False)
    except OSError as error:  # SMTP down, refused, timed out (SMTPException is an OSError)
        delay = timedelta(seconds=30 * 2 ** (message.attempts - 1))
        OutboxMessage.objects.filter(pk=message.pk).update(
            claimed_at=None,
            next_attempt_at=timezone.now() + delay,
            last_error=f"{type(error).__name__}: {error}"[:1000],
        )
        logger.warning("email %s not sent (attempt %s): %s", message.pk, message.attempts, error)
        return False
    OutboxMessage.objects.filter(pk=message.pk).update(
        sent_at=timezone.now(), body="", last_error=""
    )
    return True


@task()
def deliver_outbox(limit: int = 200) -> int:
    """Send the due messages; returns how many went out."""
    sent = 0
    for _i in range(limit):
        message = _claim(timezone.now())
        if message is None:
            break
        sent += deliver_one(message)
    return sent
