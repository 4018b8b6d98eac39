"""The collection's pages, FR and EN, are valid HTML (Nu HTML Checker, skipped without
Java or vnu.jar) with one h1, no skipped heading level, unique ids and a label for
every field; pages with errors included."""

import pytest
from django.contrib.auth.models import User

from liberation.collection import moderation
from liberation.collection.factories import recording_ready, story_make
from liberation.collection.models import Story
from liberation.core.testing import nu_html_errors, structure_problems

pytestmark = pytest.mark.django_db


@pytest.fixture
def pages(client, structure) -> dict[str, str]:
    draft, token = story_make(items=1, title="", language="")
    recording_ready(story=draft, kind="audio")
    published, _t = story_make(items=2, state=Story.State.NEEDS_REVIEW)
    recording_ready(story=published, transcript="« Les cloches ont sonné. »")
    recording_ready(story=published, kind="audio", transcript="Première ligne.\n\nSeconde.")
    admin = User.objects.create_superuser("admin", "a@example.org", "pw")
    moderation.story_moderate(story_id=published.pk, to_state="published", user=admin)
    out = {}
    for lang in ("fr", "en"):
        base = f"/{lang}/collection/c/{token}"
        for name, url in (
            ("start", f"/{lang}/collection/contribute/"),
            ("sent", f"/{lang}/collection/contribute/sent/"),
            ("invalid", f"/{lang}/collection/c/nope/"),
            ("space", f"{base}/"),
            ("story", f"{base}/story/"),
            ("rights", f"{base}/rights/"),
            ("items", f"{base}/items/"),
            ("submit", f"{base}/submit/"),
            ("withdraw", f"{base}/withdraw/"),
            ("index", f"/{lang}/collection/"),
        ):
            out[f"{name}-{lang}"] = client.get(url).content.decode()
        out[f"story-errors-{lang}"] = client.post(
            f"{base}/story/", {"language": "de", "date_from": "x"}
        ).content.decode()
        out[f"start-errors-{lang}"] = client.post(
            f"/{lang}/collection/contribute/", {"email": "x"}
        ).content.decode()
        out[f"items-errors-{lang}"] = client.post(f"{base}/items/", {}).content.decode()
    out["public-fr"] = client.get(f"/fr/collection/s/{published.public_id}/").content.decode()
    return out


def test_structure(pages):
    assert {key: structure_problems(html) for key, html in pages.items()} == {
        key: [] for key in pages
    }


def test_nu_html_checker(pages, tmp_path):
    assert nu_html_errors(pages, tmp_path) == []
