"""The search documents by meaning: their embeddings, and which index entry each is.

A document of a source (a labelled event, a published testimony) is embedded like a
page: its title, lead, place and keywords, and the lines of its body, weighted as a
page's parts (`semantic.services`), in the semantic app's `DocumentEmbedding` keyed by
the source and the document's public key. `index_documents` enqueues
`embed_documents_task` after each commit that (re)indexes or removes documents; the
task embeds those public now (unchanged texts skip the model) and forgets the others.
`manage.py embed_documents` does the same for every document (after a restore, or to
catch up after the queue lost work).

An embedding and its index entry share the document's key hash
(`semantic.models.document_key_hash`): meaning ranks documents by key hash, and each
process finds their entries in its copy of the index (`postings.entries_of_documents`),
with no join, although an entry gets a new id each time its document is reindexed.
"""

from django_tasks import task

from liberation.semantic import services
from liberation.semantic.warming import corpora_warm_soon

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
    embedded = documents_meaning_update(source, keys)
    corpora_warm_soon()  # the shared corpora rebuilt here, not by the next search
    return embedded
