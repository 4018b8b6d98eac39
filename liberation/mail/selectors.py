"""Reads of the outbox: a sender's messages, and what staff and the logs must see."""

from datetime import datetime

from django.db.models import Q, QuerySet
from django.utils import timezone

from .models import CLAIM_STALE_AFTER, IN_DOUBT, MAX_ATTEMPTS, OutboxMessage


def outbox_messages(*, source: str, object_id=None, kind: str | None = None) -> QuerySet:
    """The messages of `source` (about `object_id`, of `kind`, when given), oldest
    first. `object_id` may be an expression (`OuterRef("pk")` in an Exists)."""
    messages = OutboxMessage.objects.filter(source=source)
    if object_id is not None:
        messages = messages.filter(object_id=object_id)
    if kind is not None:
        messages = messages.filter(kind=kind)
    return messages.order_by("created_at", "pk")


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
