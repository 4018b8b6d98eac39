"""The search field in the header of every page (issue 14): a plain GET form to the
search page of the reader's language, labelled, which the autocomplete enhances."""

import pytest
from bs4 import BeautifulSoup


@pytest.mark.parametrize(
    "path, action, suggest",
    [
        ("/fr/recherche/", "/fr/recherche/", "/fr/recherche/suggestions/"),
        ("/en/search/", "/en/search/", "/en/search/suggestions/"),
        ("/fr/agenda/", "/fr/recherche/", "/fr/recherche/suggestions/"),
    ],
)
def test_the_header_searches_in_the_language_of_the_page(client, structure, path, action, suggest):
    response = client.get(path)
    assert response.status_code == 200
    soup = BeautifulSoup(response.content.decode(), "html.parser")
    form = soup.select_one("header form#header-search")
    assert form["action"] == action and form["method"] == "get"
    assert form["data-autocomplete"] == suggest
    field = form.select_one("input[name=q]")
    assert soup.select_one(f"label[for={field['id']}]").get_text(strip=True)
    # The button that opens it on small screens controls the same modal.
    button = soup.select_one("#header-search-button")
    assert button["aria-controls"] == "header-search-modal"
    assert soup.select_one("#header-search-modal form#header-search")


def test_the_header_of_a_page_has_the_search_field(client, make_page):
    from liberation.content.models import ArticlePage

    article = make_page(ArticlePage, title="Royan", lang="en")
    soup = BeautifulSoup(client.get(article.url).content.decode(), "html.parser")
    assert soup.select_one("header form#header-search")["action"] == "/en/search/"
