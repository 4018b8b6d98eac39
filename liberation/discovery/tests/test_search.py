import pytest

from liberation.discovery.models import SearchEntry
from liberation.discovery.selectors import did_you_mean, search_pages, search_rank

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "query",
    ["cherbourg", "Cherbourg port 1944", "liberation de cherbourg", "bataille du cotentin"],
)
def test_cherbourg_first(corpus, query):
    ranked = search_rank(query=query, lang="fr", limit=5)
    assert ranked[0][0] == corpus["cherbourg"].pk


def test_reader_language_preferred_other_language_kept(corpus):
    ids = [pid for pid, _ in search_rank(query="cherbourg", lang="en", limit=10)]
    assert ids[0] == corpus["cherbourg_en"].pk
    assert corpus["cherbourg"].pk in ids


def test_english_query_finds_french_only_content(corpus):
    ids = [pid for pid, _ in search_rank(query="Paris", lang="en", limit=10)]
    assert corpus["paris"].pk in ids


def test_facets_and_filters(corpus):
    results = search_pages(query="1944", lang="fr")
    facets = dict(results.facets["type"])
    assert facets["article"] >= 2 and facets["dossier"] == 1
    assert dict(results.facets["lang"])["en"] == 1
    from liberation.discovery.selectors import SearchFilters

    only = search_pages(query="1944", lang="fr", filters=SearchFilters(type="dossier"))
    assert [c.page_id for c in only.candidates] == [corpus["dossier"].pk]
    assert dict(only.facets["type"])["article"] >= 2  # other values still offered


def test_entry_stores_place_ids(placed):
    places = placed["places"]
    entry = SearchEntry.objects.get(page_id=placed["arsenal"].pk)
    ids = sorted([places["Cherbourg"].pk, places["Caen"].pk])
    assert entry.place_ids == f"|{ids[0]}|{ids[1]}|"
    assert SearchEntry.objects.get(page_id=placed["paris"].pk).place_ids == ""


def test_place_facet_counts_and_filter(placed):
    from liberation.discovery.selectors import SearchFilters

    cherbourg, caen = (str(placed["places"][n].pk) for n in ("Cherbourg", "Caen"))
    results = search_pages(query="1944", lang="fr")
    # Cherbourg: the article (its English translation is the same story: counted once,
    # issue 14), the arsenal, the gare.
    assert dict(results.facets["place"]) == {cherbourg: 3, caen: 2}
    assert results.facets["place"][0] == (cherbourg, 3)  # by count, like the others

    only = search_pages(query="1944", lang="fr", filters=SearchFilters(place=caen))
    assert {c.page_id for c in only.candidates} == {placed["arsenal"].pk, placed["caen"].pk}
    assert only.total == 2
    # Its own facet still counts over the candidates the other filters leave.
    assert dict(only.facets["place"]) == {cherbourg: 3, caen: 2}
    assert dict(only.facets["type"]) == {"article": 2}

    both = search_pages(
        query="1944", lang="fr", filters=SearchFilters(place=cherbourg, type="news")
    )
    assert [c.page_id for c in both.candidates] == [placed["gare"].pk]
    assert dict(both.facets["place"]) == {cherbourg: 1}  # news pages only
    assert dict(both.facets["type"])["article"] == 2  # Cherbourg stories only

    for garbage in ("abc", "99999999", "|", "1|2", "' OR 1=1 --", "-1"):
        assert (
            search_pages(query="1944", lang="fr", filters=SearchFilters(place=garbage)).candidates
            == []
        )


def test_did_you_mean(corpus):
    assert did_you_mean(query="cherbourgg", lang="fr") == "cherbourg"
    assert did_you_mean(query="cherbourg", lang="fr") == ""


def test_unpublish_removes(corpus):
    page = corpus["paris"]
    page.unpublish()
    assert not SearchEntry.objects.filter(page_id=page.pk).exists()
    assert page.pk not in [pid for pid, _ in search_rank(query="paris", lang="fr")]


def test_delete_removes(corpus):
    page = corpus["port"]
    pk = page.pk
    page.delete()
    assert not SearchEntry.objects.filter(page_id=pk).exists()


def test_republish_updates(corpus):
    page = corpus["port"]
    page.title = "Les dockers du Havre"
    page.save_revision().publish()
    assert search_rank(query="havre", lang="fr")[0][0] == page.pk


def test_move_keeps_entry(corpus, structure):
    page = corpus["port"]
    page.move(structure.sections[("history", "fr")], pos="last-child")
    assert SearchEntry.objects.filter(page_id=page.pk).exists()


def test_rebuild(corpus):
    from liberation.discovery.indexing import rebuild_index

    SearchEntry.objects.all().delete()
    assert rebuild_index() >= 5
    assert search_rank(query="cherbourg", lang="fr")[0][0] == corpus["cherbourg"].pk


@pytest.mark.parametrize(
    "query", ["cherbourg", "libération de Paris", "port 1944", "cherbourg zzzz", "les alliés"]
)
@pytest.mark.parametrize("lang", ["fr", "en"])
def test_in_memory_ranking_is_the_sql_ranking(corpus, query, lang):
    from liberation.discovery.analysis import query_tokens
    from liberation.discovery.selectors import _candidates, _candidates_sql

    tokens = query_tokens(query)
    for require_all in (True, False):
        memory, total = _candidates(tokens, lang, limit=1000, require_all=require_all)
        sql, sql_total = _candidates_sql(tokens, lang, limit=1000, require_all=require_all)
        assert [(c.page_id, c.matched, c.lang, c.date, c.place_ids) for c in memory] == [
            (c.page_id, c.matched, c.lang, c.date, c.place_ids) for c in sql
        ]
        assert [c.facet_values("place") for c in memory] == [c.facet_values("place") for c in sql]
        assert [c.score for c in memory] == pytest.approx([c.score for c in sql])
        assert total == sql_total


def test_in_memory_copy_follows_index_writes(corpus, make_page):
    """Each write bumps the index version: the next search sees it (no stale copy)."""
    from liberation.content.models import ArticlePage
    from liberation.discovery import indexing

    assert search_rank(query="cherbourg", lang="fr")  # the copy is loaded
    page = make_page(ArticlePage, title="Cherbourg, le port en ruines")
    indexing.index_pages([page.pk])
    assert page.pk in [pid for pid, _ in search_rank(query="ruines", lang="fr")]
    page.unpublish()
    indexing.index_pages([page.pk])
    assert page.pk not in [pid for pid, _ in search_rank(query="cherbourg", lang="fr")]
    corpus["paris"].delete()
    assert corpus["paris"].pk not in [pid for pid, _ in search_rank(query="paris", lang="fr")]


def test_migration_fills_place_ids_of_existing_entries(placed):
    """Entries indexed before `place_ids` existed get the same value as a reindex."""
    import importlib

    from django.apps import apps

    from liberation.discovery import postings
    from liberation.discovery.models import SearchIndexState

    migration = importlib.import_module(
        "liberation.discovery.migrations.0003_searchentry_place_ids"
    )
    expected = dict(SearchEntry.objects.values_list("page_id", "place_ids"))
    assert sum(1 for v in expected.values() if v) == 5
    search_pages(query="1944", lang="fr")  # the in-memory copy is loaded
    SearchEntry.objects.update(place_ids="")
    version = SearchIndexState.objects.get(pk=1).version
    migration.fill_place_ids(apps, None)
    assert dict(SearchEntry.objects.values_list("page_id", "place_ids")) == expected
    assert SearchIndexState.objects.get(pk=1).version != version
    assert postings.snapshot_get().version != version  # processes reload their copy
