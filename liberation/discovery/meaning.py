"""The search documents by meaning: their embeddings, and which index entry each is.

A document of a source (a labelled event, a published testimony) is embedded like a
page: its title, lead, place and keywords, and the lines of its body, weighted as a
page's parts (`semantic.services`), in the semantic app's `DocumentEmbedding` keyed by
the source and the document's public key. `index_documents` enqueues
`embed_documents_task` after each commit that (re)indexes or removes documents; the
task embeds those public now (unchanged texts skip the model) and forgets the others.
`manage.py embed_documents` does the same for every document (after a restore, or to
catch up after the queue lost work).

The index entries are replaced when a document is reindexed (new ids), the embeddings
are not: `document_rows()` maps each embedding to the entry it belongs to, per process,
rebuilt when the index or the embeddings change (one join, ~0.1 s at 180,000).
"""

from array import array
from dataclasses import dataclass

import numpy as np
from django.db import connection
from django_tasks import task

from liberation.core.stamped import StampedCache
from liberation.semantic import services
from liberation.semantic.corpus import SortedIds, document_signature
from liberation.semantic.models import DocumentEmbedding

from . import postings
from .sources import Document, source_get

MODEL_BATCH = services.MODEL_BATCH


def document_parts(document: Document) -> services.Parts:
    """(part, weight, texts) of a document, as a page's (`semantic.services`)."""
    facets = ", ".join(filter(None, [document.place, document.keywords]))
    return [
        ("title", services.TITLE_WEIGHT, [document.title]),
        ("lead", services.LEAD_WEIGHT, [document.lead]),
        ("facets", services.FACETS_WEIGHT, [facets]),
        (
            "body",
            services.BODY_WEIGHT,
            [" ".join(line.split()) for line in document.body.splitlines()],
        ),
    ]


def documents_meaning_update(source: str, keys: list[str]) -> int:
    """Embed the documents of these keys that the source says are public now, forget
    the others. Returns how many were (re-)embedded."""
    keys = sorted({str(k)[:64] for k in keys})
    registered = source_get(source)
    documents = [d for d in (registered.documents(keys) if registered else []) if d.key in keys]
    public = {d.key for d in documents}
    services.documents_forget(source=source, keys=[k for k in keys if k not in public])
    embedded = 0
    for start in range(0, len(documents), MODEL_BATCH):
        batch = documents[start : start + MODEL_BATCH]
        embedded += services.documents_embed(
            documents=[
                services.DocumentText(source, d.key[:64], d.lang, document_parts(d)) for d in batch
            ]
        )
    return embedded


@task(priority=services.PRIORITY)
def embed_documents_task(source: str, keys: list[str]) -> int:
    return documents_meaning_update(source, keys)


@dataclass(frozen=True)
class DocumentRows:
    """Each document embedding's entry: `embedding_ids` ascending, `entry_ids` beside
    them; `embedded` holds the entries that have an embedding."""

    stamp: tuple
    embedding_ids: np.ndarray
    entry_ids: np.ndarray
    embedded: SortedIds

    def entry_of(self, embedding_id: int) -> int | None:
        i = SortedIds(self.embedding_ids).get(embedding_id)
        return None if i is None else int(self.entry_ids[i])

    def __len__(self) -> int:
        return len(self.embedding_ids)


def _stamp() -> tuple:
    return (postings.index_version(), document_signature())


def _build(stamp: tuple) -> DocumentRows:
    embeddings = DocumentEmbedding._meta.db_table
    ids = array("q")  # embedding id, entry id, ...: no Python tuple kept per row
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT d.id, e.id FROM {embeddings} d"
            " JOIN discovery_searchentry e ON e.source = d.source AND e.key = d.key"
            " ORDER BY d.id"
        )
        while rows := cursor.fetchmany(5000):
            for pair in rows:
                ids.extend(pair)
    pairs = np.frombuffer(ids, dtype=np.int64).reshape(-1, 2)
    return DocumentRows(
        stamp=stamp,
        embedding_ids=pairs[:, 0].copy(),
        entry_ids=pairs[:, 1].copy(),
        embedded=SortedIds(np.sort(pairs[:, 1])),
    )


_rows = StampedCache(stamp=_stamp, build=_build)


def document_rows() -> DocumentRows:
    """This process's map of document embeddings to index entries."""
    return _rows.get()
