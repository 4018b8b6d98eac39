"""The corpora's versions (`models.CorpusState`), changed by database triggers: any writer
of a vector, raw SQL included, makes every process rebuild its corpus; writes that do
not change a corpus (a page's stored related content) leave it as it is."""

import numpy as np
import pytest
from django.db import connection

from liberation.semantic import corpus as corpora
from liberation.semantic import embeddings
from liberation.semantic.models import CorpusState, DocumentEmbedding, PageEmbedding

pytestmark = pytest.mark.django_db

TABLE = DocumentEmbedding._meta.db_table


def _version(name: str) -> int:
    return CorpusState.objects.get(name=name).version


def _raw_insert(key: str, key_hash: int) -> None:
    vector = np.full(embeddings.DIMENSIONS, embeddings.DIMENSIONS**-0.5, dtype=np.float32)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {TABLE} (source, key, key_hash, lang, content_hash, vector, updated_at)"
            " VALUES (%s, %s, %s, %s, %s, %s, %s)",
            ["event", key, key_hash, "fr", "h", vector.tobytes(), "2026-12-07 00:00:00+00:00"],
        )


@pytest.fixture
def fresh():
    corpora._documents._held = corpora._pages._held = None
    yield
    corpora._documents._held = corpora._pages._held = None


def test_a_raw_insert_and_delete_change_the_version_and_rebuild_the_corpus(fresh):
    assert len(corpora.document_corpus_get().ids) == 0
    before = _version("documents")
    _raw_insert("e1", 11)  # a writer the code does not know of
    assert _version("documents") != before
    assert corpora.document_corpus_get().ids.tolist() == [11]
    after_insert = _version("documents")
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {TABLE} WHERE key_hash = 11")
    assert _version("documents") != after_insert
    assert len(corpora.document_corpus_get().ids) == 0


def test_the_check_per_search_is_the_version_not_a_count(fresh):
    _raw_insert("e1", 11)
    assert corpora._stamp("documents", TABLE) == ("version", _version("documents"))
    # Control: without its row (a database the triggers were not made for), the count
    # and the latest update, which still see a write.
    CorpusState.objects.filter(name="documents").delete()
    stamp = corpora._stamp("documents", TABLE)
    assert stamp[0] == "signature" and stamp[1] == 1
    _raw_insert("e2", 12)
    assert corpora._stamp("documents", TABLE) != stamp
    assert corpora.document_corpus_get().ids.tolist() == [11, 12]


def test_related_content_written_leaves_the_pages_corpus_as_it_is(corpus, fresh):
    held = corpora.corpus_get()
    before = _version("pages")
    PageEmbedding.objects.filter(page=corpus["song"]).update(related_ids=[corpus["vote"].pk])
    assert _version("pages") == before
    assert corpora.corpus_get() is held
    # A changed vector does change it (control).
    row = PageEmbedding.objects.get(page=corpus["song"])
    turned = -np.frombuffer(bytes(row.vector), dtype=np.float32)
    PageEmbedding.objects.filter(pk=row.pk).update(vector=turned.tobytes())
    assert _version("pages") != before
    assert corpora.corpus_get() is not held
