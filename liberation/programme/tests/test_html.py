"""The organiser's pages are valid HTML (Nu HTML Checker), with one h1, no skipped
heading level, unique ids and a label for every field, in French and English."""

import pytest
from django.core.cache import cache

from liberation.core.testing import nu_html_errors, structure_problems
from liberation.places.factories import communes_sample
from liberation.programme.factories import campaign_make, project_make
from liberation.programme.models import Project

pytestmark = pytest.mark.django_db


@pytest.fixture
def pages(client) -> dict[str, str]:
    cache.clear()
    communes = communes_sample()
    campaign = campaign_make(departements=[communes["14118"].departement])
    _, token = project_make(campaign=campaign, state=Project.State.DRAFT)
    out = {}
    for lang in ("fr", "en"):
        for name, url in (
            ("start", f"/{lang}/label/"),
            ("sent", f"/{lang}/label/sent/"),
            ("link-again", f"/{lang}/label/link/"),
            ("link-sent", f"/{lang}/label/link/sent/"),
            ("link-invalid", f"/{lang}/label/p/nope/"),
            ("space", f"/{lang}/label/p/{token}/"),
            ("step", f"/{lang}/label/p/{token}/step/organiser/"),
            ("submit", f"/{lang}/label/p/{token}/submit/"),
        ):
            out[f"{name}-{lang}"] = client.get(url).content.decode()
        refused = client.post(f"/{lang}/label/link/", {"email": "nope"})
        out[f"link-again-error-{lang}"] = refused.content.decode()
    return out


def test_structure(pages):
    assert {name: structure_problems(html) for name, html in pages.items()} == {
        name: [] for name in pages
    }


def test_nu_html_checker(pages, tmp_path):
    assert nu_html_errors(pages, tmp_path) == []
