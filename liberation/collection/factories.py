"""Test and benchmark helpers: stories in any state, and small valid files."""

import datetime as dt
import io
import secrets

from PIL import Image

from .models import Item, Story
from .services import token_hash


def jpeg_bytes(size=(64, 48), exif: bytes | None = None) -> bytes:
    out = io.BytesIO()
    options = {"exif": exif} if exif else {}
    Image.new("RGB", size, (120, 90, 40)).save(out, "JPEG", **options)
    return out.getvalue()


def png_bytes(size=(40, 30)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (10, 90, 40)).save(out, "PNG")
    return out.getvalue()


PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


_DEFAULT = object()


def story_make(*, commune=_DEFAULT, token: str = "", items: int = 0, **fields) -> tuple[Story, str]:
    """A complete story (ready to send unless told otherwise) and its link's token."""
    token = token or secrets.token_urlsafe(32)
    if commune is _DEFAULT:
        from liberation.places.factories import communes_sample

        commune = communes_sample()["14047"]
    values = {
        "email": "contrib@example.org",
        "email_verified_at": None,
        "contributor_language": "fr",
        "title": "La libération de Bayeux",
        "summary": "Mon grand-père racontait l'arrivée des soldats.",
        "people": "Jean Dupont",
        "date_from": dt.date(1944, 6, 7),
        "commune": commune,
        "language": "fr",
        "keywords": "Bayeux, libération",
        "rights_declared": True,
        "licence": Story.Licence.CC_BY_SA,
        "living_people": Story.LivingPeople.NONE,
        "originals": Story.Originals.DIGITAL,
        "attribution": Story.Attribution.PSEUDONYM,
        "pseudonym": "Petit-fils",
        "contributor_name": "Paul Dupont",
    }
    values.update(fields)
    story = Story.objects.create(token_hash=token_hash(token), **values)
    for n in range(items):
        item_ready(story=story, caption=f"Photo {n + 1}")
    return story, token


def item_ready(*, story: Story, caption: str = "Photo", data: bytes | None = None) -> Item:
    """A processed item, stored in private storage."""
    from django.core.files.base import ContentFile

    from .storage import private_storage

    data = data or jpeg_bytes()
    name = private_storage().save(f"collection/test/{secrets.token_hex(8)}.jpg", ContentFile(data))
    return Item.objects.create(
        story=story,
        state=Item.State.READY,
        file=name,
        original_name="photo.jpg",
        content_type="image/jpeg",
        size=len(data),
        width=64,
        height=48,
        caption=caption,
        date="juin 1944",
    )


# The first bytes of an MP4, then a known pattern (range tests compare slices of it).
RECORDING = b"\x00\x00\x00\x20ftypM4V " + bytes(range(256)) * 8


def recording_ready(*, story: Story, kind: str = "video", transcript: str = "") -> Item:
    """A processed recording ("video" or "audio"), as the worker leaves it (its bytes
    are not a playable file: no ffmpeg needed)."""
    from django.core.files.base import ContentFile

    from .storage import private_storage

    extension = ".mp4" if kind == "video" else ".m4a"
    name = private_storage().save(
        f"collection/test/{secrets.token_hex(8)}{extension}", ContentFile(RECORDING)
    )
    return Item.objects.create(
        story=story,
        state=Item.State.READY,
        file=name,
        original_name=f"temoignage{extension}",
        content_type=f"{kind}/mp4",
        size=len(RECORDING),
        width=320 if kind == "video" else None,
        height=240 if kind == "video" else None,
        caption=f"Témoignage ({kind})",
        transcript=transcript,
        duration=65.4,
    )
