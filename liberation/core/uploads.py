"""Files sent by the public, checked by what they contain, never by their name.

Shared by every app that takes uploads (programme's attachments, collection's items);
each app keeps its own limits, storage and records, and turns `UploadRefused` into its
own error.

- `sniff`: the type the first bytes say (PDF, JPEG, PNG, TIFF), or "".
- `name_agrees`: the name's extension must agree with that type (a lying name is refused).
- `check_pdf`: a PDF must end with `%%EOF` and carry no executable inside (an ELF
  header, or an MZ header whose PE signature is where it says: a PDF/EXE polyglot).
- `reencode_image`: opened with Pillow under `max_pixels` (a decompression bomb is
  refused before it is decoded), turned upright, and re-encoded from its pixels alone:
  EXIF (GPS position, camera), XMP, ICC and text chunks are gone. A TIFF (scans) comes
  out as a PNG: browsers do not show TIFF, and PNG keeps every pixel.
- `private_file_response`: a stored private file as a response that no browser sniffs
  into something else and no shared cache keeps.
"""

import io
import os
import struct
import warnings
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from django.conf import settings
from django.core.files.storage import FileSystemStorage, InMemoryStorage, Storage, storages
from django.http import FileResponse
from django.utils.translation import gettext as _
from PIL import Image, ImageOps

PDF = "application/pdf"
JPEG = "image/jpeg"
PNG = "image/png"
TIFF = "image/tiff"
EXTENSIONS = {
    PDF: (".pdf",),
    JPEG: (".jpg", ".jpeg"),
    PNG: (".png",),
    TIFF: (".tif", ".tiff"),
}
# The extension a stored file gets, after re-encoding.
STORED_EXTENSION = {PDF: ".pdf", JPEG: ".jpg", PNG: ".png"}
DEFAULT_MAX_PIXELS = 40_000_000  # 40 megapixels: any camera; a bomb claims far more


class UploadRefused(Exception):
    """Why a file is refused: `code` (for the caller's status), `message` (localized)."""

    def __init__(self, code: str, message: str):
        self.code = code
        self.message = message
        super().__init__(message)


def sniff(head: bytes) -> str:
    """The type the first bytes say, or ""."""
    if head.startswith(b"%PDF-"):
        return PDF
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head.startswith((b"II*\x00", b"MM\x00*")):
        return TIFF
    return ""


def kind_label(content_type: str, accepted: dict | None = None) -> str:
    extensions = (accepted or {}).get(content_type) or EXTENSIONS.get(content_type) or (".?",)
    return extensions[0][1:].upper()


def name_agrees(*, name: str, content_type: str, accepted: dict) -> None:
    """Refuse a file whose name's extension says another type than its content."""
    extension = os.path.splitext(name)[1].lower()
    if extension not in accepted.get(content_type, ()):
        raise UploadRefused(
            "type",
            _(
                "The file's name says “%(ext)s” but its content is %(kind)s: rename it or "
                "choose the right file."
            )
            % {"ext": extension or "—", "kind": kind_label(content_type, accepted)},
        )


def safe_name(name: str) -> str:
    """The name as shown again to people: its last part, printable, at most 200 chars."""
    return "".join(c for c in os.path.basename(name) if c.isprintable())[:200] or "file"


def carries_executable(data: bytes) -> bool:
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


def check_pdf(data: bytes) -> bytes:
    if b"%%EOF" not in data[-2048:]:
        raise UploadRefused(
            "file", _("This PDF file is incomplete or damaged. Save it again and retry.")
        )
    if carries_executable(data):
        raise UploadRefused("file", _("This file contains a program: it is refused."))
    return data


@dataclass(frozen=True)
class Reencoded:
    data: bytes
    content_type: str
    width: int
    height: int


def reencode_image(
    data: bytes, content_type: str, *, max_pixels: int = DEFAULT_MAX_PIXELS
) -> Reencoded:
    """The image's pixels alone, upright, as JPEG (from a JPEG) or PNG (from a PNG or a
    TIFF); `UploadRefused` for a bomb, a too large or an unreadable image."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                width, height = image.size
                if width * height > max_pixels:
                    raise UploadRefused(
                        "too_large",
                        _(
                            "This image is too large (%(w)s × %(h)s pixels; at most "
                            "%(max)s million pixels). Reduce it and retry."
                        )
                        % {"w": width, "h": height, "max": max_pixels // 1_000_000},
                    )
                image.load()
                # Few copies of the pixels (memory): turned upright in place, converted
                # only when the mode must change; no JPEG `optimize`, whose Huffman pass
                # buffers every coefficient (+120 MB at 40 Mpx, bench/programme_attachments.py).
                ImageOps.exif_transpose(image, in_place=True)
                if content_type == JPEG:
                    mode, target, out_type, options = "RGB", "JPEG", JPEG, {"quality": 88}
                else:
                    keeps_alpha = image.mode in ("P", "LA", "RGBA", "PA")
                    mode = "RGBA" if keeps_alpha else "RGB"
                    target, out_type, options = "PNG", PNG, {"compress_level": 6}
                clean = image if image.mode == mode else image.convert(mode)
                # Nothing but the pixels: Pillow writes EXIF, XMP, ICC or text only from
                # `info` or the save() arguments, and both are empty here.
                clean.info = {}
                out = io.BytesIO()
                clean.save(out, target, **options)
                return Reencoded(out.getvalue(), out_type, clean.width, clean.height)
    except UploadRefused:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise UploadRefused(
            "file",
            _("This image declares too many pixels (a “decompression bomb”): it is refused."),
        ) from None
    except (OSError, SyntaxError, ValueError) as error:  # Pillow's "cannot identify"…
        raise UploadRefused("file", _("This image cannot be read: it may be damaged.")) from error


def private_file_response(
    handle, *, filename: str, content_type: str, as_attachment: bool, cache: str
) -> FileResponse:
    """A private file as a response: never sniffed, sandboxed, cached only as `cache`
    says (e.g. "private, no-store", or "public, max-age=300" for a published item that
    must come down within minutes of a withdrawal)."""
    response = FileResponse(
        handle, as_attachment=as_attachment, filename=filename, content_type=content_type
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = cache
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@cache
def private_storage(name: str) -> Storage:
    """Where the app `name` keeps files that must never have a public URL:
    `settings.STORAGES["<name>_private"]` when configured (e.g. a private S3 bucket),
    in-memory when the default storage is (tests), else a directory outside MEDIA_ROOT
    (`settings.<NAME>_PRIVATE_ROOT`, default `<BASE_DIR>/private`)."""
    if f"{name}_private" in settings.STORAGES:
        return storages[f"{name}_private"]
    if settings.STORAGES["default"]["BACKEND"].endswith("InMemoryStorage"):
        return InMemoryStorage()
    root = getattr(settings, f"{name.upper()}_PRIVATE_ROOT", None)
    return FileSystemStorage(
        location=root or Path(settings.BASE_DIR) / "private", base_url="/no-public-url/"
    )
