"""Export: every content page written back in the exchange format, originals before
translations, local video files copied into a `media/` folder beside the output file,
so that the output re-imports as it is.
"""

from __future__ import annotations

import json
import re
import shutil
from collections import defaultdict
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from wagtail.rich_text import expand_db_html

from liberation.content.models import ContentKey, ContentPage, VideoPage
from liberation.events.models import CeremonyPage

from .items import MEDIA_FOLDER, type_of
from .markdown import blocks_to_markdown

# Export -----------------------------------------------------------------------------


class _MediaFolder:
    """Copies local video files next to the export, once each, under unique names."""

    def __init__(self, *, folder: Path):
        self.folder = folder
        self.names: dict[str, int] = {}  # file name -> document pk

    def copy(self, document, *, name: str) -> str:
        stem, suffix = Path(name).stem, Path(name).suffix
        candidate, number = name, 1
        while self.names.get(candidate, document.pk) != document.pk:
            number += 1
            candidate = f"{stem}-{number}{suffix}"
        if candidate not in self.names:
            self.folder.mkdir(parents=True, exist_ok=True)
            with document.open_file() as source, (self.folder / candidate).open("wb") as target:
                shutil.copyfileobj(source, target)
            self.names[candidate] = document.pk
        return f"{MEDIA_FOLDER}/{candidate}"


def _document_file_name(document) -> str:
    """The document title when it is a plain file name with the right extension."""
    stored = Path(document.file.name).name
    title = document.title.strip()
    if Path(title).name == title and Path(title).suffix.lower() == Path(stored).suffix.lower():
        return title
    return stored


def content_keys_ensure(*, pages: list[ContentPage]) -> dict[int, str]:
    """Page id → key, giving a slug-based key to pages that have none yet."""
    keys = dict(ContentKey.objects.filter(page__in=pages).values_list("page_id", "key"))
    taken = set(ContentKey.objects.values_list("key", flat=True))
    for page in pages:
        if page.pk in keys:
            continue
        base = re.sub(r"[^a-z0-9-]+", "-", slugify(page.slug).lower()).strip("-")[:100]
        base = base or f"page-{page.pk}"
        key, number = base, 1
        while key in taken:
            number += 1
            key = f"{base}-{page.locale.language_code}" if number == 2 else f"{base}-{number}"
        ContentKey.objects.create(key=key, page=page)
        taken.add(key)
        keys[page.pk] = key
    return keys


def _export_order(pages: list[ContentPage]) -> tuple[list[ContentPage], dict[int, ContentPage]]:
    """Originals (the oldest page of each translation group) first; page id → its original."""
    groups: dict[Any, list[ContentPage]] = defaultdict(list)
    for page in sorted(pages, key=lambda p: p.pk):
        groups[page.translation_key].append(page)
    originals = {page.pk: group[0] for group in groups.values() for page in group}
    first = [group[0] for group in groups.values()]
    rest = [page for group in groups.values() for page in group[1:]]
    return first + rest, originals


def export_content(*, path: Path) -> int:
    """Write every content page to `path` (JSON Lines); return the number of lines."""
    path = Path(path)
    with transaction.atomic():
        pages = list(ContentPage.objects.specific().select_related("locale"))
        keys = content_keys_ensure(pages=pages)
    ordered, originals = _export_order(pages)
    media = _MediaFolder(folder=path.parent / MEDIA_FOLDER)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as output:
        for page in ordered:
            line = _export_line(page, keys=keys, original=originals[page.pk], media=media)
            output.write(json.dumps(line, ensure_ascii=False) + "\n")
    return len(ordered)


def _export_line(
    page: ContentPage, *, keys: dict[int, str], original: ContentPage, media: _MediaFolder
) -> dict:
    content = page if page.live else page.get_latest_revision_as_object()
    line: dict[str, Any] = {
        "key": keys[page.pk],
        "type": type_of(page),
        "lang": page.locale.language_code,
    }
    if original.pk != page.pk:
        line["translation_of"] = keys[original.pk]
    line |= {"title": content.title, "lead": content.lead}
    body, video = _export_body(content)
    if body:
        line["body"] = body
    line["published"] = content.date.isoformat()
    if content.author:
        line["author"] = content.author
    if content.history_start:
        line["history"] = {"start": content.history_start.isoformat()}
        if content.history_end:
            line["history"]["end"] = content.history_end.isoformat()
    places = sorted(content.places.all(), key=lambda place: (place.name, place.key))
    if places:
        line["places"] = [_export_place(p) for p in places]
    themes = sorted(theme.slug for theme in content.themes.all())
    if themes:
        line["themes"] = themes
    if video is not None:
        line["video"] = _export_video(video, media=media)
    related = [keys[b["value"]] for b in content.related.raw_data if b["value"] in keys]
    if related:
        line["related"] = related
    if isinstance(content, CeremonyPage):
        line |= _export_ceremony(content, original=original)
    return line


def _export_body(page: ContentPage) -> tuple[str, Any]:
    """The body as Markdown, and the video block (page.video, or the body's last block)."""
    blocks = list(page.body)
    video = None
    if isinstance(page, VideoPage):
        video = page.video[0].value if len(page.video) else None
    elif blocks and blocks[-1].block_type == "video":
        video = blocks.pop().value
    pairs = [
        (block.block_type, expand_db_html(block.value.source))
        if block.block_type == "paragraph"
        else (block.block_type, block.value)
        for block in blocks
    ]
    return blocks_to_markdown(pairs), video


def _export_video(value, *, media: _MediaFolder) -> dict:
    data: dict[str, str] = {}
    if value.get("url"):
        data["url"] = value["url"]
    elif value.get("file"):
        name = _document_file_name(value["file"])
        data["url"] = media.copy(value["file"], name=name)
        if value.get("captions"):
            media.copy(value["captions"], name=f"{Path(data['url']).stem}.vtt")
    if value.get("caption"):
        data["caption"] = value["caption"]
    data["transcript"] = value.get("transcript", "")
    return data


def _export_ceremony(page: CeremonyPage, *, original: ContentPage) -> dict:
    data: dict[str, Any] = {"starts_at": timezone.localtime(page.starts_at).isoformat()}
    if page.ends_at:
        data["ends_at"] = timezone.localtime(page.ends_at).isoformat()
    data["venue"] = page.venue
    settings = page.registration if page.registration_required else None
    shared = getattr(original, "registration_id", None) == page.registration_id
    if settings is not None and (original.pk == page.pk or not shared):
        data["registration"] = {
            "capacity": settings.capacity,
            "opens_at": timezone.localtime(settings.opens_at).isoformat(),
            "closes_at": timezone.localtime(settings.closes_at).isoformat(),
            "mode": settings.mode,
        }
    return data


def _export_place(place) -> dict:
    out = {
        "key": place.key,
        "name": place.name,
        "lat": float(place.latitude),
        "lon": float(place.longitude),
    }
    if place.commune_id:
        out["insee"] = place.commune_id
    return out
