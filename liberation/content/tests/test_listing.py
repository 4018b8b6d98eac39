"""Section indexes: filters by type, theme and period, and pagination."""

import datetime as dt

from liberation.content.models import ArticlePage, DossierPage, Theme


def test_filters_by_type_theme_and_period(client, make_page):
    resistance = Theme.objects.create(slug="resistance", name_fr="Résistance", name_en="Resistance")
    make_page(ArticlePage, title="Vercors", themes=[resistance], history_start=dt.date(1944, 7, 21))
    make_page(DossierPage, title="Royan", history_start=dt.date(1945, 4, 14))
    url = "/fr/histoire/"
    assert "Vercors" in client.get(url).content.decode()
    html = client.get(url, {"type": "dossier"}).content.decode()
    assert "Royan" in html and "Vercors" not in html
    html = client.get(url, {"theme": "resistance"}).content.decode()
    assert "Vercors" in html and "Royan" not in html
    html = client.get(url, {"period": "spring-1945"}).content.decode()
    assert "Royan" in html and "Vercors" not in html


def test_unknown_filters_and_pages_are_ignored(client, make_page):
    make_page(ArticlePage, title="Vercors")
    for query in (
        {"type": "nope"},
        {"theme": "<script>"},
        {"period": "1066"},
        {"page": "999"},
        {"page": "x"},
    ):
        response = client.get("/fr/histoire/", query)
        assert response.status_code == 200
        assert "Vercors" in response.content.decode()


def test_pagination_keeps_the_filters(client, make_page):
    for number in range(14):
        make_page(ArticlePage, title=f"Article {number:02d}", date=dt.date(2025, 1, number + 1))
    html = client.get("/fr/histoire/", {"type": "article"}).content.decode()
    assert "Article 13" in html and "Article 01" not in html
    assert "?type=article&amp;page=2" in html
    html = client.get("/fr/histoire/", {"type": "article", "page": 2}).content.decode()
    assert "Article 01" in html


def test_listing_shows_only_the_section_language(client, make_page, translate):
    page = make_page(ArticlePage, title="Libération de Paris")
    translate(page, "en", title="Liberation of Paris")
    fr = client.get("/fr/histoire/").content.decode()
    en = client.get("/en/history/").content.decode()
    assert "Libération de Paris" in fr and "Liberation of Paris" not in fr
    assert "Liberation of Paris" in en
