"""Reading a JSON Lines file into items: each line parsed, every bad value recorded as
an error naming its line, key and field (nothing is checked against the database
here: see check.py).

Local video paths are resolved against the folder of the JSON Lines file; a `.vtt` file
with the same stem next to the video is attached as its captions.
"""

from __future__ import annotations

import datetime as dt
import difflib
import json
import re
from collections.abc import Iterable
from decimal import Decimal
from pathlib import Path
from typing import Any

from wagtail.utils.file import hash_filelike

from liberation.core.video import parse_video_url
from liberation.places.selectors import INSEE_RE

from .items import (
    BODY_REQUIRED,
    CEREMONY_ONLY,
    DATE_PATTERN,
    DATETIME_PATTERN,
    EARLIEST,
    EARLIEST_DATE,
    FIELDS,
    KEY_MAX_LENGTH,
    KEY_PATTERN,
    LANGUAGE_NAMES,
    LATEST,
    LEAD_MAX_LENGTH,
    MAX_CAPACITY,
    PAGE_TYPES,
    REGISTRATION_MODES,
    SLUG_MAX_LENGTH,
    TITLE_MAX_LENGTH,
    VIDEO_EXTENSIONS,
    ImportError_,
    Item,
    LocalFile,
    PlaceSpec,
    RegistrationSpec,
    VideoSpec,
)
from .markdown import markdown_to_blocks

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
            value = dt.date.fromisoformat(text) if DATE_PATTERN.match(text) else None
        except ValueError:
            value = None
        if value is not None:
            if EARLIEST_DATE <= value < LATEST.date():
                return value
            self.fail(name, f"{text} must be between the years 1000 and 2199")
            return None
        self.fail(name, f"{text} is not a valid date (YYYY-MM-DD)")
        return None

    def datetime(
        self, name: str, *, value: Any = _MISSING, required: bool = False
    ) -> dt.datetime | None:
        text = self.text(name, value=value, required=required)
        if not text:
            return None
        try:
            value = dt.datetime.fromisoformat(text) if DATETIME_PATTERN.match(text) else None
        except ValueError:
            value = None
        if value is not None:
            # Stored in UTC: year 1 at UTC+5 or year 9999 at UTC-5 cannot be.
            try:
                if EARLIEST <= value.astimezone(dt.UTC).replace(tzinfo=None) < LATEST:
                    return value
            except OverflowError:
                pass
            self.fail(name, f"{text} must be between the years 1900 and 2199")
            return None
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
    """Each place: `name`, `lat`, `lon`, and optionally its `key` and its commune's
    `insee` code. With a key or an INSEE code, the name and the point may be left out
    (taken from the known place or the commune); see places.py for how they resolve."""
    places = []
    for index, value in enumerate(reader.items_of("places")):
        name = f"places[{index}]"
        allowed = ("key", "name", "insee", "lat", "lon")
        place = reader.obj(name, value=value, allowed=allowed, required=True)
        if place is None:
            continue
        errors_before = len(reader.errors)
        key = reader.key_like(f"{name}.key", value=place.get("key"))
        insee = None
        if place.get("insee") is not None:
            code = reader.text(f"{name}.insee", value=place.get("insee"))
            if code and INSEE_RE.match(code):
                insee = code.upper()
            elif code:
                reader.fail(
                    f"{name}.insee",
                    f'"{code}" is not an INSEE commune code (5 characters, e.g. 14118 or 2A004)',
                )
        title = reader.text(
            f"{name}.name", value=place.get("name"), required=not (key or insee), max_length=120
        )
        lat = lon = None
        if not (key or insee) or place.get("lat") is not None or place.get("lon") is not None:
            lat = reader.coordinate(f"{name}.lat", value=place.get("lat"), low=-90, high=90)
            lon = reader.coordinate(f"{name}.lon", value=place.get("lon"), low=-180, high=180)
        if len(reader.errors) == errors_before:
            places.append(PlaceSpec(name=title, latitude=lat, longitude=lon, key=key, insee=insee))
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
    elif capacity > MAX_CAPACITY:
        reader.fail("registration.capacity", f"must be at most {MAX_CAPACITY}, not {capacity}")
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


def read_file(path: Path, errors: list[ImportError_]) -> list[Item]:
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
        except (json.JSONDecodeError, RecursionError, ValueError) as error:
            if isinstance(error, json.JSONDecodeError):
                message = f"not valid JSON ({error.msg} at column {error.colno})"
            elif isinstance(error, RecursionError):
                message = "not valid here: nested too deeply"
            else:  # Python's limit on the digits of an integer (4,300)
                message = "not valid here: a number too long"
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
