"""How long the collection keeps contributors' personal data, enforced by
`manage.py collection_purge` (the clock of `make run` runs it every hour; cron in
production).

- A **rejected** story: `COLLECTION_RETENTION_DAYS` (default 30) after the decision,
  its contributor's personal data is erased (email address, name, pseudonym, on behalf
  of whom, who is shown, summary), its files are deleted, the emails about it are
  blanked, and the link stops working. The row stays (title, state, dates, commune) so
  that counts and the audit survive, naming no one.
- A **withdrawn** story: the same, `COLLECTION_RETENTION_DAYS` after the withdrawal
  (its files were deleted at once, when it was withdrawn).
- An **abandoned draft** (not changed for `COLLECTION_DRAFT_DAYS`, default 90): deleted
  whole, with its files and emails.
- Published and private stories are kept: the contributor withdraws them when they wish.

Each step locks the story row, so two runs at once do the work once. Idempotent.
"""

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q

from liberation.mail.services import outbox_delete, outbox_erase

from . import emails
from .items import items_stale_requeue
from .models import Story
from .services import audit, items_discard

State = Story.State
ERASED_EMAIL_DOMAIN = "erased.invalid"  # RFC 2606: can never be delivered


def retention_days() -> int:
    return int(getattr(settings, "COLLECTION_RETENTION_DAYS", 30))


def draft_days() -> int:
    return int(getattr(settings, "COLLECTION_DRAFT_DAYS", 90))


def _due_for_erasure(now: datetime):
    limit = now - timedelta(days=retention_days())
    return Story.objects.filter(erased_at__isnull=True).filter(
        Q(state=State.REJECTED, decided_at__lt=limit)
        | Q(state=State.WITHDRAWN, withdrawn_at__lt=limit)
    )


def story_erase(*, story_id: int, now: datetime) -> bool:
    """Erase one story's personal data now (if it is still due); whether it was."""
    with transaction.atomic():
        story = Story.objects.select_for_update().filter(pk=story_id).first()
        if story is None or story.erased_at is not None:
            return False
        items_discard(story=story)
        for source in (emails.SOURCE, emails.DECISION_SOURCE):
            outbox_erase(source=source, object_ids=[story.pk])
        story.email = f"erased-{story.pk}@{ERASED_EMAIL_DOMAIN}"
        story.contributor_name = story.pseudonym = story.on_behalf_of = ""
        story.people = story.summary = ""
        story.token_hash = f"erased-{story.pk}"
        story.erased_at = now
        story.save()
        audit(story=story, action="personal_data_erased", by="system")
    return True


def drafts_delete(*, now: datetime) -> int:
    limit = now - timedelta(days=draft_days())
    deleted = 0
    for story_id in Story.objects.filter(state=State.DRAFT, updated_at__lt=limit).values_list(
        "pk", flat=True
    ):
        with transaction.atomic():
            story = Story.objects.select_for_update().filter(pk=story_id, state=State.DRAFT)
            story = story.first()
            if story is None or story.updated_at >= limit:
                continue
            items_discard(story=story)
            for source in (emails.SOURCE, emails.DECISION_SOURCE):
                outbox_delete(source=source, object_ids=[story.pk])
            story.delete()
            deleted += 1
    return deleted


def collection_purge(*, now: datetime) -> dict[str, int]:
    """The schedule's work, once: erase what is due, delete abandoned drafts, and give
    the worker again the uploads it missed."""
    erased = sum(
        story_erase(story_id=pk, now=now)
        for pk in _due_for_erasure(now).values_list("pk", flat=True)
    )
    return {
        "erased": erased,
        "drafts_deleted": drafts_delete(now=now),
        "items_requeued": items_stale_requeue(now=now),
    }
