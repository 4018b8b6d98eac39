"""Subscribing (double opt-in), confirming, unsubscribing and the purge of personal
data. Each write is one transaction that locks the subscriber's row first.

Nothing here tells the caller whether an address was already subscribed: the page
says "check your mail" in every case, and only the address's owner learns it (an
`already` email). At most one email about a subscription leaves per address per
NEWSLETTER_CONFIRM_WINDOW_MINUTES (`confirm_sent_at`, read and written under the row
lock), however often the form is posted.
"""

import enum
from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from liberation.mail.services import outbox_delete, outbox_erase
from liberation.places.models import Departement

from . import conf, emails, tokens
from .models import Subscriber, Topic

Status = Subscriber.Status


class Requested(enum.Enum):
    CONFIRM_SENT = "confirm_sent"
    CONFIRM_HELD = "confirm_held"  # a link was sent within the window: no new email
    ALREADY_SENT = "already_sent"
    ALREADY_HELD = "already_held"


@dataclass(frozen=True)
class Choices:
    language: str
    topics: frozenset[str]
    departement: Departement | None = None


def _recent(subscriber: Subscriber, now: datetime) -> bool:
    sent = subscriber.confirm_sent_at
    return sent is not None and now - sent < conf.confirm_window()


def subscription_request(*, email: str, choices: Choices, now: datetime | None = None) -> Requested:
    """Someone asks for the newsletter at `email` with these choices."""
    now = now or timezone.now()
    email = email.strip().lower()
    with transaction.atomic():
        subscriber, _created = Subscriber.objects.select_for_update().get_or_create(email=email)
        if subscriber.status == Status.CONFIRMED:
            if _recent(subscriber, now):
                return Requested.ALREADY_HELD
            subscriber.confirm_sent_at = now
            subscriber.save(update_fields=["confirm_sent_at"])
            emails.send_already(subscriber=subscriber)
            return Requested.ALREADY_SENT
        hold = (
            subscriber.status == Status.PENDING
            and subscriber.confirm_token_hash
            and _recent(subscriber, now)
        )
        subscriber.status = Status.PENDING
        _apply(subscriber, choices)
        subscriber.unsubscribed_at = None
        if hold:
            # The link already sent confirms these latest choices.
            subscriber.save()
            return Requested.CONFIRM_HELD
        token, token_hash = tokens.confirm_token()
        subscriber.confirm_token_hash = token_hash
        subscriber.confirm_sent_at = now
        subscriber.confirm_expires_at = now + conf.confirm_ttl()
        subscriber.save()
        emails.send_confirm(subscriber=subscriber, token=token)
        return Requested.CONFIRM_SENT


class Confirmed(enum.Enum):
    CONFIRMED = "confirmed"
    EXPIRED = "expired"
    UNKNOWN = "unknown"


def subscriber_for_confirm_token(token: str) -> Subscriber | None:
    if not token or len(token) > 100:
        return None
    return Subscriber.objects.filter(confirm_token_hash=tokens.token_hash(token)).first()


def subscription_confirm(*, token: str, now: datetime | None = None) -> Confirmed:
    """The emailed link's button: the address is confirmed (again: no change)."""
    now = now or timezone.now()
    found = subscriber_for_confirm_token(token)
    if found is None:
        return Confirmed.UNKNOWN
    with transaction.atomic():
        subscriber = Subscriber.objects.select_for_update().get(pk=found.pk)
        if subscriber.confirm_token_hash != tokens.token_hash(token):
            return Confirmed.UNKNOWN  # replaced meanwhile by a newer link
        if subscriber.status == Status.CONFIRMED:
            return Confirmed.CONFIRMED
        if subscriber.status != Status.PENDING:
            return Confirmed.UNKNOWN
        if subscriber.confirm_expires_at is None or subscriber.confirm_expires_at <= now:
            return Confirmed.EXPIRED
        subscriber.status = Status.CONFIRMED
        subscriber.confirmed_at = now
        subscriber.save(update_fields=["status", "confirmed_at"])
    return Confirmed.CONFIRMED


def subscriber_for_unsubscribe_token(token: str) -> Subscriber | None:
    """The subscriber a signed unsubscribe link names, or None (malformed, forged, or
    the address was deleted since)."""
    pk = tokens.unsubscribe_pk(token)
    if pk is None:
        return None
    subscriber = Subscriber.objects.filter(pk=pk).first()
    if subscriber is None or not tokens.unsubscribe_valid(token, subscriber.pk, subscriber.key):
        return None
    return subscriber


def _apply(subscriber: Subscriber, choices: Choices) -> None:
    subscriber.language = choices.language if choices.language in ("fr", "en") else "fr"
    for topic in Topic.values:
        setattr(subscriber, topic, topic in choices.topics)
    agenda = Topic.AGENDA in choices.topics
    subscriber.departement = choices.departement if agenda else None


def subscription_update(*, subscriber_pk: int, choices: Choices) -> bool:
    """A confirmed subscriber changes language, topics or département (the preferences
    page of the link in every message). Campaigns already frozen keep their recipients;
    the next ones follow the new choices. False when the address is not (or no longer)
    confirmed: nothing is written."""
    with transaction.atomic():
        subscriber = Subscriber.objects.select_for_update().filter(pk=subscriber_pk).first()
        if subscriber is None or subscriber.status != Status.CONFIRMED:
            return False
        _apply(subscriber, choices)
        subscriber.save(update_fields=["language", *Topic.values, "departement"])
    return True


def subscription_cancel(*, subscriber_pk: int, now: datetime | None = None) -> bool:
    """Unsubscribe at once: no further message (the unsent ones are erased from the
    outbox); the row itself is deleted by the purge. False when already done."""
    now = now or timezone.now()
    with transaction.atomic():
        subscriber = Subscriber.objects.select_for_update().filter(pk=subscriber_pk).first()
        if subscriber is None or subscriber.status == Status.UNSUBSCRIBED:
            return False
        subscriber.status = Status.UNSUBSCRIBED
        subscriber.unsubscribed_at = now
        subscriber.confirm_token_hash = ""
        for topic in Topic.values:
            setattr(subscriber, topic, False)
        subscriber.departement = None
        subscriber.save()
        outbox_erase(source=emails.SOURCE, object_ids=[subscriber.pk], reason="Unsubscribed")
    return True


def subscribers_purge(*, now: datetime | None = None, batch: int = 1000) -> int:
    """Delete the addresses nobody confirmed before their link expired, and those
    unsubscribed longer than NEWSLETTER_UNSUBSCRIBED_RETENTION_DAYS, with their
    messages in the outbox and their delivery rows. Returns how many were deleted."""
    now = now or timezone.now()
    expired = Subscriber.objects.filter(status=Status.PENDING, confirm_expires_at__lte=now)
    never_sent = Subscriber.objects.filter(
        status=Status.PENDING,
        confirm_expires_at__isnull=True,
        created_at__lte=now - conf.confirm_ttl(),
    )
    gone = Subscriber.objects.filter(
        status=Status.UNSUBSCRIBED, unsubscribed_at__lte=now - conf.unsubscribed_retention()
    )
    deleted = 0
    for queryset in (expired, never_sent, gone):
        while True:
            ids = list(queryset.values_list("pk", flat=True)[:batch])
            if not ids:
                break
            with transaction.atomic():
                outbox_delete(source=emails.SOURCE, object_ids=ids)
                deleted += (
                    Subscriber.objects.filter(pk__in=ids)
                    .delete()[1]
                    .get("newsletter.Subscriber", 0)
                )
    return deleted
