"""The contributor's side: start a story from an email, save it, submit it, withdraw it,
download their data.

Every write is one transaction that locks the story row first (`select_for_update`),
checks the rule against the row as it is then, and audits the change. A refusal raises
`CollectionError` (a code and a localized message), and nothing is written. The
contributor has no account: the emailed link's token is the credential; only its
SHA-256 is stored. Items (files) are in items.py; moderation in moderation.py.
"""

import secrets
from collections.abc import Callable
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from liberation.core.private_links import token_hash

from . import emails
from .models import AuditEntry, Item, Story
from .storage import private_storage

State = Story.State
EDITABLE = (State.DRAFT,)
WITHDRAWABLE = (State.DRAFT, State.NEEDS_REVIEW, State.PUBLISHED, State.PRIVATE)
STORY_FIELDS = (
    "title",
    "summary",
    "people",
    "date_from",
    "date_until",
    "commune",
    "language",
    "keywords",
    "on_behalf_of",
)
RIGHTS_FIELDS = (
    "attribution",
    "contributor_name",
    "pseudonym",
    "rights_declared",
    "licence",
    "living_people",
    "originals",
)


# Called (story id) after the commit of any change of what the public may see.
_listeners: list[Callable[[int], None]] = []


def on_change(listener: Callable[[int], None]) -> None:
    if listener not in _listeners:
        _listeners.append(listener)


def public_changed(story_id: int) -> None:
    """Tell the listeners once the current transaction commits."""
    for listener in list(_listeners):
        transaction.on_commit(lambda listener=listener: listener(story_id), robust=True)


class CollectionError(Exception):
    """A refusal the contributor can read: `code` for the view's status, `message` shown."""

    def __init__(self, code: str, message: str):
        self.code = code
        self.message = message
        super().__init__(message)


def story_for_token(token: str) -> Story | None:
    """The story a link opens, or None (unknown, tampered, malformed or erased)."""
    if not token or len(token) > 100:
        return None
    return (
        Story.objects.select_related("commune")
        .filter(token_hash=token_hash(token), erased_at__isnull=True)
        .first()
    )


def audit(*, story: Story, action: str, by: str = "contributor", actor=None, detail="") -> None:
    AuditEntry.objects.create(story=story, action=action, by=by, actor=actor, detail=detail)


def locked(story_id: int) -> Story:
    return Story.objects.select_for_update(of=("self",)).get(pk=story_id)


@dataclass(frozen=True)
class Started:
    story: Story
    token: str


def story_start(*, email: str, language: str) -> Started:
    """A new draft, and the email with its private link (the only place the token is)."""
    with transaction.atomic():
        token = secrets.token_urlsafe(32)
        language = language if language in ("fr", "en") else "fr"
        story = Story.objects.create(
            email=email.strip().lower(),
            contributor_language=language,
            token_hash=token_hash(token),
        )
        audit(story=story, action="started")
        emails.send_link(story=story, token=token)
    return Started(story=story, token=token)


def email_verify(*, story: Story) -> Story:
    """Opening the emailed link proves the address (once)."""
    if story.email_verified_at is None:
        with transaction.atomic():
            if Story.objects.filter(pk=story.pk, email_verified_at__isnull=True).update(
                email_verified_at=timezone.now()
            ):
                audit(story=story, action="email_verified")
        story.refresh_from_db(fields=["email_verified_at"])
    return story


def check_editable(story: Story) -> None:
    if story.state not in EDITABLE:
        raise CollectionError(
            "not_editable",
            _("This story is “%(state)s”: it can no longer be changed.")
            % {"state": story.get_state_display()},
        )


def story_save(*, story_id: int, values: dict, part: str) -> Story:
    """Save the given fields of the story (`part`: "story" or "rights"); only the
    fields of that part are accepted."""
    allowed = STORY_FIELDS if part == "story" else RIGHTS_FIELDS
    with transaction.atomic():
        story = locked(story_id)
        check_editable(story)
        fields = [name for name in values if name in allowed]
        for name in fields:
            setattr(story, name, values[name])
        if "language" in fields and story.language not in ("", "fr", "en"):
            raise CollectionError("language", _("A story is told in French or in English."))
        if fields:
            story.save(update_fields=[*fields, "updated_at"])
            audit(story=story, action=f"saved:{part}")
    return story


def missing_items(story: Story) -> list[str]:
    """What still prevents sending the story (localized, one line each); empty: ready."""
    missing = []
    for name in ("title", "summary", "date_from", "commune", "language"):
        if not getattr(story, name if name != "commune" else "commune_id"):
            missing.append(str(Story._meta.get_field(name).verbose_name).capitalize())
    items = list(story.items.all())
    if not any(item.state == Item.State.READY for item in items):
        missing.append(_("At least one photograph or scan"))
    if any(item.state == Item.State.PROCESSING for item in items):
        missing.append(_("Files still being checked: wait a moment and reload the page"))
    if not story.rights_declared:
        missing.append(_("The declaration that you hold the rights"))
    for name in ("licence", "living_people", "originals", "attribution"):
        if not getattr(story, name):
            missing.append(str(Story._meta.get_field(name).verbose_name).capitalize())
    if story.attribution == Story.Attribution.NAME and not story.contributor_name:
        missing.append(_("Your name (you chose to appear under your name)"))
    if story.attribution == Story.Attribution.PSEUDONYM and not story.pseudonym:
        missing.append(_("Your pseudonym (you chose to appear under a pseudonym)"))
    return missing


def story_submit(*, story_id: int) -> Story:
    """Draft → needs review. Idempotent: a story already sent is returned as it is."""
    with transaction.atomic():
        story = locked(story_id)
        if story.state == State.NEEDS_REVIEW:
            return story
        check_editable(story)
        if missing_items(story):
            raise CollectionError(
                "incomplete",
                _("Some information is missing: complete the story before sending it."),
            )
        story.state = State.NEEDS_REVIEW
        story.submitted_at = timezone.now()
        story.save(update_fields=["state", "submitted_at", "updated_at"])
        audit(story=story, action="submitted")
        emails.send_submitted(story=story)
    return story


def story_withdraw(*, story_id: int) -> Story:
    """The contributor takes their story back: not shown from this moment, its files
    deleted once committed; personal data erased on the retention schedule."""
    with transaction.atomic():
        story = locked(story_id)
        if story.state == State.WITHDRAWN:
            return story
        if story.state not in WITHDRAWABLE:
            raise CollectionError("not_withdrawable", _("This story can no longer be withdrawn."))
        before = story.state
        story.state = State.WITHDRAWN
        story.withdrawn_at = timezone.now()
        story.save(update_fields=["state", "withdrawn_at", "updated_at"])
        items_discard(story=story)
        audit(story=story, action="withdrawn", detail=f"{before}→withdrawn")
        if before == State.PUBLISHED:
            public_changed(story.pk)
    return story


def items_discard(*, story: Story) -> list[str]:
    """Delete a story's items and, once committed, their files (inside the caller's
    transaction). An item still being processed is deleted too: the worker finds it
    gone and deletes what it wrote."""
    names = [name for name in story.items.values_list("file", flat=True) if name]
    story.items.all().delete()

    def delete_files():
        storage = private_storage()
        for name in names:
            storage.delete(name)

    transaction.on_commit(delete_files)
    return names


def _iso(value) -> str | None:
    return value.isoformat() if value else None


def story_data_export(*, story: Story) -> dict:
    """Everything stored about the contributor and their story, JSON-serialisable, for
    "download my data" (not the token's hash: a credential, not data about them)."""
    messages = emails.messages_of(story)
    return {
        "exported_at": timezone.now().isoformat(),
        "contributor": {
            "email": story.email,
            "email_verified_at": _iso(story.email_verified_at),
            "name": story.contributor_name,
            "pseudonym": story.pseudonym,
            "attribution": story.attribution,
            "on_behalf_of": story.on_behalf_of,
            "language": story.contributor_language,
        },
        "story": {
            "public_id": story.public_id,
            "state": story.state,
            "title": story.title,
            "summary": story.summary,
            "people": story.people,
            "date_from": _iso(story.date_from),
            "date_until": _iso(story.date_until),
            "commune": story.commune.insee if story.commune_id else None,
            "language": story.language,
            "keywords": story.keyword_list,
            "rights_declared": story.rights_declared,
            "licence": story.licence,
            "living_people": story.living_people,
            "originals": story.originals,
            "rejection_reason": story.rejection_reason,
            "created_at": _iso(story.created_at),
            "submitted_at": _iso(story.submitted_at),
            "published_at": _iso(story.published_at),
            "withdrawn_at": _iso(story.withdrawn_at),
        },
        "items": [
            {
                "caption": item.caption,
                "date": item.date,
                "transcript": item.transcript,
                "duration_seconds": item.duration,
                "original_name": item.original_name,
                "content_type": item.content_type,
                "size": item.size,
                "state": item.state,
                "created_at": _iso(item.created_at),
            }
            for item in story.items.all()
        ],
        "messages": [
            {
                "kind": m.kind,
                "to": m.to,
                "subject": m.subject,
                "created_at": _iso(m.created_at),
                "sent_at": _iso(m.sent_at),
            }
            for m in messages
        ],
        "history": [
            {"action": entry.action, "by": entry.by, "at": _iso(entry.at)}
            for entry in story.audit.all()
        ],
    }
