"""Checking a file's items against each other and against the database, then the
plan of what an import would do: `import_plan` reads and checks a whole file, writes
nothing, and raises `ImportFailed` with every problem found at once.

A fingerprint of each line, normalised (Markdown already turned into blocks, video files
by content hash, date-times in UTC), is kept on `ContentKey.source_hash`: re-importing an
unchanged line writes nothing, which keeps the demo-content command idempotent and
leaves editors' later changes alone until the line itself changes.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from pathlib import Path
from typing import Any

from wagtail.models import Page

from liberation.content.models import ContentKey
from liberation.events.models import CeremonyPage

from .items import (
    DRAFT_PREFIX,
    FINGERPRINT_VERSION,
    LANGUAGE_NAMES,
    ImportError_,
    ImportFailed,
    ImportPlan,
    Item,
    PlaceSpec,
    PlaceTarget,
    item_error,
    type_of,
)
from .places import resolve_places
from .read import read_file

# Checks across lines and against the database ---------------------------------------


def _check_duplicates(items: list[Item], errors: list[ImportError_]) -> dict[str, Item]:
    by_key: dict[str, Item] = {}
    for item in items:
        if item.key is None:
            continue
        if item.key in by_key:
            first = by_key[item.key].line
            errors.append(item_error(item, "key", f"is already used on line {first}"))
        else:
            by_key[item.key] = item
    return by_key


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
            source_type = type_of(page)
        else:
            errors.append(
                item_error(
                    item, "translation_of", f'"{source_key}" is not in the file nor on the site'
                )
            )
            continue
        if item.lang and source_lang == item.lang:
            language = LANGUAGE_NAMES.get(item.lang, item.lang)
            message = f'"{source_key}" is also in {language}: a translation is in another language'
            errors.append(item_error(item, "translation_of", message))
        if item.type and source_type != item.type:
            message = f'"{source_key}" is a {source_type}, this item is a {item.type}'
            errors.append(item_error(item, "translation_of", message))


def _assign_groups(items: list[Item], by_key: dict[str, Item], errors: list) -> None:
    """Find the original of each item, and reject cycles and two versions in one language."""
    for item in items:
        seen = [item.key]
        current = item
        while current.translation_of and current.translation_of in by_key:
            if current.translation_of in seen:
                message = "translations form a loop: " + " → ".join([*seen, current.translation_of])
                errors.append(item_error(item, "translation_of", message))
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
            errors.append(item_error(item, "translation_of", message))


def _check_related(
    items: list[Item], by_key: dict[str, Item], known: dict[str, ContentKey], errors: list
) -> None:
    for item in items:
        for index, key in enumerate(item.related):
            if key in by_key:
                continue
            if key not in known:
                message = f'"{key}" is not in the file nor on the site'
                errors.append(item_error(item, f"related[{index}]", message))
            elif type_of(known[key].page) is None:
                message = f'"{key}" is not a content page and cannot be related'
                errors.append(item_error(item, f"related[{index}]", message))


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
        page_type = type_of(page)
        if item.type and page_type != item.type:
            what = f"a {page_type}" if page_type else f'a "{page.specific_class.__name__}" page'
            errors.append(
                item_error(item, "type", f"the key is already used on the site by {what}")
            )
        page_lang = page.locale.language_code
        if item.lang and page_lang != item.lang:
            language = LANGUAGE_NAMES.get(page_lang, page_lang)
            errors.append(
                item_error(item, "lang", f"the page is already in {language} on the site")
            )
        source_page = _source_page(item, known)
        if item.translation_of and (
            source_page is None or source_page.translation_key != page.translation_key
        ):
            message = (
                f'the page already exists on the site and is not a translation of "'
                f'{item.translation_of}"'
            )
            errors.append(item_error(item, "translation_of", message))


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
        errors.append(item_error(item, "translation_of", message))


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
            errors.append(item_error(item, "registration", message))
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


def _fingerprint(item: Item, places: dict[PlaceSpec, PlaceTarget]) -> str:
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
        # The places as resolved (places.py): naming a known place by its key, its
        # commune or its name gives the same fingerprint.
        "places": sorted(
            [t.key, t.name, str(t.latitude), str(t.longitude), t.commune_id or ""]
            for t in (places[spec] for spec in item.places)
        ),
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
    items = read_file(path, errors)
    by_key = _check_duplicates(items, errors)
    known = _known_keys(items)
    _check_translations(items, by_key, known, errors)
    _assign_groups(items, by_key, errors)
    _check_related(items, by_key, known, errors)
    _check_existing(items, by_key, known, errors)
    places = resolve_places(items, errors)
    _check_registrations(items, by_key, errors)
    if errors:
        raise ImportFailed(sorted(errors, key=lambda error: error.line or 0))
    for item in items:
        item.fingerprint = _fingerprint(item, places)
        item.status = _status(item, draft=draft)
    return ImportPlan(items=_ordered(items, by_key), known=known, places=places)
