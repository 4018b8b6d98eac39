"""An organiser who lost the email asks for their links again: a new link per
application, the old ones cut off, and the same answer for an address that never
applied."""

import re

import pytest
from django.core.cache import cache

from liberation.mail.models import OutboxMessage
from liberation.places.factories import communes_sample
from liberation.programme.factories import campaign_make, project_make
from liberation.programme.models import AuditEntry, Project

pytestmark = pytest.mark.django_db
State = Project.State


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()


@pytest.fixture
def campaign():
    communes = communes_sample()
    return campaign_make(departements=[communes["14118"].departement])


@pytest.mark.parametrize(
    ("lang", "heading", "sent"),
    [
        ("fr", "Recevoir à nouveau les liens de mes dossiers", "Si des dossiers ont été déposés"),
        ("en", "Receive the links to my applications again", "If applications were made"),
    ],
)
def test_links_sent_again_replace_the_old_ones(client, campaign, lang, heading, sent):
    first, old_first = project_make(campaign=campaign, state=State.DRAFT, title="Bal")
    second, old_second = project_make(campaign=campaign, state=State.LABELLED, title="Expo")
    other, other_token = project_make(campaign=campaign, contact_email="autre@example.org")
    page = client.get(f"/{lang}/label/link/")
    assert page.status_code == 200 and heading in page.content.decode()
    assert page["Cache-Control"] == "private, no-store"

    response = client.post(
        f"/{lang}/label/link/", {"email": " Organiser@Example.org ", "homepage": ""}
    )
    assert response.status_code == 303 and response["Location"] == f"/{lang}/label/link/sent/"
    assert sent in client.get(response["Location"]).content.decode()

    messages = OutboxMessage.objects.filter(source="programme", kind="link")
    assert sorted(m.object_id for m in messages) == sorted([first.pk, second.pk])
    assert {m.to for m in messages} == {"organiser@example.org"}
    for project, old in ((first, old_first), (second, old_second)):
        body = messages.get(object_id=project.pk).body
        assert project.title in body
        new = re.search(r"/label/p/([\w-]+)/", body).group(1)
        assert new != old
        assert client.get(f"/{lang}/label/p/{old}/").status_code == 404
        assert client.get(f"/{lang}/label/p/{new}/").status_code == 200
    # Another organiser's link is untouched.
    assert client.get(f"/{lang}/label/p/{other_token}/").status_code == 200
    assert AuditEntry.objects.filter(action="link_resent").count() == 2


def test_an_address_that_never_applied_gets_the_same_answer_and_no_mail(client, campaign):
    response = client.post("/fr/label/link/", {"email": "personne@example.org"})
    assert response.status_code == 303 and response["Location"] == "/fr/label/link/sent/"
    assert not OutboxMessage.objects.exists()


def test_bad_address_bot_and_flood_are_refused(client, campaign, settings):
    _, token = project_make(campaign=campaign, state=State.DRAFT)
    bad = client.post("/en/label/link/", {"email": "nope"})
    assert bad.status_code == 400 and "name@example.org" in bad.content.decode()
    bot = client.post("/fr/label/link/", {"email": "organiser@example.org", "homepage": "x"})
    assert bot.status_code == 400
    assert not OutboxMessage.objects.exists()
    assert client.get(f"/fr/label/p/{token}/").status_code == 200

    cache.clear()
    settings.REGISTRATION_EMAIL_RATE_LIMIT = (2, 60)
    for _ in range(2):
        client.post("/fr/label/link/", {"email": "organiser@example.org"})
    flood = client.post("/fr/label/link/", {"email": "organiser@example.org"})
    assert flood.status_code == 429 and "Retry-After" in flood
    assert OutboxMessage.objects.filter(kind="link").count() == 2


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_dead_link_and_start_page_lead_to_it(client, campaign, lang):
    assert f"/{lang}/label/link/" in client.get(f"/{lang}/label/p/nope/").content.decode()
    assert f"/{lang}/label/link/" in client.get(f"/{lang}/label/").content.decode()
