"""What the apps above content supply to its pages, without content importing them.

Content sits below events and semantic (they import its page model), so it never
imports them. Each registers here, from its AppConfig.ready(), what content's pages
show of it, and content reads it back:

- listing types (`listing_type_register`): a page type the section listings can filter
  on, after content's own (events: "ceremony");
- home context (`home_context_register`): an entry of the home page's context
  (events: "ceremonies", the upcoming ones);
- related by meaning (`related_by_meaning_register`): the stored neighbours of a page,
  first in its "Related content" cards (semantic);
- related documents (`related_documents_register`): what is not a page but belongs
  beside it under "Related content" (the site: the collection's published testimonies
  from the page's places), as cards (`RelatedDocument`).

Registration is by name: registering again replaces, never duplicates. Without the app
installed, its entry is simply missing (no filter, no section, related content by
themes, places and dates only).
"""

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from wagtail.models import Locale, Page

_listing_types: dict[str, type[Page]] = {}
_home_context: dict[str, Callable[..., object]] = {}
_related_by_meaning: list[Callable[..., list[Page] | None]] = []
_related_documents: list[Callable[..., list["RelatedDocument"]]] = []


@dataclass(frozen=True)
class RelatedDocument:
    """A card of something that is not a page (includes/document_card.html)."""

    url: str
    title: str
    lead: str
    type_label: str
    lang: str
    date: dt.date | None = None
    place: str = ""


def listing_type_register(*, key: str, model: type[Page]) -> None:
    """`key` is the value of the listing's `type` filter (?type=ceremony)."""
    _listing_types[key] = model


def listing_types() -> dict[str, type[Page]]:
    return dict(_listing_types)


def home_context_register(*, name: str, provider: Callable[..., object]) -> None:
    """`provider(locale=...)` gives the value of `name` in the home page's context."""
    _home_context[name] = provider


def home_context(*, locale: Locale) -> dict[str, object]:
    return {name: provider(locale=locale) for name, provider in _home_context.items()}


def related_by_meaning_register(*, provider: Callable[..., list[Page] | None]) -> None:
    """`provider(page=..., count=...)`: the pages closest to `page` by meaning, best first,
    or None when the page has no stored neighbours yet."""
    _related_by_meaning[:] = [provider]


def related_by_meaning(*, page: Page, count: int) -> list[Page] | None:
    if not _related_by_meaning:
        return None
    return _related_by_meaning[0](page=page, count=count)


def related_documents_register(*, provider: Callable[..., list[RelatedDocument]]) -> None:
    """`provider(page=..., count=...)`: documents to show beside the page's related
    cards, best first. The provider's owner replaces the content version when what it
    returns changes (the cards are a cached fragment)."""
    _related_documents[:] = [provider]


def related_documents(*, page: Page, count: int) -> list[RelatedDocument]:
    if not _related_documents:
        return []
    return _related_documents[0](page=page, count=count)
