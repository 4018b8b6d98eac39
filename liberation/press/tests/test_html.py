"""The journalist's pages are valid HTML (Nu HTML Checker, skipped without Java or
vnu.jar) with one h1, no skipped heading level, a label for every field, unique ids."""

import pytest

from liberation.core.testing import nu_html_errors, structure_problems
from liberation.press import services

pytestmark = pytest.mark.django_db


@pytest.fixture
def pages(client, make_press, submitted) -> dict[str, str]:
    press = make_press()
    draft = services.accreditation_start(press_id=press.pk, email="d@example.org", language="fr")
    sent = submitted(press)
    services.accreditation_approve(
        accreditation_id=sent.accreditation.pk, pool_id=press.pools.get().pk, actor="s"
    )
    out = {}
    for lang in ("fr", "en"):
        get = {
            "index": f"/{lang}/accreditation/",
            "start": f"/{lang}/accreditation/{press.pk}/",
            "form": f"/{lang}/accreditation/a/{draft.token}/",
            "state": f"/{lang}/accreditation/a/{sent.token}/",
            "badge": f"/{lang}/accreditation/a/{sent.token}/badge/",
            "invalid": f"/{lang}/accreditation/a/unknown/",
        }
        for name, url in get.items():
            out[f"{name}-{lang}"] = client.get(url).content.decode()
        out[f"start-errors-{lang}"] = client.post(
            f"/{lang}/accreditation/{press.pk}/", {"email": "x"}
        ).content.decode()
        out[f"form-errors-{lang}"] = client.post(
            f"/{lang}/accreditation/a/{draft.token}/", {"outlet": ""}
        ).content.decode()
    return out


def test_structure(pages):
    assert {key: structure_problems(html) for key, html in pages.items()} == {
        key: [] for key in pages
    }


def test_nu_html_checker(pages, tmp_path):
    assert nu_html_errors(pages, tmp_path) == []
