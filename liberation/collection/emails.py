"""Emails to the contributor, in the language of their pages, through the mail outbox.

- The private link (`SOURCE`, kind "link") and the receipt of a submission: their
  bodies are written now and stored with the message (the token is kept nowhere else,
  so it could not be written at delivery).
- Moderation decisions (`DECISION_SOURCE`: published, rejected with its reason): the
  outbox row is written in the decision's transaction; the mail worker asks `render`
  (registered in apps.py) for the body at delivery, from the story as it is then.

The retention command erases these messages with the contributor's address.
"""

from django.conf import settings
from django.db import models
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from liberation.mail.models import OutboxMessage
from liberation.mail.services import outbox_write

from .models import Story

SOURCE = "collection"
DECISION_SOURCE = "collection_decision"


class Kind(models.TextChoices):
    LINK = "link", gettext_lazy("Private link")
    SUBMITTED = "submitted", gettext_lazy("Story received")
    PUBLISHED = "published", gettext_lazy("Story published")
    REJECTED = "rejected", gettext_lazy("Story rejected")


def space_url(story: Story, token: str) -> str:
    base = settings.WAGTAILADMIN_BASE_URL.rstrip("/")
    return f"{base}/{story.contributor_language}/collection/c/{token}/"


def _language(story: Story) -> str:
    return story.contributor_language if story.contributor_language in ("fr", "en") else "fr"


def send_link(*, story: Story, token: str) -> None:
    """The private link of a new story (inside the start transaction)."""
    language = _language(story)
    with translation.override(language):
        body = render_to_string(
            "collection/email/link.txt", {"story": story, "url": space_url(story, token)}
        )
        outbox_write(
            to=story.email,
            language=language,
            kind=Kind.LINK,
            subject=_("Your contribution to the Libération collection"),
            source=SOURCE,
            object_id=story.pk,
            body=body,
        )


def send_submitted(*, story: Story) -> None:
    language = _language(story)
    with translation.override(language):
        body = render_to_string("collection/email/submitted.txt", {"story": story})
        outbox_write(
            to=story.email,
            language=language,
            kind=Kind.SUBMITTED,
            subject=_("Story received: %(title)s") % {"title": story.title},
            source=SOURCE,
            object_id=story.pk,
            body=body,
        )


def queue_decision(*, story: Story, kind: str) -> OutboxMessage:
    """The decision's email, written in the decision's transaction; body at delivery."""
    language = _language(story)
    with translation.override(language):
        if kind == Kind.PUBLISHED:
            subject = _("Your story is published: %(title)s") % {"title": story.title}
        else:
            subject = _("Your story was not published: %(title)s") % {"title": story.title}
    return outbox_write(
        to=story.email,
        language=language,
        kind=kind,
        subject=subject,
        source=DECISION_SOURCE,
        object_id=story.pk,
    )


def render(message: OutboxMessage) -> str | None:
    """The renderer of decision emails (called by the mail worker, in the message's
    language): from the story as it is now; None when it is gone or erased."""
    if message.object_id is None:
        return None
    story = Story.objects.filter(pk=message.object_id, erased_at__isnull=True).first()
    if story is None:
        return None
    public_url = ""
    if message.kind == Kind.PUBLISHED:
        base = settings.WAGTAILADMIN_BASE_URL.rstrip("/")
        public_url = f"{base}/{story.language}/collection/s/{story.public_id}/"
    return render_to_string(
        "collection/email/decision.txt",
        {"story": story, "kind": message.kind, "public_url": public_url},
    )


def messages_of(story: Story) -> list[OutboxMessage]:
    """Every email about this story, oldest first."""
    return list(
        OutboxMessage.objects.filter(
            source__in=(SOURCE, DECISION_SOURCE), object_id=story.pk
        ).order_by("created_at", "pk")
    )
