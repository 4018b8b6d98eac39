"""Search by meaning across languages, and related content by meaning."""

import pytest

from liberation.content.selectors import related_cards
from liberation.semantic import services
from liberation.semantic.selectors import (
    query_clean,
    related_by_meaning,
    semantic_rank,
    semantic_search,
)


def _ids(results):
    return [page_id for page_id, _score in results]


def test_an_english_query_finds_the_french_only_article(corpus):
    results = semantic_search(query="the anthem of the French Resistance", lang=None, limit=3)
    assert _ids(results)[0] == corpus["song"].pk
    scores = [score for _id, score in results]
    assert scores == sorted(scores, reverse=True)


def test_a_french_query_finds_the_english_version_when_asked(corpus):
    results = semantic_search(query="le port de Cherbourg saboté", lang="en", limit=3)
    assert _ids(results)[0] == corpus["cherbourg_en"].pk
    fr = semantic_search(query="le port de Cherbourg saboté", lang="fr", limit=10)
    assert corpus["cherbourg_en"].pk not in _ids(fr)
    assert _ids(fr)[0] == corpus["cherbourg"].pk


ODD_QUERIES = ["", "   ", "\x00\x07", '"*" -NEAR( OR', "x" * 10_000, "🇫🇷 ✊", "ליברסיון", "'; DROP"]


def test_odd_queries_never_fail_and_an_unknown_language_is_refused(corpus):
    for query in ODD_QUERIES:
        assert len(semantic_search(query=query, lang=None, limit=5)) <= 5
    assert semantic_search(query="Cherbourg", lang=None, limit=0) == []
    with pytest.raises(ValueError):
        semantic_search(query="Cherbourg", lang="de", limit=5)


def test_semantic_rank_says_which_pages_are_embedded(corpus, make_page):
    from liberation.content.models import ArticlePage

    fresh = make_page(ArticlePage, title="La bataille de Cherbourg, vue du port")
    ranking = semantic_rank(query="Cherbourg", lang=None, limit=3)
    assert ranking.results == semantic_search(query="Cherbourg", lang=None, limit=3)
    assert corpus["cherbourg"].pk in ranking.embedded
    assert fresh.pk not in ranking.embedded  # published, not embedded yet
    assert semantic_rank(query="  ", lang=None, limit=3).results == []


def test_query_cleaning():
    assert query_clean("  a\x00b\u200e c \n") == "a b c"
    assert len(query_clean("é" * 5000)) == 1000


def test_the_matrix_follows_publication_and_unpublication(corpus, make_page):
    from liberation.content.models import ArticlePage

    query = "la poche de Royan libérée en avril 1945"
    royan = make_page(ArticlePage, title="Royan, avril 1945", lead="La poche de Royan est libérée.")
    assert royan.pk not in _ids(semantic_search(query=query, lang=None, limit=10))
    services.page_index_update(page_id=royan.pk)
    assert _ids(semantic_search(query=query, lang=None, limit=10))[0] == royan.pk
    royan.unpublish()
    services.page_index_update(page_id=royan.pk)
    assert royan.pk not in _ids(semantic_search(query=query, lang=None, limit=10))


def test_related_cards_of_cherbourg_are_about_normandy_and_mix_types(corpus):
    cards = related_cards(page=corpus["cherbourg"])
    assert set(cards[:2]) == {corpus["dday"], corpus["ceremony"]}
    assert len({type(card) for card in cards}) == 3
    assert corpus["cherbourg_en"] not in cards and corpus["cherbourg"] not in cards


def test_stored_related_content_is_one_version_per_item_in_the_page_language(corpus):
    stored = related_by_meaning(page=corpus["cherbourg_en"], count=10)
    keys = [page.translation_key for page in stored]
    assert len(keys) == len(set(keys))
    assert corpus["cherbourg"] not in stored
    # French-only items are offered to the English page: no English version exists
    assert corpus["dday"] in stored


def test_editor_picks_still_come_first(corpus):
    page = corpus["cherbourg"]
    page.related = [("page", corpus["vote"])]
    cards = related_cards(page=page)
    assert cards[0] == corpus["vote"]
    assert len(cards) == 3 and len(set(cards)) == 3


def test_pages_without_embedding_fall_back_to_themes_places_and_dates(corpus, make_page):
    from liberation.content.models import ArticlePage

    page = make_page(
        ArticlePage, title="Valognes", lead="Valognes.", themes=corpus["dday"].themes.all()
    )
    assert related_by_meaning(page=page, count=3) is None
    cards = related_cards(page=page)
    assert corpus["dday"] in cards and corpus["vote"] not in cards
