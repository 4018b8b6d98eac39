"""Search documents by meaning (`meaning.py`): a document of a source is embedded after
its entry commits, found across languages by meaning, forgotten when it leaves the
index, and mapped to its entry again when the entry is replaced."""

import datetime as dt

import pytest
from django.core.management import call_command

from liberation.discovery import meaning, postings, sources
from liberation.discovery.indexing import index_documents
from liberation.discovery.models import SearchEntry
from liberation.discovery.selectors import search_hybrid, search_pages
from liberation.semantic import embeddings
from liberation.semantic.models import DocumentEmbedding, document_key_hash

pytestmark = pytest.mark.django_db

# No word of this query (folded or stemmed) is in the French document: only meaning
# can find it.
QUERY = "wreaths laid to honour those killed in the air raids"


def _ceremony(**changes) -> sources.Document:
    fields = {
        "key": "c1",
        "lang": "fr",
        "title": "Hommage aux victimes des bombardements de Saint-Lô",
        "url": "/fr/agenda/c1/",
        "date": dt.date(2027, 6, 6),
        "lead": "Dépôt de gerbes au monument aux morts et minute de silence pour les "
        "civils tués sous les bombes alliées en juin 1944.",
        "place": "Saint-Lô (50)",
        "departements": ("50",),
        "keywords": "Cérémonie",
    }
    return sources.Document(**{**fields, **changes})


@pytest.fixture
def agenda():
    """A registered source whose public documents are the dict's values."""
    public = {"c1": _ceremony()}
    previous = dict(sources._sources)
    sources.source_register(
        sources.DocumentSource(
            name="ceremony",
            label=lambda: "Ceremony",
            documents=lambda keys: [public[k] for k in keys if k in public],
            keys=lambda: list(public),
        )
    )
    yield public
    sources._sources.clear()
    sources._sources.update(previous)


def _index(django_capture_on_commit_callbacks, keys=("c1",)):
    """Index as the site does: the embedding task runs after the commit."""
    with django_capture_on_commit_callbacks(execute=True):
        index_documents("ceremony", list(keys))


def test_a_french_document_is_found_by_an_english_query_with_no_shared_word(
    agenda, django_capture_on_commit_callbacks
):
    _index(django_capture_on_commit_callbacks)
    embedding = DocumentEmbedding.objects.get(source="ceremony", key="c1")
    assert embedding.lang == "fr"
    entry = SearchEntry.objects.get(source="ceremony", key="c1")
    ranking = search_hybrid(query=QUERY, lang="en")
    assert ranking.lexical_total == 0  # the words find nothing …
    assert [c.entry_id for c in ranking.candidates] == [entry.pk]  # … meaning does
    results = search_pages(query=QUERY, lang="en")
    assert results.facets["type"] == [("ceremony", 1)]


def test_unembedded_documents_are_not_found_by_meaning(agenda):
    """The control: indexed but not embedded (the task has not run), the document is
    found by its words only, as every document was before."""
    index_documents("ceremony", ["c1"])  # no commit in this test: no task ran
    assert not DocumentEmbedding.objects.exists()
    assert search_hybrid(query=QUERY, lang="en").candidates == []
    assert len(search_hybrid(query="bombardements Saint-Lô", lang="fr").candidates) == 1


def test_a_withdrawn_document_loses_its_embedding_and_a_changed_one_is_embedded_again(
    agenda, django_capture_on_commit_callbacks, monkeypatch
):
    _index(django_capture_on_commit_callbacks)
    first = DocumentEmbedding.objects.get(key="c1")
    calls = []
    encode = embeddings.encode
    monkeypatch.setattr(embeddings, "encode", lambda texts: calls.append(texts) or encode(texts))
    _index(django_capture_on_commit_callbacks)  # unchanged: no model call
    assert calls == []
    agenda["c1"] = _ceremony(title="Hommage aux victimes des bombardements de Caen")
    _index(django_capture_on_commit_callbacks)
    assert len(calls) == 1
    again = DocumentEmbedding.objects.get(key="c1")
    assert (again.pk, again.content_hash != first.content_hash) == (first.pk, True)
    del agenda["c1"]
    _index(django_capture_on_commit_callbacks)
    assert not DocumentEmbedding.objects.exists()
    assert not SearchEntry.objects.filter(source="ceremony").exists()
    assert search_hybrid(query=QUERY, lang="en").candidates == []


def test_the_entry_is_found_by_key_hash_when_it_is_replaced(
    agenda, django_capture_on_commit_callbacks
):
    _index(django_capture_on_commit_callbacks)
    embedding = DocumentEmbedding.objects.get(key="c1")
    assert embedding.key_hash == document_key_hash("ceremony", "c1") != 0
    old_entry = SearchEntry.objects.get(key="c1")
    assert old_entry.key_hash == embedding.key_hash
    assert postings.entries_of_documents([embedding.key_hash]) == {embedding.key_hash: old_entry.pk}
    index_documents("ceremony", ["c1"])  # a reindex replaces the entry (a new id)
    new_entry = SearchEntry.objects.get(key="c1").pk
    assert new_entry != old_entry.pk
    assert postings.entries_of_documents([embedding.key_hash]) == {embedding.key_hash: new_entry}
    assert postings.key_hashes_of([new_entry, old_entry.pk]) == {new_entry: embedding.key_hash}
    entry_ids = [c.entry_id for c in search_hybrid(query=QUERY, lang="en").candidates]
    assert entry_ids == [new_entry]


def test_embed_documents_catches_up_and_forgets(agenda, capsys):
    index_documents("ceremony", ["c1"])  # the task did not run (no commit)
    DocumentEmbedding.objects.create(
        source="gone", key="x", key_hash=1, lang="fr", content_hash="", vector=b""
    )
    call_command("embed_documents")
    assert list(DocumentEmbedding.objects.values_list("source", "key")) == [("ceremony", "c1")]
    assert "1 documents: 1 embedded, 0 unchanged, 1 removed" in capsys.readouterr().out
    call_command("embed_documents")
    assert "1 documents: 0 embedded, 1 unchanged, 0 removed" in capsys.readouterr().out


def test_document_parts_weigh_as_a_pages():
    document = _ceremony(body="a\n b  c\n")
    parts = {name: texts for name, _w, texts in meaning.document_parts(document)}
    assert parts["facets"] == ["Saint-Lô (50), Cérémonie"]
    assert parts["body"] == ["a", "b c"]


def test_the_migrations_fill_in_the_same_key_hash():
    import importlib

    for name in (
        "liberation.semantic.migrations.0003_document_key_hash",
        "liberation.discovery.migrations.0005_searchentry_key_hash",
    ):
        migration = importlib.import_module(name)
        for source, key in (("event", "Ab3-x9"), ("testimony", "é"), ("", "")):
            assert migration.key_hash(source, key) == document_key_hash(source, key)
