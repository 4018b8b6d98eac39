"""The agenda's pages are valid HTML (Nu HTML Checker, skipped without Java or
vnu.jar) with one h1, no skipped heading level, and a label for every field."""

import pytest
from bs4 import BeautifulSoup

from liberation.core.testing import nu_html_errors
from liberation.programme.models import Project

pytestmark = pytest.mark.django_db


@pytest.fixture
def pages(client, structure, labelled) -> dict[str, str]:
    project = labelled(
        title="Concert à Caen", insee="14118", title_en="Concert in Caen", wheelchair=True
    )
    labelled(title="Annulé", insee="50129", status=Project.Status.CANCELLED, sessions=25)
    out = {}
    for lang in ("fr", "en"):
        for name, url in (
            ("agenda", f"/{lang}/agenda/"),
            ("filtered", f"/{lang}/agenda/?departement=14&accessibility=wheelchair"),
            ("errors", f"/{lang}/agenda/?commune=99999&date_from=x&accessibility=y"),
            ("event", f"/{lang}/agenda/{project.public_id}/"),
        ):
            out[f"{name}-{lang}"] = client.get(url).content.decode()
    return out


def test_structure(pages):
    for key, html in pages.items():
        soup = BeautifulSoup(html, "html5lib")
        assert len(soup.find_all("h1")) == 1, key
        levels = [int(h.name[1]) for h in soup.find_all(["h1", "h2", "h3", "h4", "h5", "h6"])]
        for before, after in zip(levels, levels[1:], strict=False):
            assert after <= before + 1, (key, levels)
        for field in soup.find_all(["input", "select", "textarea"]):
            if field.get("type") in ("hidden", "submit"):
                continue
            assert soup.find("label", attrs={"for": field["id"]}), (key, field)
        ids = [tag["id"] for tag in soup.find_all(id=True)]
        assert len(ids) == len(set(ids)), key


def test_nu_html_checker(pages, tmp_path):
    assert nu_html_errors(pages, tmp_path) == []
