"""Import and export of content in the JSON Lines exchange format (see content-format.md).

`import_content` reads a whole file, checks every line against the format and against
the database, and reports every problem at once (`ImportFailed`). Only a clean file is
written, inside one transaction: originals first, then their translations (created with
`copy_for_translation`, so they share the translation key), then the editors' related
picks once every page exists. Each page is then revised and published (or only revised
with `draft=True`).

A fingerprint of each line, normalised (Markdown already turned into blocks, video files
by content hash, date-times in UTC), is kept on `ContentKey.source_hash`: re-importing an
unchanged line writes nothing, which keeps the demo-content command idempotent and
leaves editors' later changes alone until the line itself changes.

`export_content` writes every content page back in the same format, originals before
translations, local video files copied into a `media/` folder beside the output file.

Local video paths are resolved against the folder of the JSON Lines file; a `.vtt` file
with the same stem next to the video is attached as its captions.
"""

from __future__ import annotations

import datetime as dt
import difflib
import hashlib
import json
import re
import shutil
from collections import defaultdict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import capfirst, slugify
from wagtail.coreutils import find_available_slug
from wagtail.documents import get_document_model
from wagtail.models import Locale, Page
from wagtail.rich_text import expand_db_html
from wagtail.utils.file import hash_filelike

from liberation.core.services import SiteStructure, site_ensure_structure
from liberation.core.video import parse_video_url
from liberation.events.models import CeremonyPage, RegistrationSettings

from .markdown import blocks_to_markdown, markdown_to_blocks
from .models import (
    ArticlePage,
    ContentKey,
    ContentPage,
    DossierPage,
    NewsPage,
    Place,
    Theme,
    VideoPage,
)

# Bump when the importer maps a line differently: every line then counts as changed.
FINGERPRINT_VERSION = 1
DRAFT_PREFIX = "draft:"

PAGE_TYPES: dict[str, type[ContentPage]] = {
    "article": ArticlePage,
    "dossier": DossierPage,
    "news": NewsPage,
    "video": VideoPage,
    "ceremony": CeremonyPage,
}
SECTION_KIND = {
    "article": "history",
    "dossier": "history",
    "video": "history",
    "news": "news",
    "ceremony": "ceremonies",
}
LANGUAGE_NAMES = {"fr": "French", "en": "English"}
FIELDS = [
    "key",
    "type",
    "lang",
    "translation_of",
    "title",
    "lead",
    "body",
    "published",
    "author",
    "history",
    "places",
    "themes",
    "video",
    "related",
    "starts_at",
    "ends_at",
    "venue",
    "registration",
]
BODY_REQUIRED = {"article", "dossier", "news"}
CEREMONY_ONLY = ("starts_at", "ends_at", "venue", "registration")
REGISTRATION_MODES = {choice.value for choice in RegistrationSettings.Mode}
VIDEO_EXTENSIONS = {".mp4", ".webm"}
KEY_PATTERN = re.compile(r"^[a-z0-9-]+$")
DATE_PATTERN = re.compile(r"^\d{4}-\d{2}-\d{2}$")
DATETIME_PATTERN = re.compile(
    r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$"
)
KEY_MAX_LENGTH = 120
TITLE_MAX_LENGTH = 255
LEAD_MAX_LENGTH = 400
SLUG_MAX_LENGTH = 80
MEDIA_FOLDER = "media"


# Errors and report ------------------------------------------------------------------


@dataclass(frozen=True)
class ImportError_:  # noqa: N801 - the trailing underscore avoids the built-in ImportError
    """One problem in the file: where it is, and what is wrong, in plain words."""

    line: int | None
    key: str | None
    field: str | None
    message: str

    def __str__(self) -> str:
        where = []
        if self.line is not None:
            where.append(f"line {self.line}")
        if self.key:
            where.append(f'key "{self.key}"')
        if self.field:
            where.append(f'field "{self.field}"')
        return f"{', '.join(where)}: {self.message}" if where else self.message


class ImportFailed(Exception):
    """The file was not imported; `errors` lists every problem found."""

    def __init__(self, errors: list[ImportError_]):
        self.errors = errors
        super().__init__("\n".join(str(error) for error in errors))


@dataclass
class ImportReport:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    draft: bool = False
    dry_run: bool = False

    def summary(self) -> str:
        total = len(self.created) + len(self.updated) + len(self.unchanged)
        text = (
            f"{total} items: {len(self.created)} created, {len(self.updated)} updated, "
            f"{len(self.unchanged)} unchanged"
        )
        if self.dry_run:
            return f"{text} (dry run: nothing written)"
        return f"{text} ({'saved as drafts' if self.draft else 'published'})"


# Parsed lines -----------------------------------------------------------------------


@dataclass(frozen=True)
class LocalFile:
    path: Path
    sha1: str


@dataclass(frozen=True)
class VideoSpec:
    url: str
    file: LocalFile | None
    captions: LocalFile | None
    caption: str
    transcript: str


@dataclass(frozen=True)
class RegistrationSpec:
    capacity: int
    opens_at: dt.datetime
    closes_at: dt.datetime
    mode: str


@dataclass(frozen=True)
class PlaceSpec:
    name: str
    latitude: Decimal
    longitude: Decimal


@dataclass
class Item:
    """One line of the file, parsed and normalised."""

    line: int
    key: str | None = None
    type: str | None = None
    lang: str | None = None
    translation_of: str | None = None
    title: str = ""
    lead: str = ""
    body: list[dict] = field(default_factory=list)
    published: dt.date | None = None
    author: str = ""
    history_start: dt.date | None = None
    history_end: dt.date | None = None
    places: list[PlaceSpec] = field(default_factory=list)
    themes: list[str] = field(default_factory=list)
    video: VideoSpec | None = None
    related: list[str] = field(default_factory=list)
    starts_at: dt.datetime | None = None
    ends_at: dt.datetime | None = None
    venue: str = ""
    registration: RegistrationSpec | None = None
    # Resolved against the rest of the file and the database:
    group: str | None = None  # key of the original the item is (a translation of)
    shared_registration: RegistrationSpec | None = None
    inherited_registration: tuple[int | None, bool] | None = None
    existing: ContentKey | None = None
    status: str = "create"  # create, update or unchanged
    fingerprint: str = ""


@dataclass
class ImportPlan:
    items: list[Item]  # originals before their translations
    known: dict[str, ContentKey]  # keys already in the database that the file mentions


_MISSING = object()
_JSON_TYPE_NAMES = {
    str: "text",
    int: "a number",
    float: "a number",
    bool: "true or false",
    list: "a list",
    dict: "an object",
    type(None): "null",
}


def _kind(value: Any) -> str:
    return _JSON_TYPE_NAMES.get(type(value), type(value).__name__)


class _LineReader:
    """Reads the fields of one line and records an error for each bad value."""

    def __init__(self, *, number: int, data: dict, base_dir: Path, errors: list[ImportError_]):
        self.number = number
        self.data = data
        self.base_dir = base_dir
        self.errors = errors
        key = data.get("key")
        self.key = key if isinstance(key, str) and key else None

    def fail(self, field_name: str | None, message: str) -> None:
        self.errors.append(
            ImportError_(line=self.number, key=self.key, field=field_name, message=message)
        )

    def has(self, name: str) -> bool:
        return self.data.get(name) is not None

    def text(
        self, name: str, *, value: Any = _MISSING, required: bool = False, max_length: int = 0
    ) -> str:
        value = self.data.get(name) if value is _MISSING else value
        if value is None:
            if required:
                self.fail(name, "is required")
            return ""
        if not isinstance(value, str):
            self.fail(name, f"must be text, not {_kind(value)}")
            return ""
        value = value.strip()
        if required and not value:
            self.fail(name, "must not be empty")
        if max_length and len(value) > max_length:
            self.fail(name, f"is {len(value)} characters long; at most {max_length} are allowed")
        return value

    def key_like(self, name: str, *, value: Any = _MISSING, required: bool = False) -> str | None:
        text = self.text(name, value=value, required=required, max_length=KEY_MAX_LENGTH)
        if text and not KEY_PATTERN.match(text):
            self.fail(
                name,
                f'"{text}" is not a valid key: use only lowercase letters a-z, digits and "-"',
            )
            return None
        return text or None

    def choice(self, name: str, choices: Iterable[str]) -> str | None:
        text = self.text(name, required=True)
        choices = list(choices)
        if text and text not in choices:
            allowed = ", ".join(choices)
            self.fail(name, f'"{text}" is not one of: {allowed}')
            return None
        return text or None

    def date(self, name: str, *, value: Any = _MISSING, required: bool = False) -> dt.date | None:
        text = self.text(name, value=value, required=required)
        if not text:
            return None
        try:
            if DATE_PATTERN.match(text):
                return dt.date.fromisoformat(text)
        except ValueError:
            pass
        self.fail(name, f"{text} is not a valid date (YYYY-MM-DD)")
        return None

    def datetime(
        self, name: str, *, value: Any = _MISSING, required: bool = False
    ) -> dt.datetime | None:
        text = self.text(name, value=value, required=required)
        if not text:
            return None
        try:
            if DATETIME_PATTERN.match(text):
                return dt.datetime.fromisoformat(text)
        except ValueError:
            pass
        self.fail(
            name,
            f"{text} is not a valid date and time with its UTC offset "
            "(e.g. 2025-05-08T17:30:00+02:00)",
        )
        return None

    def obj(
        self, name: str, *, value: Any, allowed: Iterable[str], required: bool = False
    ) -> dict | None:
        if value is None:
            if required:
                self.fail(name, "is required")
            return None
        if not isinstance(value, dict):
            self.fail(name, f"must be an object, not {_kind(value)}")
            return None
        allowed = list(allowed)
        for unknown in sorted(set(value) - set(allowed)):
            self.fail(f"{name}.{unknown}", f"unknown field (allowed: {', '.join(allowed)})")
        return value

    def items_of(self, name: str) -> list:
        value = self.data.get(name)
        if value is None:
            return []
        if not isinstance(value, list):
            self.fail(name, f"must be a list, not {_kind(value)}")
            return []
        return value

    def coordinate(self, name: str, *, value: Any, low: float, high: float) -> Decimal | None:
        if isinstance(value, bool) or not isinstance(value, int | float):
            self.fail(name, f"must be a number, not {_kind(value)}")
            return None
        if not low <= value <= high:
            self.fail(name, f"{value} is out of range ({low:g} to {high:g})")
            return None
        return Decimal(str(value)).quantize(Decimal("0.00001"))

    def local_file(self, name: str, text: str) -> LocalFile | None:
        path = Path(text).expanduser()
        resolved = path if path.is_absolute() else (self.base_dir / path)
        if not resolved.is_file():
            self.fail(
                name,
                f'"{text}" is neither a Dailymotion, YouTube or Vimeo address nor an existing '
                f"file (looked for {resolved})",
            )
            return None
        if resolved.suffix.lower() not in VIDEO_EXTENSIONS:
            self.fail(name, f'"{text}": a local video must be an .mp4 or .webm file')
            return None
        return _local_file(resolved.resolve())


def _local_file(path: Path) -> LocalFile:
    with path.open("rb") as handle:
        return LocalFile(path=path, sha1=hash_filelike(handle))


# Reading a line ---------------------------------------------------------------------


def _read_item(reader: _LineReader) -> Item:
    data = reader.data
    for name in data:
        if name not in FIELDS:
            guess = difflib.get_close_matches(name, FIELDS, n=1)
            hint = f'; did you mean "{guess[0]}"?' if guess else f" (allowed: {', '.join(FIELDS)})"
            reader.fail(name, f"unknown field{hint}")
    item = Item(line=reader.number)
    item.key = reader.key_like("key", required=True)
    item.type = reader.choice("type", PAGE_TYPES)
    item.lang = reader.choice("lang", LANGUAGE_NAMES)
    item.translation_of = reader.key_like("translation_of")
    if item.translation_of and item.translation_of == item.key:
        reader.fail("translation_of", "an item cannot be a translation of itself")
    item.title = reader.text("title", required=True, max_length=TITLE_MAX_LENGTH)
    item.lead = reader.text("lead", required=True, max_length=LEAD_MAX_LENGTH)
    item.published = reader.date("published", required=True)
    item.author = reader.text("author", max_length=255)
    _read_body(reader, item)
    _read_history(reader, item)
    item.places = _read_places(reader)
    item.themes = _read_themes(reader)
    item.related = _read_related(reader, own_key=item.key)
    item.video = _read_video(reader, required=item.type == "video")
    _read_ceremony(reader, item)
    return item


def _read_body(reader: _LineReader, item: Item) -> None:
    required = item.type in BODY_REQUIRED
    text = reader.text("body", required=required)
    item.body = markdown_to_blocks(text) if text else []
    if text and not item.body and required:
        reader.fail("body", "has no text once the Markdown is read")


def _read_history(reader: _LineReader, item: Item) -> None:
    history = reader.obj("history", value=reader.data.get("history"), allowed=("start", "end"))
    if history is None:
        return
    item.history_start = reader.date("history.start", value=history.get("start"), required=True)
    item.history_end = reader.date("history.end", value=history.get("end"))
    if item.history_start and item.history_end and item.history_end < item.history_start:
        reader.fail("history.end", f"{item.history_end} is before the start ({item.history_start})")


def _read_places(reader: _LineReader) -> list[PlaceSpec]:
    places = []
    for index, value in enumerate(reader.items_of("places")):
        name = f"places[{index}]"
        place = reader.obj(name, value=value, allowed=("name", "lat", "lon"), required=True)
        if place is None:
            continue
        title = reader.text(f"{name}.name", value=place.get("name"), required=True, max_length=120)
        lat = reader.coordinate(f"{name}.lat", value=place.get("lat"), low=-90, high=90)
        lon = reader.coordinate(f"{name}.lon", value=place.get("lon"), low=-180, high=180)
        if title and lat is not None and lon is not None:
            places.append(PlaceSpec(name=title, latitude=lat, longitude=lon))
    return places


def _read_themes(reader: _LineReader) -> list[str]:
    themes: list[str] = []
    for index, value in enumerate(reader.items_of("themes")):
        slug = reader.key_like(f"themes[{index}]", value=value, required=True)
        if slug and len(slug) > SLUG_MAX_LENGTH:
            message = f"a theme slug has at most {SLUG_MAX_LENGTH} characters"
            reader.fail(f"themes[{index}]", message)
        elif slug and slug not in themes:
            themes.append(slug)
    return themes


def _read_related(reader: _LineReader, *, own_key: str | None) -> list[str]:
    related: list[str] = []
    for index, value in enumerate(reader.items_of("related")):
        key = reader.key_like(f"related[{index}]", value=value, required=True)
        if key is None:
            continue
        if key == own_key:
            reader.fail(f"related[{index}]", "an item cannot be related to itself")
        elif key in related:
            reader.fail(f"related[{index}]", f'"{key}" is listed twice')
        else:
            related.append(key)
    return related


def _read_video(reader: _LineReader, *, required: bool) -> VideoSpec | None:
    allowed = ("url", "caption", "transcript")
    video = reader.obj("video", value=reader.data.get("video"), allowed=allowed, required=required)
    if video is None:
        return None
    url = reader.text("video.url", value=video.get("url"), required=True)
    caption = reader.text("video.caption", value=video.get("caption"))
    transcript = reader.text("video.transcript", value=video.get("transcript"), required=True)
    if not url:
        return None
    if "://" in url or url.lower().startswith(("http:", "https:")):
        if parse_video_url(url) is None:
            reader.fail("video.url", f'"{url}" is not a Dailymotion, YouTube or Vimeo address')
            return None
        return VideoSpec(url=url, file=None, captions=None, caption=caption, transcript=transcript)
    local = reader.local_file("video.url", url)
    if local is None:
        return None
    vtt = local.path.with_suffix(".vtt")
    captions = _local_file(vtt) if vtt.is_file() else None
    return VideoSpec(url="", file=local, captions=captions, caption=caption, transcript=transcript)


def _read_ceremony(reader: _LineReader, item: Item) -> None:
    if item.type != "ceremony":
        for name in CEREMONY_ONLY:
            if reader.has(name) and item.type:
                reader.fail(name, f"is only for ceremonies, not for a {item.type}")
        return
    item.starts_at = reader.datetime("starts_at", required=True)
    item.ends_at = reader.datetime("ends_at")
    item.venue = reader.text("venue", required=True, max_length=255)
    if item.starts_at and item.ends_at and item.ends_at < item.starts_at:
        reader.fail("ends_at", f"the ceremony ends before it starts ({reader.data['starts_at']})")
    item.registration = _read_registration(reader)


def _read_registration(reader: _LineReader) -> RegistrationSpec | None:
    allowed = ("capacity", "opens_at", "closes_at", "mode")
    data = reader.obj("registration", value=reader.data.get("registration"), allowed=allowed)
    if data is None:
        return None
    capacity = data.get("capacity")
    if isinstance(capacity, bool) or not isinstance(capacity, int) or capacity <= 0:
        reader.fail("registration.capacity", f"must be a whole number above 0, not {capacity!r}")
        capacity = None
    opens_at = reader.datetime("registration.opens_at", value=data.get("opens_at"), required=True)
    closes_at = reader.datetime(
        "registration.closes_at", value=data.get("closes_at"), required=True
    )
    if opens_at and closes_at and closes_at <= opens_at:
        reader.fail("registration.closes_at", "registration must close after it opens")
        closes_at = None
    mode = reader.text("registration.mode", value=data.get("mode")) or "first_come"
    if mode not in REGISTRATION_MODES:
        reader.fail("registration.mode", f'"{mode}" is not one of: first_come, draw')
        return None
    if capacity is None or opens_at is None or closes_at is None:
        return None
    return RegistrationSpec(capacity=capacity, opens_at=opens_at, closes_at=closes_at, mode=mode)


# Names the key of a line that is not valid JSON, when it can be seen.
_KEY_IN_BROKEN_LINE = re.compile(r'"key"\s*:\s*"([a-z0-9-]+)"')


def _read_file(path: Path, errors: list[ImportError_]) -> list[Item]:
    try:
        lines = path.read_text(encoding="utf-8-sig").splitlines()
    except (OSError, UnicodeDecodeError) as error:
        errors.append(ImportError_(None, None, None, f"cannot read {path}: {error}"))
        return []
    items = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
        except json.JSONDecodeError as error:
            message = f"not valid JSON ({error.msg} at column {error.colno})"
            guessed_key = _KEY_IN_BROKEN_LINE.search(line)
            key = guessed_key.group(1) if guessed_key else None
            errors.append(ImportError_(number, key, None, message))
            continue
        if not isinstance(data, dict):
            message = f"each line must be a JSON object, not {_kind(data)}"
            errors.append(ImportError_(number, None, None, message))
            continue
        reader = _LineReader(number=number, data=data, base_dir=path.parent, errors=errors)
        items.append(_read_item(reader))
    if not items and not errors:
        errors.append(ImportError_(None, None, None, f"{path} contains no item"))
    return items


# Checks across lines and against the database ---------------------------------------


def _error(item: Item, field_name: str | None, message: str) -> ImportError_:
    return ImportError_(line=item.line, key=item.key, field=field_name, message=message)


def _check_duplicates(items: list[Item], errors: list[ImportError_]) -> dict[str, Item]:
    by_key: dict[str, Item] = {}
    for item in items:
        if item.key is None:
            continue
        if item.key in by_key:
            first = by_key[item.key].line
            errors.append(_error(item, "key", f"is already used on line {first}"))
        else:
            by_key[item.key] = item
    return by_key


def _check_places(items: list[Item], errors: list[ImportError_]) -> None:
    seen: dict[str, tuple[PlaceSpec, int]] = {}
    for item in items:
        for index, place in enumerate(item.places):
            first = seen.setdefault(place.name, (place, item.line))
            if (first[0].latitude, first[0].longitude) != (place.latitude, place.longitude):
                errors.append(
                    _error(
                        item,
                        f"places[{index}]",
                        f'"{place.name}" has other coordinates on line {first[1]} '
                        f"({first[0].latitude}, {first[0].longitude})",
                    )
                )


def _check_translations(
    items: list[Item], by_key: dict[str, Item], known: dict[str, ContentKey], errors: list
) -> None:
    """Each translation points to an existing item of the same type in another language."""
    for item in items:
        source_key = item.translation_of
        if not source_key:
            continue
        if source_key in by_key:
            source = by_key[source_key]
            source_lang, source_type = source.lang, source.type
        elif source_key in known:
            page = known[source_key].page
            source_lang = page.locale.language_code
            source_type = _type_of(page)
        else:
            errors.append(
                _error(item, "translation_of", f'"{source_key}" is not in the file nor on the site')
            )
            continue
        if item.lang and source_lang == item.lang:
            language = LANGUAGE_NAMES.get(item.lang, item.lang)
            message = f'"{source_key}" is also in {language}: a translation is in another language'
            errors.append(_error(item, "translation_of", message))
        if item.type and source_type != item.type:
            message = f'"{source_key}" is a {source_type}, this item is a {item.type}'
            errors.append(_error(item, "translation_of", message))


def _assign_groups(items: list[Item], by_key: dict[str, Item], errors: list) -> None:
    """Find the original of each item, and reject cycles and two versions in one language."""
    for item in items:
        seen = [item.key]
        current = item
        while current.translation_of and current.translation_of in by_key:
            if current.translation_of in seen:
                message = "translations form a loop: " + " → ".join([*seen, current.translation_of])
                errors.append(_error(item, "translation_of", message))
                break
            seen.append(current.translation_of)
            current = by_key[current.translation_of]
        item.group = current.translation_of or current.key
    languages: dict[tuple[str | None, str | None], Item] = {}
    reported = {(error.line, error.field) for error in errors}
    for item in items:
        first = languages.setdefault((item.group, item.lang), item)
        if first is not item and item.group and (item.line, "translation_of") not in reported:
            language = LANGUAGE_NAMES.get(item.lang or "", item.lang)
            message = (
                f'"{item.group}" already has a {language} version on line {first.line} '
                f'(key "{first.key}")'
            )
            errors.append(_error(item, "translation_of", message))


def _check_related(
    items: list[Item], by_key: dict[str, Item], known: dict[str, ContentKey], errors: list
) -> None:
    for item in items:
        for index, key in enumerate(item.related):
            if key in by_key:
                continue
            if key not in known:
                message = f'"{key}" is not in the file nor on the site'
                errors.append(_error(item, f"related[{index}]", message))
            elif _type_of(known[key].page) is None:
                message = f'"{key}" is not a content page and cannot be related'
                errors.append(_error(item, f"related[{index}]", message))


def _check_existing(
    items: list[Item], by_key: dict[str, Item], known: dict[str, ContentKey], errors: list
) -> None:
    """A key already on the site keeps its type, language and translations."""
    for item in items:
        item.existing = known.get(item.key) if item.key else None
        if item.existing is None:
            _check_free_language(item, known, errors)
            continue
        page = item.existing.page
        page_type = _type_of(page)
        if item.type and page_type != item.type:
            what = f"a {page_type}" if page_type else f'a "{page.specific_class.__name__}" page'
            errors.append(_error(item, "type", f"the key is already used on the site by {what}"))
        page_lang = page.locale.language_code
        if item.lang and page_lang != item.lang:
            language = LANGUAGE_NAMES.get(page_lang, page_lang)
            errors.append(_error(item, "lang", f"the page is already in {language} on the site"))
        source_page = _source_page(item, known)
        if item.translation_of and (
            source_page is None or source_page.translation_key != page.translation_key
        ):
            message = (
                f'the page already exists on the site and is not a translation of "'
                f'{item.translation_of}"'
            )
            errors.append(_error(item, "translation_of", message))


def _check_free_language(item: Item, known: dict[str, ContentKey], errors: list) -> None:
    """A new translation of a page on the site must not clash with another translation."""
    source_page = _source_page(item, known)
    if source_page is None or not item.lang:
        return
    other = (
        Page.objects.filter(translation_key=source_page.translation_key)
        .filter(locale__language_code=item.lang)
        .select_related("content_key")
        .first()
    )
    if other is not None:
        other_key = getattr(other, "content_key", None)
        language = LANGUAGE_NAMES.get(item.lang, item.lang)
        label = f'key "{other_key.key}"' if other_key else f"page {other.pk}"
        message = f'"{item.translation_of}" already has a {language} version on the site ({label})'
        errors.append(_error(item, "translation_of", message))


def _source_page(item: Item, known: dict[str, ContentKey]) -> Page | None:
    """The page on the site that `item` translates, if that page exists already."""
    existing = known.get(item.translation_of) if item.translation_of else None
    return existing.page if existing is not None else None


def _check_registrations(items: list[Item], by_key: dict[str, Item], errors: list) -> None:
    """The versions of a ceremony share one registration; lines giving it must agree."""
    shared: dict[str, Item] = {}
    for item in items:
        if item.registration is None or item.group is None:
            continue
        first = shared.setdefault(item.group, item)
        if first.registration != item.registration:
            message = (
                f'differs from the registration on line {first.line} (key "{first.key}"); '
                "the versions of a ceremony share one registration"
            )
            errors.append(_error(item, "registration", message))
    for item in items:
        if item.type != "ceremony":
            continue
        owner = shared.get(item.group or "")
        item.shared_registration = owner.registration if owner else None
        if owner is None and item.translation_of and item.translation_of not in by_key:
            item.inherited_registration = _inherited_registration(item.translation_of)


def _inherited_registration(source_key: str) -> tuple[int | None, bool] | None:
    ceremony = CeremonyPage.objects.filter(content_key__key=source_key).first()
    if ceremony is None:
        return None
    return ceremony.registration_id, ceremony.registration_required


def _type_of(page: Page) -> str | None:
    for name, model in PAGE_TYPES.items():
        if page.specific_class is model:
            return name
    return None


def _known_keys(items: list[Item]) -> dict[str, ContentKey]:
    wanted: set[str] = set()
    for item in items:
        wanted.update(k for k in (item.key, item.translation_of, *item.related) if k)
    return {
        content_key.key: content_key
        for content_key in ContentKey.objects.filter(key__in=wanted).select_related(
            "page", "page__locale", "page__content_type"
        )
    }


def _ordered(items: list[Item], by_key: dict[str, Item]) -> list[Item]:
    """Originals first, then translations of originals, and so on."""

    def depth(item: Item) -> int:
        level, current, seen = 0, item, {item.key}
        while current.translation_of in by_key and current.translation_of not in seen:
            seen.add(current.translation_of)
            current = by_key[current.translation_of]
            level += 1
        return level

    return sorted(items, key=lambda item: (depth(item), item.line))


# Fingerprints -----------------------------------------------------------------------


def _utc(value: dt.datetime | None) -> str | None:
    return value.astimezone(dt.UTC).isoformat() if value else None


def _registration_state(item: Item) -> Any:
    spec = item.shared_registration
    if spec is not None:
        return [item.group, spec.capacity, _utc(spec.opens_at), _utc(spec.closes_at), spec.mode]
    if item.inherited_registration is not None:
        return ["site", *item.inherited_registration]
    return None


def _fingerprint(item: Item) -> str:
    video = item.video
    data = {
        "version": FINGERPRINT_VERSION,
        "type": item.type,
        "lang": item.lang,
        "title": item.title,
        "lead": item.lead,
        "body": item.body,
        "published": item.published.isoformat() if item.published else None,
        "author": item.author,
        "history": [str(item.history_start or ""), str(item.history_end or "")],
        "places": sorted([p.name, str(p.latitude), str(p.longitude)] for p in item.places),
        "themes": sorted(item.themes),
        "video": video
        and [
            video.url,
            video.file and video.file.sha1,
            video.captions and video.captions.sha1,
            video.caption,
            video.transcript,
        ],
        "related": item.related,
        "ceremony": [_utc(item.starts_at), _utc(item.ends_at), item.venue],
        "registration": _registration_state(item),
    }
    encoded = json.dumps(data, sort_keys=True, ensure_ascii=False).encode()
    return hashlib.sha256(encoded).hexdigest()


def _status(item: Item, *, draft: bool) -> str:
    if item.existing is None:
        return "create"
    stored = item.existing.source_hash
    accepted = {item.fingerprint, DRAFT_PREFIX + item.fingerprint} if draft else {item.fingerprint}
    return "unchanged" if stored in accepted else "update"


def import_plan(*, path: Path, draft: bool = False) -> ImportPlan:
    """Read and check a whole file without writing anything; raise ImportFailed on errors."""
    errors: list[ImportError_] = []
    items = _read_file(path, errors)
    by_key = _check_duplicates(items, errors)
    known = _known_keys(items)
    _check_translations(items, by_key, known, errors)
    _assign_groups(items, by_key, errors)
    _check_related(items, by_key, known, errors)
    _check_existing(items, by_key, known, errors)
    _check_places(items, errors)
    _check_registrations(items, by_key, errors)
    if errors:
        raise ImportFailed(sorted(errors, key=lambda error: error.line or 0))
    for item in items:
        item.fingerprint = _fingerprint(item)
        item.status = _status(item, draft=draft)
    return ImportPlan(items=_ordered(items, by_key), known=known)


# Writing ----------------------------------------------------------------------------


def publication_datetime(*, day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def page_publish(*, page: ContentPage, item: Item, draft: bool) -> None:
    """Save a revision of `page`; publish it and date it from the file unless `draft`."""
    revision = page.save_revision()
    if draft:
        return
    revision.publish()
    at = publication_datetime(day=item.published)
    Page.objects.filter(pk=page.pk).update(first_published_at=at, last_published_at=at)


class _Writer:
    """Writes a checked plan; every method runs inside the caller's transaction."""

    def __init__(self, *, plan: ImportPlan, structure: SiteStructure, draft: bool):
        self.plan = plan
        self.structure = structure
        self.draft = draft
        self.pages: dict[str, ContentPage] = {}
        self.created: set[str] = set()
        self.documents: dict[tuple[str, str], Any] = {}
        self.registrations: dict[str, RegistrationSettings] = {}
        self.stored_files: list[str] = []

    def run(self, report: ImportReport) -> None:
        for item in self.plan.items:
            with _as_import_error(item):
                self.prepare(item)
        for item in self.plan.items:
            with _as_import_error(item):
                status = self.finish(item)
            getattr(report, status).append(item.key)

    # Pass 1: every page exists, with its fields set.
    def prepare(self, item: Item) -> None:
        if item.existing is not None:
            page = item.existing.page.specific
            self.pages[item.key] = page
            if item.status != "unchanged":
                self.set_fields(page, item)
            return
        page = self.new_translation(item) if item.translation_of else self.new_original(item)
        self.pages[item.key] = page
        self.created.add(item.key)

    def new_original(self, item: Item) -> ContentPage:
        parent = self.structure.sections[(SECTION_KIND[item.type], item.lang)]
        page = PAGE_TYPES[item.type](locale=parent.locale, live=False)
        self.set_fields(page, item)
        page.slug = self.free_slug(parent=parent, item=item)
        parent.add_child(instance=page)
        return page

    def new_translation(self, item: Item) -> ContentPage:
        source = self.pages.get(item.translation_of)
        if source is None:
            source = self.plan.known[item.translation_of].page.specific
        locale = Locale.objects.get(language_code=item.lang)
        page = source.copy_for_translation(locale).specific
        self.set_fields(page, item)
        page.slug = self.free_slug(parent=page.get_parent(), item=item, page_id=page.pk)
        page.save()
        return page

    @staticmethod
    def free_slug(*, parent: Page, item: Item, page_id: int | None = None) -> str:
        slug = slugify(item.title)
        if len(slug) > SLUG_MAX_LENGTH:  # cut at a word boundary, not inside a word
            slug = slug[: SLUG_MAX_LENGTH + 1].rsplit("-", 1)[0]
        slug = slug.strip("-") or item.key
        return find_available_slug(parent, slug, ignore_page_id=page_id)

    def set_fields(self, page: ContentPage, item: Item) -> None:
        page.title = item.title
        page.lead = item.lead
        page.date = item.published
        page.author = item.author
        page.history_start = item.history_start
        page.history_end = item.history_end
        page.themes.set([self.theme(slug) for slug in item.themes])
        page.places.set([self.place(spec) for spec in item.places])
        body = list(item.body)
        video = self.video_block(item) if item.video else None
        if isinstance(page, VideoPage):
            page.video = [video]
        elif video is not None:
            body.append(video)
        page.body = body
        if isinstance(page, CeremonyPage):
            self.set_ceremony(page, item)

    def set_ceremony(self, page: CeremonyPage, item: Item) -> None:
        page.starts_at = item.starts_at
        page.ends_at = item.ends_at
        page.venue = item.venue
        if item.shared_registration is not None:
            page.registration = self.registration(name=item.group, spec=item.shared_registration)
            page.registration_required = True
        elif item.inherited_registration is not None:
            page.registration_id, page.registration_required = item.inherited_registration
        else:
            page.registration = None
            page.registration_required = False

    def theme(self, slug: str) -> Theme:
        name = capfirst(slug.replace("-", " "))
        theme, _created = Theme.objects.get_or_create(
            slug=slug, defaults={"name_fr": name, "name_en": name}
        )
        return theme

    def place(self, spec: PlaceSpec) -> Place:
        coordinates = {"latitude": spec.latitude, "longitude": spec.longitude}
        place, created = Place.objects.get_or_create(name=spec.name, defaults=coordinates)
        if not created and (place.latitude, place.longitude) != (spec.latitude, spec.longitude):
            place.latitude, place.longitude = spec.latitude, spec.longitude
            place.save(update_fields=["latitude", "longitude"])
        return place

    def registration(self, *, name: str, spec: RegistrationSpec) -> RegistrationSettings:
        if name in self.registrations:
            return self.registrations[name]
        values = {
            "capacity": spec.capacity,
            "opens_at": spec.opens_at,
            "closes_at": spec.closes_at,
            "mode": spec.mode,
        }
        settings = RegistrationSettings.objects.filter(name=name).first()
        if settings is None or any(getattr(settings, k) != v for k, v in values.items()):
            settings = settings or RegistrationSettings(name=name)
            for attribute, value in values.items():
                setattr(settings, attribute, value)
            # Saved by the registration service, as the admin does: the row locked, a
            # capacity below the seats held refused, the seat counter never written,
            # new seats offered to the waiting list.
            from liberation.registrations.services import registration_settings_save

            try:
                registration_settings_save(instance=settings)
            except ValidationError as error:  # reported on the line, as "registration.…"
                errors = {f"registration.{k}": v for k, v in error.message_dict.items()}
                raise ValidationError(errors) from error
        self.registrations[name] = settings
        return settings

    def video_block(self, item: Item) -> dict:
        spec = item.video
        document = self.document(spec.file) if spec.file else None
        captions = self.document(spec.captions) if spec.captions else None
        value = {
            "title": item.title[:255],
            "url": spec.url,
            "file": document.pk if document else None,
            "captions": captions.pk if captions else None,
            "caption": spec.caption,
            "transcript": spec.transcript,
        }
        return {"type": "video", "value": value}

    def document(self, local: LocalFile):
        """The Document for a local file: the same title and content are reused."""
        cache_key = (local.path.name, local.sha1)
        if cache_key in self.documents:
            return self.documents[cache_key]
        model = get_document_model()
        document = model.objects.filter(title=local.path.name, file_hash=local.sha1).first()
        if document is None:
            document = model(title=local.path.name, file_hash=local.sha1)
            with local.path.open("rb") as handle:
                document.file_size = local.path.stat().st_size
                document.file.save(local.path.name, File(handle), save=False)
            self.stored_files.append(document.file.name)
            document.save()
        self.documents[cache_key] = document
        return document

    # Pass 2: related picks, then one revision per changed page.
    def finish(self, item: Item) -> str:
        page = self.pages[item.key]
        related = [{"type": "page", "value": self.page_id(key)} for key in item.related]
        # An unchanged line is left alone (editors may have changed the page since), unless
        # a page it picks was created afresh in this run (it had been deleted): the pick
        # must then point to the new page.
        if item.status == "unchanged" and not self.created.intersection(item.related):
            return "unchanged"
        page.related = related
        page_publish(page=page, item=item, draft=self.draft)
        prefix = DRAFT_PREFIX if self.draft else ""
        ContentKey.objects.update_or_create(
            page=page, defaults={"key": item.key, "source_hash": prefix + item.fingerprint}
        )
        return "created" if item.key in self.created else "updated"

    def page_id(self, key: str) -> int:
        if key in self.pages:
            return self.pages[key].pk
        return self.plan.known[key].page_id

    def discard_files(self) -> None:
        """Files saved to storage are not rolled back with the database: delete them."""
        storage = get_document_model()._meta.get_field("file").storage
        for name in self.stored_files:
            storage.delete(name)


@contextmanager
def _as_import_error(item: Item) -> Iterator[None]:
    """A model or database error while writing names the line like any other error."""
    try:
        yield
    except ValidationError as error:
        if hasattr(error, "error_dict"):
            errors = [
                _error(item, name, " ".join(messages))
                for name, messages in error.message_dict.items()
            ]
        else:
            errors = [_error(item, None, " ".join(error.messages))]
        raise ImportFailed(errors) from error
    except IntegrityError as error:
        message = f"the database refused the change ({error}); nothing was imported"
        raise ImportFailed([_error(item, None, message)]) from error


def import_content(*, path: Path, draft: bool = False, dry_run: bool = False) -> ImportReport:
    """Import a JSON Lines file whole, or raise ImportFailed and write nothing."""
    plan = import_plan(path=Path(path), draft=draft)
    report = ImportReport(draft=draft, dry_run=dry_run)
    if dry_run:
        for item in plan.items:
            status = {"create": "created", "update": "updated"}.get(item.status, item.status)
            getattr(report, status).append(item.key)
        return report
    writer = None
    try:
        with transaction.atomic():
            writer = _Writer(plan=plan, structure=site_ensure_structure(), draft=draft)
            writer.run(report)
    except BaseException:
        if writer is not None:
            writer.discard_files()
        raise
    return report


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
        "type": _type_of(page),
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
    places = sorted(content.places.all(), key=lambda place: place.name)
    if places:
        line["places"] = [
            {"name": p.name, "lat": float(p.latitude), "lon": float(p.longitude)} for p in places
        ]
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
