"""Document sources (`sources.py`): discovery indexes what a registered source says is
public, removes what it no longer returns, and knows nothing of the app behind it."""

import datetime as dt

import pytest

from liberation.discovery import sources
from liberation.discovery.indexing import index_documents, rebuild_index
from liberation.discovery.models import SearchEntry
from liberation.discovery.selectors import search_pages

pytestmark = pytest.mark.django_db


@pytest.fixture
def notes():
    public = {
        "n1": sources.Document(
            key="n1",
            lang="fr",
            title="Carnet de route du sergent",
            url="/fr/carnets/n1/",
            date=dt.date(1944, 8, 25),
            lead="Le carnet raconte la traversée de la Seine.",
            place="Caen (14)",
            departements=("14",),
        )
    }
    source = sources.DocumentSource(
        name="notebook",
        label=lambda: "Notebook",
        documents=lambda keys: [public[k] for k in keys if k in public],
        keys=lambda: list(public),
    )
    previous = dict(sources._sources)
    sources.source_register(source)
    yield public
    sources._sources.clear()
    sources._sources.update(previous)


def test_a_registered_source_is_indexed_then_removed(notes):
    assert index_documents("notebook", ["n1"]) == 1
    entry = SearchEntry.objects.get(source="notebook", key="n1")
    assert (entry.page_id, entry.url, entry.departements) == (None, "/fr/carnets/n1/", "|14|")
    found = search_pages(query="carnet sergent", lang="fr")
    assert [c.entry_id for c in found.candidates] == [entry.pk]
    assert found.facets["type"] == [("notebook", 1)]
    # Reindexing replaces the entry, never duplicates it.
    index_documents("notebook", ["n1"])
    assert SearchEntry.objects.filter(source="notebook").count() == 1
    del notes["n1"]
    assert index_documents("notebook", ["n1"]) == 0
    assert not SearchEntry.objects.filter(source="notebook").exists()
    assert search_pages(query="carnet sergent", lang="fr").candidates == []


def test_rebuild_includes_sources_and_an_unknown_source_indexes_nothing(notes):
    assert rebuild_index() == 1  # no page, no other public document
    assert SearchEntry.objects.filter(source="notebook", key="n1").exists()
    assert index_documents("nosuchsource", ["x"]) == 0


def test_page_is_the_pages_own_source():
    with pytest.raises(ValueError):
        sources.source_register(
            sources.DocumentSource(
                name="page", label=str, documents=lambda keys: [], keys=lambda: []
            )
        )
