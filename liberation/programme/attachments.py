"""Files joined to an application: checked by content, images re-encoded without their
metadata, stored where no public URL reaches them, served only through a view that
checks the organiser's link or a reviewer's rights.

Accepted: PDF, JPEG and PNG, recognised by their first bytes (the name's extension must
agree); at most MAX_SIZE bytes each and MAX_FILES per project. A PDF must begin with
`%PDF-`, end with `%%EOF`, and carry no executable inside (an ELF header, or an MZ
header whose PE signature is where it says: a PDF/EXE polyglot). Images are opened
with Pillow under MAX_PIXELS (a decompression bomb is refused before it is decoded),
turned upright, and re-encoded from their pixels alone: EXIF (GPS position, camera),
XMP, ICC and text chunks are gone.

The checks themselves are shared with the collection (`core/uploads.py`).

Storage: `storage.private_storage()`, the storage of the model's FileField: a
directory outside MEDIA_ROOT (`settings.PROGRAMME_PRIVATE_ROOT`, default
BASE_DIR/private), or an in-memory store in the test settings.
"""

import secrets
from dataclasses import dataclass

from django.core.files.base import ContentFile
from django.db import transaction
from django.http import FileResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from liberation.core import uploads

from .models import Attachment, Project
from .services import ApplicationError
from .storage import private_storage
from .workflow import EDITABLE, audit_log

MAX_SIZE = 10 * 1024 * 1024
MAX_FILES = 5
MAX_PIXELS = uploads.DEFAULT_MAX_PIXELS
TYPES = {t: uploads.EXTENSIONS[t] for t in (uploads.PDF, uploads.JPEG, uploads.PNG)}
EXTENSION = uploads.STORED_EXTENSION


def _refuse(message: str, code: str = "file") -> ApplicationError:
    return ApplicationError(code, message)


@dataclass(frozen=True)
class Checked:
    data: bytes
    content_type: str
    original_name: str


def check_upload(*, name: str, data: bytes) -> Checked:
    """The file as it will be stored, or ApplicationError with the reason."""
    if len(data) > MAX_SIZE:
        raise _refuse(
            _("This file is too large (%(size)s MB); at most %(max)s MB per file.")
            % {"size": round(len(data) / 1024 / 1024, 1), "max": MAX_SIZE // 1024 // 1024},
            "too_large",
        )
    if not data:
        raise _refuse(_("This file is empty."))
    content_type = uploads.sniff(data[:16])
    if content_type not in TYPES:
        raise _refuse(_("Only PDF, JPEG and PNG files are accepted."), "type")
    try:
        uploads.name_agrees(name=name, content_type=content_type, accepted=TYPES)
        if content_type == uploads.PDF:
            data = uploads.check_pdf(data)
        else:
            data = uploads.reencode_image(data, content_type, max_pixels=MAX_PIXELS).data
    except uploads.UploadRefused as refused:
        # "too_large" is the pixels' limit here: a 400 with its message, not a 413.
        raise _refuse(refused.message, "type" if refused.code == "type" else "file") from None
    return Checked(data=data, content_type=content_type, original_name=uploads.safe_name(name))


def attachment_add(*, project_id: int, name: str, data: bytes) -> Attachment:
    """Check, store and record one file; nothing stays behind on a refusal."""
    checked = check_upload(name=name, data=data)
    storage = private_storage()
    stored = ""
    try:
        with transaction.atomic():
            project = Project.objects.select_for_update().get(pk=project_id)
            if project.state not in EDITABLE:
                raise _refuse(_("This application can no longer be changed."), "not_editable")
            if project.attachments.count() >= MAX_FILES:
                raise _refuse(
                    _("At most %(n)s files per application: remove one first.") % {"n": MAX_FILES},
                    "too_many",
                )
            folder = timezone.now().strftime("programme/%Y/%m")
            filename = f"{folder}/{secrets.token_hex(16)}{EXTENSION[checked.content_type]}"
            stored = storage.save(filename, ContentFile(checked.data))
            attachment = Attachment.objects.create(
                project=project,
                file=stored,
                original_name=checked.original_name,
                content_type=checked.content_type,
                size=len(checked.data),
            )
            audit_log(project=project, action="file:added", by_organiser=True, detail=stored)
    except BaseException:
        if stored:
            storage.delete(stored)
        raise
    return attachment


def attachment_delete(*, project_id: int, attachment_id: int) -> None:
    with transaction.atomic():
        project = Project.objects.select_for_update().get(pk=project_id)
        if project.state not in EDITABLE:
            raise _refuse(_("This application can no longer be changed."), "not_editable")
        attachment = project.attachments.filter(pk=attachment_id).first()
        if attachment is None:
            return
        name = attachment.file.name
        attachment.delete()
        audit_log(project=project, action="file:removed", by_organiser=True, detail=name)
        transaction.on_commit(lambda: private_storage().delete(name))


def attachment_response(attachment: Attachment) -> FileResponse:
    """The file as a download, never rendered by the browser (callers check rights)."""
    handle = private_storage().open(attachment.file.name, "rb")
    return uploads.private_file_response(
        handle,
        filename=attachment.original_name,
        content_type=attachment.content_type,
        as_attachment=True,
        cache="private, no-store",
    )
