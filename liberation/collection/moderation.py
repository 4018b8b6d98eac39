"""Moderation: historians move a sent story to published, private or rejected, and
edit the captions of its items and the transcripts of its recordings. A story with a
recording without a transcript is not published (WCAG 1.2.1, RGAA 4.1: a recording's
text alternative).

A move is allowed by `MOVES` only, checked on the locked story row, audited in the same
transaction; publishing and rejecting queue the contributor's email in that transaction
(emails.queue_decision; the rejection carries its reason). A withdrawn story is out of
the moderators' hands. Publication listeners (search) are told through `services.on_change`.
"""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from . import emails
from .models import Item, Story
from .services import CollectionError, audit, locked, public_changed

State = Story.State
MOVES = {
    State.NEEDS_REVIEW: {State.PUBLISHED, State.PRIVATE, State.REJECTED},
    State.PUBLISHED: {State.PRIVATE, State.REJECTED},
    State.PRIVATE: {State.PUBLISHED, State.REJECTED},
    State.REJECTED: {State.PRIVATE, State.PUBLISHED},
}
MAX_CAPTION = 500
MAX_TRANSCRIPT = 50_000


def missing_transcripts(story: Story) -> list[Item]:
    """The story's ready recordings that have no transcript yet."""
    ready = story.items.filter(state=Item.State.READY, transcript="")
    return [item for item in ready if item.is_recording]


def story_moderate(*, story_id: int, to_state: str, user, reason: str = "") -> Story:
    """Move a story; a rejection needs a reason, emailed to the contributor."""
    reason = (reason or "").strip()
    with transaction.atomic():
        story = locked(story_id)
        if story.state == to_state:
            return story
        if to_state not in MOVES.get(story.state, set()):
            raise CollectionError(
                "state",
                _("A story that is “%(state)s” cannot be moved to “%(to)s”.")
                % {"state": story.get_state_display(), "to": State(to_state).label},
            )
        if to_state == State.REJECTED and not reason:
            raise CollectionError("reason", _("Give the reason: it is sent to the contributor."))
        if to_state == State.PUBLISHED and not story.items.filter(state=Item.State.READY).exists():
            raise CollectionError("empty", _("A story without any item cannot be published."))
        if to_state == State.PUBLISHED and (untold := missing_transcripts(story)):
            raise CollectionError(
                "transcript",
                _(
                    "A recording is published only with its transcript: write the "
                    "transcript of “%(caption)s” first, then publish."
                )
                % {"caption": untold[0].caption},
            )
        before = story.state
        now = timezone.now()
        story.state = to_state
        story.moderator = user
        story.decided_at = now
        fields = ["state", "moderator", "decided_at", "updated_at"]
        if to_state == State.REJECTED:
            story.rejection_reason = reason
            fields.append("rejection_reason")
        if to_state == State.PUBLISHED and story.published_at is None:
            story.published_at = now
            fields.append("published_at")
        story.save(update_fields=fields)
        audit(
            story=story, action=f"moderated:{to_state}", by="moderator", actor=user, detail=before
        )
        if to_state in (State.PUBLISHED, State.REJECTED):
            emails.queue_decision(story=story, kind=to_state)
        if State.PUBLISHED in (before, to_state):
            public_changed(story.pk)
    return story


def captions_update(
    *, story_id: int, captions: dict[str, str], user, transcripts: dict[str, str] | None = None
) -> int:
    """Historians' edits of captions and of recordings' transcripts (item public id →
    text); returns how many items changed. Empty captions are refused: the caption is
    the image's alternative text. A published recording's transcript cannot be emptied."""
    transcripts = transcripts or {}
    with transaction.atomic():
        story = locked(story_id)
        if story.state == State.WITHDRAWN:
            raise CollectionError("state", _("This story was withdrawn by its contributor."))
        changed = 0
        for item in story.items.filter(public_id__in=list(captions) + list(transcripts)):
            caption = " ".join(captions.get(item.public_id, item.caption).split())[:MAX_CAPTION]
            if not caption:
                raise CollectionError(
                    "caption", _("Every item needs a caption: it is the image's text alternative.")
                )
            transcript = item.transcript
            if item.is_recording and item.public_id in transcripts:
                transcript = transcripts[item.public_id].strip()[:MAX_TRANSCRIPT]
                if not transcript and story.state == State.PUBLISHED:
                    raise CollectionError(
                        "transcript",
                        _("A published recording keeps its transcript: it cannot be emptied."),
                    )
            if (caption, transcript) != (item.caption, item.transcript):
                item.caption, item.transcript = caption, transcript
                item.save(update_fields=["caption", "transcript"])
                changed += 1
        if changed:
            audit(story=story, action="captions", by="moderator", actor=user, detail=str(changed))
            if story.state == State.PUBLISHED:
                public_changed(story.pk)
    return changed
