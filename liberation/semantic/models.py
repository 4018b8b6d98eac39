"""One embedding per published content page, and its related content by meaning.

The vector is stored as raw float32 bytes (512 of them for the model in use): numpy reads
it back with no parsing, and the same column works on SQLite and PostgreSQL. The content
hash lets a re-publish with unchanged text skip the model.
"""

import hashlib

from django.db import models
from wagtail.models import Page


def document_key_hash(source: str, key: str) -> int:
    """A search document's identity as one signed 64-bit integer (blake2b of its source
    and key), never 0: stored beside its embedding and its search index entry, so that
    each process matches the two by number, with no join and without the keys (a
    collision among 200,000 documents has a chance of about 1 in 10^9)."""
    digest = hashlib.blake2b(f"{source}\x1f{key}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True) or 1


class PageEmbedding(models.Model):
    page = models.OneToOneField(
        Page, on_delete=models.CASCADE, primary_key=True, related_name="semantic_embedding"
    )
    # sha256 of the model name and the embedded text: equal hash, equal vector.
    content_hash = models.CharField(max_length=64)
    vector = models.BinaryField()
    # Page ids of the closest content (meaning, themes, places, dates), best first,
    # one language version per item; recomputed when this page or a neighbour changes.
    related_ids = models.JSONField(default=list, blank=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    class Meta:
        verbose_name = "page embedding"

    def __str__(self) -> str:
        return f"embedding of page {self.page_id}"


class DocumentEmbedding(models.Model):
    """One embedding per public document of a search source (a labelled event, a
    testimony): not a page, so keyed by the source's name and its public key, as in the
    search index. Written and deleted by the search index's tasks
    (`discovery.meaning`); semantic knows nothing of the sources themselves. The corpus
    of the documents numbers its rows by `key_hash`."""

    source = models.CharField(max_length=30)
    key = models.CharField(max_length=64)
    key_hash = models.BigIntegerField(db_index=True)  # document_key_hash(source, key)
    lang = models.CharField(max_length=8)
    content_hash = models.CharField(max_length=64)
    vector = models.BinaryField()
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    class Meta:
        verbose_name = "document embedding"
        constraints = [
            models.UniqueConstraint(fields=["source", "key"], name="semantic_document_source_key")
        ]

    def __str__(self) -> str:
        return f"embedding of {self.source} {self.key}"


class CorpusState(models.Model):
    """A version per corpus ("pages", "documents"): a random number that database
    triggers change on every write of its vectors (migration 0004: statement triggers on
    PostgreSQL, row triggers on SQLite). The per-search check that a process's corpus is
    current is then one primary-key read, whoever wrote (the tasks, a migration, the
    shell, raw SQL), instead of counting the table (2 ms at 20,000 pages on PostgreSQL,
    growing with the rows)."""

    name = models.CharField(primary_key=True, max_length=20)
    version = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = "corpus state"

    def __str__(self) -> str:
        return f"{self.name} v{self.version}"
