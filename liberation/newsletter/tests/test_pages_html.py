"""The newsletter's pages, in French and English, are valid HTML (Nu HTML Checker, as
tests/test_html.py runs it) with labelled fields, unique ids and one h1."""

from datetime import timedelta

import pytest
from bs4 import BeautifulSoup
from django.utils import timezone

from liberation.core.testing import nu_html_errors, structure_problems
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
        found[("preferences", lang)] = client.get(f"{base}preferences/{unsubscribe}/?saved=1")
        found[("preferences-errors", lang)] = client.post(
            f"{base}preferences/{unsubscribe}/", {"agenda": "on"}
        )
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
        assert BeautifulSoup(html, "html5lib").html["lang"] == lang, name
    assert {key: structure_problems(html) for key, html in pages.items()} == {
        key: [] for key in pages
    }


def test_nu_html_checker(pages, tmp_path):
    named = {f"{name}-{lang}": html for (name, lang), html in pages.items()}
    assert nu_html_errors(named, tmp_path) == []
