"""Document sources: things that are not content pages but are found by the site search.

Discovery knows no app above it. An app that wants its public documents in the search
(the collection's published stories) gives a `DocumentSource` from a higher floor
(`liberation/site/documents.py`, wired in the site app's `ready()`), and tells the index
when a document may have changed by enqueueing `indexing.reindex_documents`.

A source answers, for a list of keys, the documents that are public *now* (a key that
is missing, withdrawn, private or rejected is absent from the answer, and its entry
leaves the index). Whatever a `Document` carries is shown to anyone: a source puts only
public text into it.
"""

import datetime
from collections.abc import Callable, Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Document:
    key: str  # the source's own public key (never a database id of a private row)
    lang: str  # "fr" or "en"
    title: str
    url: str  # path of the public page, language prefix included
    date: datetime.date | None = None
    lead: str = ""  # summary
    body: str = ""  # further public text (captions)
    keywords: str = ""
    place: str = ""  # place name shown on the result card ("Caen (14)")
    departements: tuple[str, ...] = ()  # INSEE codes


@dataclass(frozen=True)
class DocumentSource:
    name: str  # also the type facet value of its documents ("testimony")
    label: Callable[[], str]  # the type's label in the active language
    documents: Callable[[list[str]], Iterable[Document]]  # public documents of these keys
    keys: Callable[[], Iterable[str]]  # keys of every public document (for a rebuild)


_sources: dict[str, DocumentSource] = {}


def source_register(source: DocumentSource) -> None:
    """Register (or replace, on a second `ready()`) a source by its name."""
    if source.name == "page":
        raise ValueError("'page' is the content pages' own source")
    _sources[source.name] = source


def source_get(name: str) -> DocumentSource | None:
    return _sources.get(name)


def sources_all() -> list[DocumentSource]:
    return list(_sources.values())
