"""A story's items: photographs and scans (JPEG, PNG, TIFF, PDF) and audio or video
recordings, each with a caption and a date (a recording also with its transcript),
checked by content and re-encoded without their metadata.

Two steps, so that a 20 MB photograph or a 200 MB film does not hold the web worker:

1. `item_add`, in the request: the cheap checks (size by type, count, type by the first
   bytes, the name's extension agreeing with it) and the file stored as sent in private
   storage (an upload Django spooled to disk is copied, not read into memory), the item
   `processing`; then the task `item_process_task` is enqueued.
2. `item_process`, in the task worker: `core.uploads` checks a PDF (complete, no
   executable inside) or re-encodes an image from its pixels alone (EXIF, GPS, XMP,
   ICC gone; a TIFF becomes a PNG), under a pixel limit that refuses decompression
   bombs before decoding; `core.avmedia` probes a recording (allowed containers and
   codecs, duration limit) and re-encodes it with ffmpeg (audio → AAC in M4A, video →
   H.264 at most 720p + AAC in MP4; no metadata, no chapters). The item becomes `ready`
   with the clean file, or `refused` with the reason (in the contributor's language)
   and no file. The file as sent is deleted either way.

Nothing is ever served from storage before a moderator publishes the story, except to
the contributor (their link) and to moderators. A recording is published only with its
transcript (moderation.py).
"""

import secrets
import shutil
import tempfile
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.core.files import File
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from liberation.core import avmedia, uploads

from .models import Item, Story
from .services import CollectionError, audit, check_editable, locked
from .storage import private_storage

MAX_SIZE = 25 * 1024 * 1024  # a 20 MB photograph, and room to spare
MAX_ITEMS = 20
MAX_PIXELS = 60_000_000  # a 60 Mpx scan; a bomb claims far more
ACCEPTED = {
    t: uploads.EXTENSIONS[t] for t in (uploads.PDF, uploads.JPEG, uploads.PNG, uploads.TIFF)
}
# An item still `processing` this long after its upload was missed by the worker (the
# queue was down): the retention command enqueues it again.
STALE_AFTER = timedelta(minutes=10)


def media_max_size() -> int:
    """Bytes a recording may weigh as sent (`COLLECTION_MEDIA_MAX_MB`, default 200)."""
    return int(getattr(settings, "COLLECTION_MEDIA_MAX_MB", 200)) * 1024 * 1024


def media_max_seconds() -> int:
    """How long a recording may last (`COLLECTION_MEDIA_MAX_MINUTES`, default 30)."""
    return int(getattr(settings, "COLLECTION_MEDIA_MAX_MINUTES", 30)) * 60


def max_upload() -> int:
    """The largest file of any accepted type."""
    return max(MAX_SIZE, media_max_size())


def _too_large(size: int, limit: int = 0) -> CollectionError:
    return CollectionError(
        "too_large",
        _("This file is too large (%(size)s MB); at most %(max)s MB per file.")
        % {"size": round(size / 1024 / 1024, 1), "max": (limit or MAX_SIZE) // 1024 // 1024},
    )


def _head_and_size(data) -> tuple[bytes, int]:
    if isinstance(data, bytes):
        return data[:16], len(data)
    data.seek(0)
    head = data.read(16)
    data.seek(0)
    return head, data.size


def _check_type(*, name: str, head: bytes, size: int) -> str:
    """The type the content says, refused unless accepted, within its size, and named
    for what it is."""
    content_type = uploads.sniff(head)
    accepted = ACCEPTED
    if content_type not in ACCEPTED:
        content_type = avmedia.sniff(head)
        if not content_type:
            raise CollectionError(
                "type",
                _(
                    "Only JPEG, PNG, TIFF and PDF files, and audio or video recordings "
                    "(MP4, M4A, MOV, WebM, MKV, Ogg, MP3, WAV, FLAC) are accepted."
                ),
            )
        if not avmedia.available():
            raise CollectionError(
                "type",
                _("Audio and video recordings cannot be received at the moment; retry later."),
            )
        if size > media_max_size():
            raise _too_large(size, media_max_size())
        accepted = avmedia.EXTENSIONS
    elif size > MAX_SIZE:
        raise _too_large(size)
    try:
        uploads.name_agrees(name=name, content_type=content_type, accepted=accepted)
    except uploads.UploadRefused as refused:
        raise CollectionError(refused.code, refused.message) from None
    return content_type


def _folder() -> str:
    return timezone.now().strftime("collection/%Y/%m")


def item_add(
    *,
    story_id: int,
    name: str,
    data: bytes | File,
    caption: str,
    date: str = "",
    transcript: str = "",
) -> Item:
    """Check cheaply, store as sent, record; the task does the rest. Nothing stays
    behind on a refusal. `data` is the bytes or the uploaded file (not read whole)."""
    head, size = _head_and_size(data)
    if size > max_upload():
        raise _too_large(size, max_upload())
    if not size:
        raise CollectionError("file", _("This file is empty."))
    content_type = _check_type(name=name, head=head, size=size)
    storage = private_storage()
    stored = ""
    try:
        with transaction.atomic():
            story = locked(story_id)
            check_editable(story)
            if story.items.count() >= MAX_ITEMS:
                raise CollectionError(
                    "too_many",
                    _("At most %(n)s files per story: remove one first.") % {"n": MAX_ITEMS},
                )
            content = ContentFile(data) if isinstance(data, bytes) else data
            stored = storage.save(f"{_folder()}/incoming-{secrets.token_hex(16)}", content)
            item = Item.objects.create(
                story=story,
                file=stored,
                original_name=uploads.safe_name(name),
                content_type=content_type,
                size=size,
                caption=caption,
                date=date,
                transcript=transcript.strip(),
            )
            audit(story=story, action="item:added", detail=item.public_id)
    except BaseException:
        if stored:
            storage.delete(stored)
        raise
    item_process_enqueue(item.pk)
    return item


def item_process_enqueue(item_id: int) -> None:
    """After the item's transaction: the database queue's worker, or at once in tests
    (the immediate backend). A failed enqueue leaves the item `processing`; the
    retention command enqueues it again after STALE_AFTER."""
    from .tasks import item_process_task

    item_process_task.enqueue(item_id)


def _finish(item_id: int, **fields) -> bool:
    """Write the outcome if the item is still waiting for it; False when it is gone
    (deleted, or its story withdrawn, meanwhile)."""
    with transaction.atomic():
        item = Item.objects.select_for_update().filter(pk=item_id, state=Item.State.PROCESSING)
        item = item.first()
        if item is None:
            return False
        raw = item.file.name
        for name, value in fields.items():
            setattr(item, name, value)
        item.save(update_fields=list(fields))
        transaction.on_commit(lambda: private_storage().delete(raw), robust=True)
    return True


def item_process(*, item_id: int) -> str:
    """Check and re-encode one item as sent: "ready", "refused" or "gone"."""
    item = Item.objects.select_related("story").filter(pk=item_id).first()
    if item is None or item.state != Item.State.PROCESSING:
        return "gone"
    if item.content_type in avmedia.EXTENSIONS:
        return _recording_process(item)
    storage = private_storage()
    try:
        with storage.open(item.file.name, "rb") as handle:
            data = handle.read()
    except (FileNotFoundError, OSError):
        return "gone"
    with translation.override(item.story.contributor_language):
        try:
            if item.content_type == uploads.PDF:
                clean = uploads.Reencoded(uploads.check_pdf(data), uploads.PDF, 0, 0)
            else:
                clean = uploads.reencode_image(data, item.content_type, max_pixels=MAX_PIXELS)
        except uploads.UploadRefused as refused:
            message = refused.message
            done = _finish(item_id, state=Item.State.REFUSED, refusal=message, file="", size=0)
            return "refused" if done else "gone"
    extension = uploads.STORED_EXTENSION[clean.content_type]
    name = storage.save(f"{_folder()}/{secrets.token_hex(16)}{extension}", ContentFile(clean.data))
    done = _finish(
        item_id,
        state=Item.State.READY,
        file=name,
        content_type=clean.content_type,
        size=len(clean.data),
        width=clean.width or None,
        height=clean.height or None,
    )
    if not done:
        storage.delete(name)
        return "gone"
    return "ready"


def _recording_process(item: Item) -> str:
    """Probe and re-encode a recording through files in a private temporary folder
    (ffmpeg reads files; a recording is not held in memory), removed whatever happens."""
    storage = private_storage()
    with tempfile.TemporaryDirectory(prefix="collection-") as folder:
        source, target = Path(folder) / "source", Path(folder) / "clean"
        try:
            with storage.open(item.file.name, "rb") as handle, open(source, "wb") as out:
                shutil.copyfileobj(handle, out, 1024 * 1024)
        except (FileNotFoundError, OSError):
            return "gone"
        with translation.override(item.story.contributor_language):
            try:
                found = avmedia.probe(str(source), max_duration=media_max_seconds())
                clean = avmedia.reencode(str(source), str(target), found)
            except uploads.UploadRefused as refused:
                message = refused.message
                done = _finish(item.pk, state=Item.State.REFUSED, refusal=message, file="", size=0)
                return "refused" if done else "gone"
        extension = avmedia.STORED_EXTENSION[clean.content_type]
        with open(target, "rb") as handle:
            name = storage.save(f"{_folder()}/{secrets.token_hex(16)}{extension}", File(handle))
        size = target.stat().st_size
    done = _finish(
        item.pk,
        state=Item.State.READY,
        file=name,
        content_type=clean.content_type,
        size=size,
        width=clean.width or None,
        height=clean.height or None,
        duration=round(clean.duration, 2),
    )
    if not done:
        storage.delete(name)
        return "gone"
    return "ready"


def items_stale_requeue(*, now=None) -> int:
    """Enqueue again the items the worker never processed (the queue was down)."""
    now = now or timezone.now()
    stale = list(
        Item.objects.filter(
            state=Item.State.PROCESSING, created_at__lt=now - STALE_AFTER
        ).values_list("pk", flat=True)[:100]
    )
    for item_id in stale:
        item_process_enqueue(item_id)
    return len(stale)


def item_delete(*, story_id: int, item_public_id: str) -> None:
    with transaction.atomic():
        story = locked(story_id)
        check_editable(story)
        item = story.items.filter(public_id=item_public_id).first()
        if item is None:
            return
        name = item.file.name
        item.delete()
        audit(story=story, action="item:removed", detail=item_public_id)
        if name:
            transaction.on_commit(lambda: private_storage().delete(name))


def item_visible(*, story: Story, item_public_id: str) -> Item | None:
    """A ready item of this story, or None."""
    return story.items.filter(public_id=item_public_id, state=Item.State.READY).first()
