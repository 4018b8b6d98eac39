"""The map pages are valid HTML (Nu HTML Checker, skipped without Java or vnu.jar),
with unique ids, a label for every field and no skipped heading level."""

import pytest
from bs4 import BeautifulSoup

from liberation.core.testing import nu_html_errors

pytestmark = pytest.mark.django_db

URLS = [
    "/fr/carte/",
    "/en/map/",
    "/fr/carte/?departement=50&date_from=bad",
    "/fr/carte/liberation/?date=1944-08-25",
    "/en/map/liberation/?date=1944-06-06",
]


@pytest.fixture
def pages(client, labelled, dates):
    for n in range(22):
        labelled(title=f"Exposition {n}")
    return {url: client.get(url).content.decode() for url in URLS}


def test_structure(pages):
    for url, html in pages.items():
        soup = BeautifulSoup(html, "html5lib")
        ids = [tag["id"] for tag in soup.find_all(id=True)]
        assert len(ids) == len(set(ids)), url
        for field in soup.select("main input, main select"):
            if field.get("type") in ("hidden", "submit"):
                continue
            assert soup.find("label", attrs={"for": field["id"]}), (url, field)
        levels = [int(h.name[1]) for h in soup.select("main h1, main h2, main h3, main h4")]
        assert levels[0] == 1 and levels.count(1) == 1, url
        assert all(b - a <= 1 for a, b in zip(levels, levels[1:], strict=False)), url


def test_nu_html_checker(pages, tmp_path):
    assert nu_html_errors(pages, tmp_path) == []
