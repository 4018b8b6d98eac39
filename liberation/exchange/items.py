"""The exchange format's vocabulary: its fields and page types, a parsed line (`Item`),
a checked file (`ImportPlan`), the errors and the import report.

The format is described in docs/content-format.md; read.py parses a file into items,
check.py checks them against each other and the database, write.py writes a checked
plan, export.py writes the site back in the same format.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from wagtail.models import Page

from liberation.content.models import (
    ArticlePage,
    ContentKey,
    ContentPage,
    DossierPage,
    NewsPage,
    VideoPage,
)
from liberation.core.bulk import Deferred
from liberation.events.models import CeremonyPage, RegistrationSettings

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
# Dates and times are stored in UTC: the range every database and Python can hold.
EARLIEST = dt.datetime(1900, 1, 1)
EARLIEST_DATE = dt.date(1000, 1, 1)  # history may reach back; a date has no offset
LATEST = dt.datetime(2200, 1, 1)
# Seats of one ceremony (the database column holds 2**31 - 1).
MAX_CAPACITY = 1_000_000
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
    # The indexing enqueued after the import (core.bulk), for its progress report.
    indexing: Deferred | None = None

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
    """A place as a line names it: by `key`, by commune (`insee`) or by name."""

    name: str
    latitude: Decimal | None
    longitude: Decimal | None
    key: str | None = None
    insee: str | None = None


@dataclass(frozen=True)
class PlaceTarget:
    """The place a PlaceSpec resolves to (see places.py): an existing one (`place_id`)
    or one the import creates (`key`, shared by every line that names it)."""

    key: str
    name: str
    latitude: Decimal
    longitude: Decimal
    commune_id: str | None = None
    place_id: int | None = None
    # Named by its key: the line's name, point and commune are written on the place.
    authoritative: bool = False


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
    places: dict[PlaceSpec, PlaceTarget] = field(default_factory=dict)


def item_error(item: Item, field_name: str | None, message: str) -> ImportError_:
    return ImportError_(line=item.line, key=item.key, field=field_name, message=message)


def type_of(page: Page) -> str | None:
    """The exchange type of a page ("article", "ceremony"...), None if not content."""
    for name, model in PAGE_TYPES.items():
        if page.specific_class is model:
            return name
    return None
