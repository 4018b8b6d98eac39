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
