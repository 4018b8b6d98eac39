"""Hybrid ranking (words and meaning fused) through the search page and the API, and its
fallback to the words alone when the model cannot run or a page is not embedded yet."""

import re

import pytest

from liberation.discovery.selectors import rrf_fuse, search_hybrid, search_rank

pytestmark = [pytest.mark.django_db, pytest.mark.urls("liberation.discovery.tests.urls")]

CHERBOURG_QUERIES = [
    "cherbourg",
    "Cherbourg port 1944",
    "liberation de cherbourg",
    "bataille du cotentin",
]
# No word of this query is in the French-only article (nor, folded or stemmed, in any
# page of the corpus): only meaning can find it.
VOTE_QUERY = "when could women cast a ballot for the first time"


@pytest.fixture
def embedded(corpus, make_page):
    """The corpus, plus a French-only article on women's vote, all embedded (as the
    task does after publication)."""
    from liberation.content.models import ArticlePage
    from liberation.semantic import services

    corpus["vote"] = make_page(
        ArticlePage,
        title="29 avril 1945 : les Françaises votent pour la première fois",
        lead="Le droit de vote des femmes, accordé par l’ordonnance d’avril 1944, est "
        "exercé pour la première fois aux élections municipales.",
    )
    for page in corpus.values():
        services.page_index_update(page_id=page.pk)
    return corpus


def _page_titles(client, url, query):
    response = client.get(url, {"q": query})
    assert response.status_code == 200
    html = response.content.decode()
    titles = re.findall(r"<h3 class=\"fr-card__title\"[^>]*><a [^>]*>(.*?)</a>", html, re.S)
    return [re.sub(r"</?mark>", "", t).strip() for t in titles]


def _api_ids(client, query, lang):
    from liberation.discovery.models import SearchEntry

    data = client.get("/api/search/", {"q": query, "lang": lang, "limit": "10"}).json()
    by_title = dict(SearchEntry.objects.values_list("title", "page_id"))
    return data, [by_title[r["title"]] for r in data["results"]]


def test_rrf_fuse():
    fused = rrf_fuse(rankings=[[1, 2, 3], [3, 1]], k=60)
    assert [page_id for page_id, _ in fused] == [1, 3, 2]
    assert fused[0][1] == pytest.approx(1 / 61 + 1 / 62)
    # A page one ranking could not judge counts the rank given for it there.
    assert [p for p, _ in rrf_fuse(rankings=[[1, 2], [3]], stand_in={2: 2})] == [2, 1, 3]
    # A ranking weighted 0.5 counts half.
    halved = rrf_fuse(rankings=[[1], [2], [3]], weights=[1.0, 1.0, 0.5])
    assert halved[-1] == (3, pytest.approx(0.5 / 61))


@pytest.mark.parametrize("query", CHERBOURG_QUERIES)
def test_cherbourg_first_on_the_page(client, embedded, query):
    assert _page_titles(client, "/fr/recherche/", query)[0] == "La libération de Cherbourg"
    assert _page_titles(client, "/en/search/", query)[0] == "The liberation of Cherbourg"


@pytest.mark.parametrize("query", CHERBOURG_QUERIES)
def test_cherbourg_first_through_the_api(client, embedded, query):
    data, ids = _api_ids(client, query, "fr")
    assert data["ranking"] == "hybrid"
    assert ids[0] == embedded["cherbourg"].pk
    assert _api_ids(client, query, "en")[1][0] == embedded["cherbourg_en"].pk


def test_english_query_finds_french_only_article(client, embedded):
    assert embedded["vote"].pk not in [pid for pid, _ in search_rank(query=VOTE_QUERY, lang="en")]
    data, ids = _api_ids(client, VOTE_QUERY, "en")
    assert data["ranking"] == "hybrid"
    assert embedded["vote"].pk in ids[:3]
    assert data["results"][ids.index(embedded["vote"].pk)]["lang"] == "fr"
    titles = _page_titles(client, "/en/search/", VOTE_QUERY)
    assert embedded["vote"].title in titles[:3]


def test_meaning_alone_needs_a_minimum_similarity(client, embedded):
    data, _ = _api_ids(client, "zzzzqx", "fr")
    assert data["ranking"] == "hybrid" and data["results"] == []
    # Meaning finds something for a misspelling, but the suggestion still follows the words.
    response = client.get("/fr/recherche/", {"q": "cherbourgg"})
    assert b"cherbourg</a>" in response.content


def test_filters_and_pagination_with_meaning(client, embedded):
    response = client.get("/en/search/", {"q": VOTE_QUERY, "lang": "fr", "type": "article"})
    assert response.status_code == 200
    assert embedded["vote"].title in response.content.decode()
    response = client.get("/en/search/", {"q": VOTE_QUERY, "type": "dossier", "page": "7"})
    assert response.status_code == 200
    assert embedded["vote"].title not in response.content.decode()


def test_model_unavailable_falls_back_to_words(client, embedded, monkeypatch):
    from liberation.semantic import embeddings

    def broken(texts):
        raise RuntimeError("no model here")

    monkeypatch.setattr(embeddings, "encode", broken)
    lexical = [pid for pid, _ in search_rank(query="cherbourg port", lang="fr", limit=10)]
    data, ids = _api_ids(client, "cherbourg port", "fr")
    assert data["ranking"] == "lexical"
    assert ids == lexical
    assert _page_titles(client, "/fr/recherche/", "cherbourg")[0] == "La libération de Cherbourg"
    assert _api_ids(client, VOTE_QUERY, "en")[0]["results"] == []


def test_search_off_by_setting_is_lexical(embedded, settings):
    settings.SEARCH_HYBRID = False
    ranking = search_hybrid(query="cherbourg", lang="fr")
    assert ranking.method == "lexical"
    assert [c.page_id for c in ranking.candidates] == [
        pid for pid, _ in search_rank(query="cherbourg", lang="fr", limit=1000)
    ]


def test_page_not_embedded_yet_keeps_its_lexical_rank(client, embedded):
    from liberation.semantic.models import PageEmbedding

    # Without its embedding, the French article would lose to its English translation
    # (second by words, first by meaning) if meaning counted it as a miss.
    PageEmbedding.objects.filter(page=embedded["cherbourg"]).delete()
    assert _api_ids(client, "cherbourg", "fr")[1][0] == embedded["cherbourg"].pk
    assert _page_titles(client, "/fr/recherche/", "cherbourg")[0] == "La libération de Cherbourg"


def test_unpublished_page_not_found_by_meaning(client, embedded):
    embedded["vote"].unpublish()
    _, ids = _api_ids(client, VOTE_QUERY, "en")
    assert embedded["vote"].pk not in ids


def test_openapi_documents_the_ranking(client):
    data = client.get("/api/openapi.json").json()
    operation = data["paths"]["/api/search/"]["get"]
    assert "reciprocal rank fusion" in operation["description"]
    schema = operation["responses"]["200"]["content"]["application/json"]["schema"]
    assert schema["properties"]["ranking"]["enum"] == ["hybrid", "lexical"]


@pytest.mark.parametrize("embed", [False, True], ids=["not-embedded-yet", "embedded"])
def test_a_document_comes_after_the_pages_both_rankings_agree_on(
    embedded, embed, django_capture_on_commit_callbacks
):
    """A document whose words match best is placed after the page both rankings agree
    on: before its embedding, not first by counting its words twice; once embedded, its
    rank among the documents by meaning counts half (DOCUMENT_MEANING_WEIGHT: at 1, this
    one would come first). It stays found."""
    import datetime as dt

    from liberation.discovery import selectors, sources
    from liberation.discovery.indexing import index_documents
    from liberation.semantic.models import DocumentEmbedding

    walk = sources.Document(
        key="w1",
        lang="fr",
        title="Cherbourg : marche de Cherbourg",
        url="/fr/marches/w1/",
        date=dt.date(2027, 6, 26),
        lead="Cherbourg.",
    )
    previous = dict(sources._sources)
    sources.source_register(
        sources.DocumentSource(
            name="walk",
            label=lambda: "Walk",
            documents=lambda keys: [walk] if "w1" in keys else [],
            keys=lambda: ["w1"],
        )
    )
    try:
        with django_capture_on_commit_callbacks(execute=embed):  # the embedding task
            index_documents("walk", ["w1"])
        assert DocumentEmbedding.objects.filter(key="w1").exists() == embed
        _, lexical, _ = selectors._search("cherbourg", "fr", 10, count=False)
        ranking = search_hybrid(query="cherbourg", lang="fr").candidates
    finally:
        sources._sources.clear()
        sources._sources.update(previous)
    document = next(c for c in ranking if c.page_id is None)
    assert lexical[0].entry_id == document.entry_id  # first by its words …
    assert ranking[0].page_id == embedded["cherbourg"].pk  # … after the page both agree on
    assert ranking.index(document) <= 3  # and still close
