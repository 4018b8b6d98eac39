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

Storage: `storage.private_storage()`, the storage of the model's FileField: a
directory outside MEDIA_ROOT (`settings.PROGRAMME_PRIVATE_ROOT`, default
BASE_DIR/private), or an in-memory store in the test settings.
"""

import io
import os
import secrets
import struct
import warnings
from dataclasses import dataclass

from django.core.files.base import ContentFile
from django.db import transaction
from django.http import FileResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from PIL import Image, ImageOps

from .models import Attachment, Project
from .services import ApplicationError
from .storage import private_storage
from .workflow import EDITABLE, audit_log

MAX_SIZE = 10 * 1024 * 1024
MAX_FILES = 5
MAX_PIXELS = 40_000_000  # 40 megapixels: any camera; a bomb claims far more
TYPES = {
    "application/pdf": (".pdf",),
    "image/jpeg": (".jpg", ".jpeg"),
    "image/png": (".png",),
}
EXTENSION = {"application/pdf": ".pdf", "image/jpeg": ".jpg", "image/png": ".png"}


def _refuse(message: str, code: str = "file") -> ApplicationError:
    return ApplicationError(code, message)


def sniff(head: bytes) -> str:
    """The type the first bytes say, or ""."""
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    return ""


def _carries_executable(data: bytes) -> bool:
    if b"\x7fELF" in data:
        return True
    start = data.find(b"MZ")
    while start != -1:
        pointer = data[start + 0x3C : start + 0x40]
        if len(pointer) == 4:
            offset = start + struct.unpack("<I", pointer)[0]
            if data[offset : offset + 4] == b"PE\x00\x00":
                return True
        start = data.find(b"MZ", start + 2)
    return False


def _check_pdf(data: bytes) -> bytes:
    if b"%%EOF" not in data[-2048:]:
        raise _refuse(_("This PDF file is incomplete or damaged. Save it again and retry."))
    if _carries_executable(data):
        raise _refuse(_("This file contains a program: it is refused."))
    return data


def _reencode_image(data: bytes, content_type: str) -> bytes:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                width, height = image.size
                if width * height > MAX_PIXELS:
                    raise _refuse(
                        _(
                            "This image is too large (%(w)s × %(h)s pixels; at most "
                            "%(max)s million pixels). Reduce it and retry."
                        )
                        % {"w": width, "h": height, "max": MAX_PIXELS // 1_000_000}
                    )
                image.load()
                # Few copies of the pixels (memory): turned upright in place, converted
                # only when the mode must change; no JPEG `optimize`, whose Huffman pass
                # buffers every coefficient (+120 MB at 40 Mpx, bench/programme_attachments.py).
                ImageOps.exif_transpose(image, in_place=True)
                if content_type == "image/jpeg":
                    mode, target, options = "RGB", "JPEG", {"quality": 88}
                else:
                    keeps_alpha = image.mode in ("P", "LA", "RGBA", "PA")
                    mode, target, options = ("RGBA" if keeps_alpha else "RGB"), "PNG", {}
                clean = image if image.mode == mode else image.convert(mode)
                # Nothing but the pixels: Pillow writes EXIF, XMP, ICC or text only from
                # `info` or the save() arguments, and both are empty here.
                clean.info = {}
                out = io.BytesIO()
                clean.save(out, target, **options)
                return out.getvalue()
    except ApplicationError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise _refuse(
            _("This image declares too many pixels (a “decompression bomb”): it is refused.")
        ) from None
    except (OSError, SyntaxError, ValueError) as error:  # Pillow's "cannot identify"…
        raise _refuse(_("This image cannot be read: it may be damaged.")) from error


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
    content_type = sniff(data[:16])
    if not content_type:
        raise _refuse(_("Only PDF, JPEG and PNG files are accepted."), "type")
    extension = os.path.splitext(name)[1].lower()
    if extension not in TYPES[content_type]:
        raise _refuse(
            _(
                "The file's name says “%(ext)s” but its content is %(kind)s: rename it or "
                "choose the right file."
            )
            % {"ext": extension or "—", "kind": EXTENSION[content_type][1:].upper()},
            "type",
        )
    if content_type == "application/pdf":
        data = _check_pdf(data)
    else:
        data = _reencode_image(data, content_type)
    safe = "".join(c for c in os.path.basename(name) if c.isprintable())[:200] or "file"
    return Checked(data=data, content_type=content_type, original_name=safe)


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
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=attachment.original_name,
        content_type=attachment.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
