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
        assert [(c.page_id, c.matched, c.lang, c.date) for c in memory] == [
            (c.page_id, c.matched, c.lang, c.date) for c in sql
        ]
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
