"""Moderation in the admin (historians only), the public story page (its language,
items only once published, licence, structured data, alt text), the decision emails."""

import json
import re

import pytest
from django.contrib.auth.models import Group, User

from liberation.collection import moderation
from liberation.collection.emails import render
from liberation.collection.factories import story_make
from liberation.collection.models import Story
from liberation.collection.services import CollectionError
from liberation.collection.staff import moderator_group_ensure
from liberation.mail.models import OutboxMessage

pytestmark = pytest.mark.django_db
State = Story.State


@pytest.fixture
def historian(db):
    user = User.objects.create_user("historian", password="pw")
    user.groups.add(moderator_group_ensure())
    return user


@pytest.fixture
def historian_client(client, historian):
    client.force_login(historian)
    return client


@pytest.fixture
def sent_story():
    story, token = story_make(items=2, state=State.NEEDS_REVIEW)
    return story


def test_group_ensure_is_idempotent():
    moderator_group_ensure()
    group = moderator_group_ensure()
    assert Group.objects.filter(name=group.name).count() == 1
    assert group.permissions.filter(codename="moderate_story").exists()


def test_others_get_404(client, sent_story):
    other = User.objects.create_user("editor", password="pw")
    other.groups.add(Group.objects.get_or_create(name="Editors")[0])
    client.force_login(other)
    assert client.get("/admin/collection/").status_code in (302, 404)
    assert client.get(f"/admin/collection/{sent_story.public_id}/").status_code in (302, 404)


def test_list_and_detail(historian_client, sent_story):
    response = historian_client.get("/admin/collection/")
    assert response.status_code == 200 and sent_story.title in response.content.decode()
    response = historian_client.get(f"/admin/collection/{sent_story.public_id}/")
    assert response.status_code == 200
    item = sent_story.items.first()
    response = historian_client.get(
        f"/admin/collection/{sent_story.public_id}/files/{item.public_id}/"
    )
    assert response.status_code == 200 and "no-store" in response["Cache-Control"]


@pytest.mark.parametrize("language", ["fr", "en"])
def test_publish_makes_a_public_page_in_the_story_language(historian_client, client, language):
    story, _token = story_make(items=2, state=State.NEEDS_REVIEW, language=language)
    response = historian_client.post(
        f"/admin/collection/{story.public_id}/moderate/", {"to_state": "published"}
    )
    assert response.status_code == 302
    story.refresh_from_db()
    assert story.state == State.PUBLISHED and story.published_at
    client.logout()
    other = "en" if language == "fr" else "fr"
    response = client.get(f"/{other}/collection/s/{story.public_id}/")
    assert response.status_code == 302
    assert response["Location"] == f"/{language}/collection/s/{story.public_id}/"
    response = client.get(f"/{language}/collection/s/{story.public_id}/")
    assert response.status_code == 200
    assert "max-age=60" in response["Cache-Control"]
    html = response.content.decode()
    assert f'<html lang="{language}"' in html
    assert 'alt="Photo 1"' in html and 'alt="Photo 2"' in html
    assert f'href="https://creativecommons.org/licenses/by-sa/4.0/deed.{language}"' in html
    assert "Petit-fils" in html and "Paul Dupont" not in html  # the pseudonym only
    data = json.loads(
        re.search(r'<script type="application/ld\+json">(.*?)</script>', html).group(1)
    )
    assert data["@type"] == "CreativeWork" and data["inLanguage"] == language
    assert data["license"].startswith("https://creativecommons.org/licenses/by-sa/4.0/")
    assert data["spatialCoverage"]["name"] == "Bayeux"
    assert len(data["associatedMedia"]) == 2
    item = story.items.first()
    response = client.get(f"/{language}/collection/s/{story.public_id}/f/{item.public_id}/")
    assert response.status_code == 200
    assert response["Cache-Control"] == "public, max-age=300"
    assert response["X-Content-Type-Options"] == "nosniff"
    message = OutboxMessage.objects.get(source="collection_decision", kind="published")
    assert story.public_id in render(message)
    # In the public list of its language.
    assert story.title in client.get(f"/{language}/collection/").content.decode()


def test_not_published_story_and_items_are_404(client, sent_story):
    item = sent_story.items.first()
    assert client.get(f"/fr/collection/s/{sent_story.public_id}/").status_code == 404
    url = f"/fr/collection/s/{sent_story.public_id}/f/{item.public_id}/"
    assert client.get(url).status_code == 404


def test_reject_needs_a_reason_then_emails_it(historian_client, sent_story):
    url = f"/admin/collection/{sent_story.public_id}/moderate/"
    response = historian_client.post(url, {"to_state": "rejected", "reason": ""})
    assert response.status_code == 400
    sent_story.refresh_from_db()
    assert sent_story.state == State.NEEDS_REVIEW
    assert not OutboxMessage.objects.filter(source="collection_decision").exists()
    response = historian_client.post(
        url, {"to_state": "rejected", "reason": "Documents sans lien avec la Libération."}
    )
    assert response.status_code == 302
    sent_story.refresh_from_db()
    assert sent_story.state == State.REJECTED
    message = OutboxMessage.objects.get(source="collection_decision", kind="rejected")
    assert message.language == "fr"
    assert "Documents sans lien avec la Libération." in render(message)


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_rejection_email_in_the_contributor_language(sent_story, historian, lang):
    from django.utils import translation

    Story.objects.filter(pk=sent_story.pk).update(contributor_language=lang)
    moderation.story_moderate(
        story_id=sent_story.pk, to_state="rejected", user=historian, reason="Hors sujet"
    )
    message = OutboxMessage.objects.get(source="collection_decision")
    assert message.language == lang
    with translation.override(lang):
        body = render(message)
    assert (
        "Motif donné par les historiens" if lang == "fr" else "Reason given by the historians"
    ) in body
    assert ("n’a pas été publié" if lang == "fr" else "was not published") in message.subject


def test_keep_private_and_forbidden_moves(historian, sent_story):
    moderation.story_moderate(story_id=sent_story.pk, to_state="private", user=historian)
    sent_story.refresh_from_db()
    assert sent_story.state == State.PRIVATE
    draft, _token = story_make(items=1)
    with pytest.raises(CollectionError):
        moderation.story_moderate(story_id=draft.pk, to_state="published", user=historian)


def test_historians_edit_captions(historian_client, sent_story):
    item = sent_story.items.first()
    url = f"/admin/collection/{sent_story.public_id}/captions/"
    response = historian_client.post(url, {f"caption-{item.public_id}": "  Bayeux,   7 juin 1944 "})
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.caption == "Bayeux, 7 juin 1944"
    response = historian_client.post(url, {f"caption-{item.public_id}": " "})
    assert response.status_code == 400
    item.refresh_from_db()
    assert item.caption == "Bayeux, 7 juin 1944"


@pytest.mark.parametrize(("lang", "label"), [("fr", "La collecte"), ("en", "The collection")])
def test_the_main_menu_links_the_collection(client, structure, lang, label):
    html = client.get(f"/{lang}/collection/").content.decode()
    nav = re.search(r'<nav class="fr-nav" id="main-menu".*?</nav>', html, re.S).group(0)
    assert f'href="/{lang}/collection/" aria-current="page">{label}</a>' in nav
