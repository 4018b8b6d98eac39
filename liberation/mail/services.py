"""What any app calls to send mail: write the message in its own transaction; the worker
delivers it once that transaction commits (see delivery.py, docs/mail.md).

    from liberation.mail.services import outbox_write

    with transaction.atomic():
        application.save()
        outbox_write(to=..., language="fr", kind="received", subject=...,
                     source="programme", object_id=application.pk)

Without `body`, the worker asks the source's renderer (registry.py) for the text at
delivery. `outbox_compose` + `outbox_store` split the same in two, for a caller that
prepares the message before its transaction.
"""

from django.db import transaction
from django.db.models import QuerySet

from .models import MAX_ATTEMPTS, OutboxMessage
from .tasks import kick_delivery


def outbox_compose(
    *,
    to: str,
    language: str,
    kind: str,
    subject: str,
    source: str,
    object_id: int | None = None,
    body: str = "",
    headers: dict[str, str] | None = None,
) -> OutboxMessage:
    """The message, not yet stored."""
    return OutboxMessage(
        source=source,
        object_id=object_id,
        kind=kind,
        to=to,
        language=language,
        subject=subject,
        body=body,
        headers=headers or {},
    )


def outbox_store(*, message: OutboxMessage) -> OutboxMessage:
    """Write a composed message (inside the transaction of the change)."""
    message.save()
    delivery_requested()
    return message


def outbox_store_many(*, messages: list[OutboxMessage]) -> list[OutboxMessage]:
    """Write many composed messages in one statement per thousand (a newsletter
    campaign's batch), inside the sender's transaction; the worker is asked once."""
    stored = OutboxMessage.objects.bulk_create(messages, batch_size=1000)
    if stored:
        delivery_requested()
    return stored


def outbox_write(
    *,
    to: str,
    language: str,
    kind: str,
    subject: str,
    source: str,
    object_id: int | None = None,
    body: str = "",
    headers: dict[str, str] | None = None,
) -> OutboxMessage:
    """Write one message to the outbox (call inside the transaction of the change)."""
    message = outbox_compose(
        to=to,
        language=language,
        kind=kind,
        subject=subject,
        source=source,
        object_id=object_id,
        body=body,
        headers=headers,
    )
    return outbox_store(message=message)


def delivery_requested() -> None:
    """Once the current transaction commits (at once outside one), ask the worker to
    deliver. robust: the change is committed; a failing kick must not turn it into an
    error page. The clock delivers whatever a kick missed. For callers that insert rows
    by hand (registrations' fast path)."""
    transaction.on_commit(kick_delivery, robust=True)


def outbox_retry(*, message: OutboxMessage) -> bool:
    """Staff decision: send a given-up or in-doubt message again (same Message-ID).
    Never one already sent, nor one whose recipient was erased."""
    updated = (
        OutboxMessage.objects.filter(pk=message.pk, sent_at__isnull=True)
        .exclude(to="")
        .update(claimed_at=None, next_attempt_at=None, attempts=0, last_error="")
    )
    if updated:
        delivery_requested()
    return bool(updated)


def outbox_erase(
    *,
    source: str,
    object_ids: QuerySet | list[int],
    reason: str = "Personal data erased before delivery",
) -> int:
    """Erase the personal data of the messages about these objects of `source`: address,
    body, headers and errors blanked; an unsent one is never delivered now (given up,
    visibly, with `reason`). Call inside the sender's erasure transaction; returns how
    many messages were erased."""
    rows = OutboxMessage.objects.filter(source=source, object_id__in=object_ids)
    erased = rows.update(to="", body="", headers={}, last_error="")
    rows.filter(sent_at__isnull=True).update(
        claimed_at=None, next_attempt_at=None, attempts=MAX_ATTEMPTS, last_error=reason
    )
    return erased


def outbox_delete(*, source: str, object_ids: QuerySet | list[int]) -> int:
    """Delete the messages about these objects of `source`, sent or not (for a sender
    that deletes the objects themselves: nothing cascades from them to the outbox)."""
    deleted, _by_model = OutboxMessage.objects.filter(
        source=source, object_id__in=object_ids
    ).delete()
    return deleted
