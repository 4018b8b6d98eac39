"""Writing a checked plan: the whole file in one transaction, or nothing.

`import_content` checks the file first (check.py) and writes only a clean one:
originals first, then their translations (created with `copy_for_translation`, so they
share the translation key), then the editors' related picks once every page exists.
Each page is then revised and published (or only revised with `draft=True`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
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

from liberation.content.models import ContentKey, ContentPage, Place, Theme, VideoPage
from liberation.content.services import ContentStructure, content_structure_ensure
from liberation.core.bulk import page_work_deferred
from liberation.events.models import CeremonyPage, RegistrationSettings
from liberation.registrations.services import registration_settings_save

from .check import import_plan
from .items import (
    DRAFT_PREFIX,
    PAGE_TYPES,
    SECTION_KIND,
    SLUG_MAX_LENGTH,
    ImportFailed,
    ImportPlan,
    ImportReport,
    Item,
    LocalFile,
    PlaceSpec,
    RegistrationSpec,
    item_error,
)

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

    def __init__(self, *, plan: ImportPlan, structure: ContentStructure, draft: bool):
        self.plan = plan
        self.places_written: dict[str, Place] = {}
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
        """The place check.py resolved `spec` to (see places.py), created or updated."""
        target = self.plan.places[spec]
        if target.key in self.places_written:
            return self.places_written[target.key]
        values = {
            "name": target.name,
            "latitude": target.latitude,
            "longitude": target.longitude,
            "commune_id": target.commune_id,
        }
        if target.place_id is None:
            place = Place.objects.create(key=target.key, **values)
        else:
            place = Place.objects.get(pk=target.place_id)
            if not target.authoritative:  # named by name or commune: keeps its own point
                values = {"commune_id": place.commune_id or target.commune_id}
            changed = [name for name, value in values.items() if getattr(place, name) != value]
            if changed:
                for name in changed:
                    setattr(place, name, values[name])
                place.save(update_fields=changed)
        self.places_written[target.key] = place
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
                item_error(item, name, " ".join(messages))
                for name, messages in error.message_dict.items()
            ]
        else:
            errors = [item_error(item, None, " ".join(error.messages))]
        raise ImportFailed(errors) from error
    except IntegrityError as error:
        message = f"the database refused the change ({error}); nothing was imported"
        raise ImportFailed([item_error(item, None, message)]) from error


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
        # The search and meaning indexes of the published pages are enqueued for the
        # whole file after the commit (a few batch tasks, not a few per page).
        with page_work_deferred() as indexing, transaction.atomic():
            writer = _Writer(plan=plan, structure=content_structure_ensure(), draft=draft)
            writer.run(report)
        report.indexing = indexing
    except BaseException:
        if writer is not None:
            writer.discard_files()
        raise
    return report
