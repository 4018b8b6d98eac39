"""The contributor's rights from their link: see the state, withdraw (a published story
comes down at once), download their data; and the retention schedule."""

import datetime as dt
import json

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.utils import timezone

from liberation.collection import moderation
from liberation.collection.factories import story_make
from liberation.collection.models import AuditEntry, Item, Story
from liberation.collection.retention import collection_purge
from liberation.collection.storage import private_storage
from liberation.mail.models import OutboxMessage

pytestmark = pytest.mark.django_db
State = Story.State


@pytest.fixture
def historian(db):
    return User.objects.create_superuser("admin", "a@example.org", "pw")


def _published(historian, **fields):
    story, token = story_make(items=2, state=State.NEEDS_REVIEW, **fields)
    moderation.story_moderate(story_id=story.pk, to_state="published", user=historian)
    story.refresh_from_db()
    return story, token


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_space_shows_the_state(client, historian, lang):
    story, token = _published(historian, contributor_language=lang)
    html = client.get(f"/{lang}/collection/c/{token}/").content.decode()
    assert ("Votre récit est publié" if lang == "fr" else "Your story is published") in html
    assert f"/collection/s/{story.public_id}/" in html


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_withdraw_takes_a_published_story_down_at_once(client, historian, lang):
    story, token = _published(historian)
    item = story.items.first()
    page = f"/{story.language}/collection/s/{story.public_id}/"
    file_url = f"{page}f/{item.public_id}/"
    assert client.get(page).status_code == 200 and client.get(file_url).status_code == 200
    assert client.get(f"/{lang}/collection/c/{token}/withdraw/").status_code == 200
    response = client.post(f"/{lang}/collection/c/{token}/withdraw/")
    assert response.status_code == 303
    story.refresh_from_db()
    assert story.state == State.WITHDRAWN and story.withdrawn_at
    assert client.get(page).status_code == 404
    assert client.get(file_url).status_code == 404
    assert not Item.objects.filter(story=story).exists()
    html = client.get(f"/{lang}/collection/c/{token}/").content.decode()
    assert (
        "Vous avez retiré ce récit" if lang == "fr" else "You have withdrawn this story"
    ) in html
    # Withdrawing twice is harmless.
    assert client.post(f"/{lang}/collection/c/{token}/withdraw/").status_code == 303


def test_withdrawn_files_are_deleted_once_committed(historian, django_capture_on_commit_callbacks):
    from liberation.collection.services import story_withdraw

    story, _token = _published(historian)
    names = [i.file.name for i in story.items.all()]
    assert all(private_storage().exists(n) for n in names)
    with django_capture_on_commit_callbacks(execute=True):
        story_withdraw(story_id=story.pk)
    assert not any(private_storage().exists(n) for n in names)


def test_download_my_data(client):
    story, token = story_make(items=1)
    response = client.get(f"/en/collection/c/{token}/data.json")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert "attachment" in response["Content-Disposition"]
    assert response["Cache-Control"] == "private, no-store"
    data = json.loads(response.content)
    assert data["contributor"]["email"] == "contrib@example.org"
    assert data["contributor"]["name"] == "Paul Dupont"
    assert data["story"]["title"] == story.title and len(data["items"]) == 1
    assert story.token_hash not in response.content.decode()


def _age(story, **fields):
    Story.objects.filter(pk=story.pk).update(**fields)


def test_retention_erases_rejected_and_withdrawn_after_their_period(client, historian, settings):
    settings.COLLECTION_RETENTION_DAYS = 30
    now = timezone.now()
    rejected, rejected_token = story_make(items=1, state=State.REJECTED, rejection_reason="x")
    OutboxMessage.objects.create(
        source="collection",
        object_id=rejected.pk,
        kind="link",
        to=rejected.email,
        language="fr",
        subject="s",
        body="lien",
    )
    _age(rejected, decided_at=now - dt.timedelta(days=31))
    recent, _t = story_make(state=State.REJECTED)
    _age(recent, decided_at=now - dt.timedelta(days=5))
    withdrawn, _t = story_make(state=State.WITHDRAWN)
    _age(withdrawn, withdrawn_at=now - dt.timedelta(days=40))
    published, _t = _published(historian)
    _age(published, decided_at=now - dt.timedelta(days=400))

    report = collection_purge(now=now)
    assert report["erased"] == 2

    rejected.refresh_from_db()
    assert rejected.erased_at and rejected.email.endswith("@erased.invalid")
    assert rejected.contributor_name == rejected.pseudonym == rejected.summary == ""
    assert not rejected.items.exists()
    message = OutboxMessage.objects.get(source="collection", object_id=rejected.pk)
    assert message.to == "" and message.body == ""
    assert AuditEntry.objects.filter(story=rejected, action="personal_data_erased").exists()
    # Its link is dead.
    assert client.get(f"/fr/collection/c/{rejected_token}/").status_code == 404
    withdrawn.refresh_from_db()
    assert withdrawn.erased_at
    recent.refresh_from_db()
    published.refresh_from_db()
    assert recent.erased_at is None and recent.email == "contrib@example.org"
    assert published.erased_at is None and published.state == State.PUBLISHED
    # Idempotent.
    assert collection_purge(now=now)["erased"] == 0


def test_abandoned_drafts_are_deleted(settings):
    settings.COLLECTION_DRAFT_DAYS = 90
    old, _t = story_make(items=1)
    _age(old, updated_at=timezone.now() - dt.timedelta(days=91))
    fresh, _t = story_make()
    assert collection_purge(now=timezone.now())["drafts_deleted"] == 1
    assert list(Story.objects.values_list("pk", flat=True)) == [fresh.pk]


def test_stale_uploads_are_enqueued_again(monkeypatch):
    story, _t = story_make()
    item = Item.objects.create(
        story=story, original_name="a.jpg", content_type="image/jpeg", caption="c"
    )
    Item.objects.filter(pk=item.pk).update(created_at=timezone.now() - dt.timedelta(hours=1))
    enqueued = []
    monkeypatch.setattr("liberation.collection.items.item_process_enqueue", enqueued.append)
    assert collection_purge(now=timezone.now())["items_requeued"] == 1
    assert enqueued == [item.pk]


def test_the_command_runs(capsys):
    call_command("collection_purge", verbosity=2)
    assert "collection purge: erased=0" in capsys.readouterr().out


def test_a_withdrawal_while_the_worker_processes_leaves_no_file(monkeypatch):
    """The race between the worker and a withdrawal: the worker finishes re-encoding
    after the story was withdrawn; it finds its item gone and deletes what it wrote."""
    from liberation.collection import items
    from liberation.collection.factories import jpeg_bytes
    from liberation.collection.services import story_withdraw

    story, _token = story_make()
    monkeypatch.setattr(items, "item_process_enqueue", lambda item_id: None)
    item = items.item_add(story_id=story.pk, name="a.jpg", data=jpeg_bytes(), caption="c")
    written = []
    real_save = private_storage().save

    def save_then_withdraw(name, content, **kwargs):
        stored = real_save(name, content, **kwargs)
        written.append(stored)
        story_withdraw(story_id=story.pk)  # meanwhile, from the contributor's link
        return stored

    monkeypatch.setattr(private_storage(), "save", save_then_withdraw)
    assert items.item_process(item_id=item.pk) == "gone"
    assert written and not private_storage().exists(written[0])
    assert not Item.objects.filter(pk=item.pk).exists()
