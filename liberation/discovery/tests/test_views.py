import pytest

pytestmark = [pytest.mark.django_db, pytest.mark.urls("liberation.discovery.tests.urls")]

BAD_QUERIES = [
    '"',
    '""cherbourg',
    "*",
    "cherb*",
    "-",
    "-paris",
    "OR",
    "cherbourg OR paris",
    "NEAR(cherbourg paris)",
    "'; DROP TABLE discovery_searchentry; --",
    "1' OR '1'='1",
    "\x00\x01\x1b[31m",
    "🎉🇫🇷",
    "\u202eكربورغ\u202c",
    "שלום",
    "%",
    "_",
    "\\",
    "a" * 200,
]


def test_search_page_finds_and_highlights(client, corpus):
    response = client.get("/fr/recherche/", {"q": "liberation de cherbourg"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "<mark>Cherbourg</mark>" in html
    assert (
        html.index("La <mark>libération</mark> de <mark>Cherbourg</mark>")
        < html.index("libération</mark> de Paris")
        if "de Paris" in html
        else True
    )
    assert 'lang="en"' in html  # the English translation is marked as such


def test_english_search_page(client, corpus):
    response = client.get("/en/search/", {"q": "cherbourg", "sort": "date"})
    assert response.status_code == 200
    assert "The liberation of <mark>Cherbourg</mark>" in response.content.decode()


def test_empty_query_is_helpful(client, corpus):
    response = client.get("/fr/recherche/")
    assert response.status_code == 200
    assert b"fr-callout" in response.content


def test_too_long_query_is_400_with_message(client, corpus):
    response = client.get("/fr/recherche/", {"q": "x" * 10_000})
    assert response.status_code == 400
    assert b"fr-alert--error" in response.content


@pytest.mark.parametrize("query", BAD_QUERIES)
def test_bad_queries_never_500(client, corpus, query):
    response = client.get("/fr/recherche/", {"q": query, "page": "abc", "sort": "x", "type": "?"})
    assert response.status_code == 200


def test_did_you_mean_on_page(client, corpus):
    response = client.get("/fr/recherche/", {"q": "cherbourgg"})
    assert b"cherbourg</a>" in response.content


def test_facet_filter_and_pagination(client, corpus):
    response = client.get("/fr/recherche/", {"q": "1944", "type": "dossier", "page": "99"})
    assert response.status_code == 200
    assert "Les débarquements de <mark>1944</mark>" in response.content.decode()


def test_autocomplete(client, corpus):
    response = client.get("/fr/recherche/suggestions/", {"q": "cherb"})
    labels = [s["label"] for s in response.json()["suggestions"]]
    assert labels[0] == "La libération de Cherbourg"
    assert "Cherbourg" in labels  # the place
    assert (
        client.get("/en/search/suggestions/", {"q": "cherb"}).json()["suggestions"][0]["label"]
        == "The liberation of Cherbourg"
    )
    for query in BAD_QUERIES:
        assert client.get("/fr/recherche/suggestions/", {"q": query}).status_code == 200


def test_place_facet_on_page(client, placed):
    from html import unescape

    cherbourg, caen = (str(placed["places"][n].pk) for n in ("Cherbourg", "Caen"))
    response = client.get("/fr/recherche/", {"q": "1944", "type": "article"})
    html = unescape(response.content.decode())
    assert '<h3 class="fr-text--md fr-mb-1w">Lieu</h3>' in html
    assert "Cherbourg (2)" in html and "Caen (2)" in html  # articles only, one per story
    # A value's link adds the place and keeps the query and the other filters.
    assert f'href="?q=1944&sort=relevance&type=article&place={caen}"' in html

    response = client.get("/fr/recherche/", {"q": "1944", "type": "article", "place": caen})
    html = unescape(response.content.decode())
    assert "2 résultats" in html
    assert "Caen en ruines" in html and "gare maritime" not in html
    # The selected value's link removes it and keeps the rest.
    assert 'href="?q=1944&sort=relevance&type=article" aria-current="true"' in html

    english = unescape(
        client.get("/en/search/", {"q": "1944", "place": cherbourg}).content.decode()
    )
    assert '<h3 class="fr-text--md fr-mb-1w">Place</h3>' in english
    assert "arsenal" in english and "Caen en ruines" not in english


@pytest.mark.parametrize(
    "place",
    [
        *("abc", "99999999", "-1", "1|2", "%", "' OR 1=1 --", "é" * 100),
        *("9223372036854775808", "9" * 5000),
    ],
)
def test_garbage_place_finds_nothing(client, placed, place):
    response = client.get("/fr/recherche/", {"q": "1944", "place": place})
    assert response.status_code == 200
    assert "0 résultat" in response.content.decode()
