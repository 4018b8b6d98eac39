"""Audio and video recordings in the collection (issue 12): checked by content,
re-encoded by the worker without metadata, published only with a transcript, played on
the public page from the project's own view with byte ranges, covered by the data
download and the withdrawal. Every kind of bad input: a lying name, not a recording, a
video without sound (accepted), too long, too large, no ffmpeg."""

import json
import subprocess

import pytest
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile

from liberation.collection import items as items_service
from liberation.collection import moderation
from liberation.collection.factories import RECORDING, jpeg_bytes, recording_ready, story_make
from liberation.collection.models import Item, Story
from liberation.collection.services import CollectionError
from liberation.collection.storage import private_storage
from liberation.core import avmedia
from liberation.core.testing import media_bytes, needs_ffmpeg

pytestmark = pytest.mark.django_db
State = Story.State
GPS = "+49.2764-000.7024/"


@pytest.fixture
def historian(db):
    return User.objects.create_superuser("admin", "a@example.org", "pw")


def _upload(client, token, name, data, *, lang="fr", transcript=""):
    return client.post(
        f"/{lang}/collection/c/{token}/items/",
        {
            "file": SimpleUploadedFile(name, data),
            "caption": "Témoignage de Jean",
            "date": "1984",
            "transcript": transcript,
        },
    )


def _stored(folder: str = "collection") -> set[str]:
    """Every file name in private storage under `folder`."""
    storage = private_storage()
    try:
        folders, files = storage.listdir(folder)
    except FileNotFoundError:
        return set()
    names = {f"{folder}/{name}" for name in files}
    for sub in folders:
        names |= _stored(f"{folder}/{sub}")
    return names


def _probe(data: bytes, tmp_path) -> dict:
    path = tmp_path / "stored"
    path.write_bytes(data)
    out = subprocess.run(
        ["ffprobe", "-v", "error", "-show_format", "-show_streams", "-show_chapters"]
        + ["-of", "json", str(path)],
        capture_output=True,
        check=True,
    )
    return json.loads(out.stdout)


@needs_ffmpeg
def test_video_is_reencoded_stripped_and_private_until_published(
    client, tmp_path, django_capture_on_commit_callbacks
):
    story, token = story_make()
    video = media_bytes(metadata={"location": GPS, "title": "Secret"}, chapters=True)
    assert GPS in json.dumps(_probe(video, tmp_path))  # the control
    before = _stored()
    with django_capture_on_commit_callbacks(execute=True):
        response = _upload(client, token, "souvenir.MOV", video, transcript="Bonjour.")
    assert response.status_code == 303
    item = Item.objects.get()
    assert item.state == Item.State.READY and item.content_type == "video/mp4"
    assert item.file.name.endswith(".mp4") and 0.9 < item.duration < 1.2
    assert item.transcript == "Bonjour." and item.original_name == "souvenir.MOV"
    with item.file.open("rb") as handle:
        stored = handle.read()
    assert len(stored) == item.size
    info = _probe(stored, tmp_path)
    assert info["chapters"] == [] and GPS not in json.dumps(info) and b"Secret" not in stored
    assert "encoder" not in json.dumps(info)
    # Only the file as re-encoded is kept: the file as sent is gone.
    assert _stored() - before == {item.file.name}
    # The contributor plays it (never cached, ranges); the public gets 404.
    own = f"/fr/collection/c/{token}/items/{item.public_id}/"
    response = client.get(own, HTTP_RANGE="bytes=0-99")
    assert response.status_code == 206 and response["Cache-Control"] == "private, no-store"
    assert response["Content-Range"] == f"bytes 0-99/{item.size}"
    assert client.get(f"/fr/collection/s/{story.public_id}/f/{item.public_id}/").status_code == 404
    page = client.get(f"/fr/collection/c/{token}/items/").content.decode()
    assert "Regarder la vidéo" in page


@needs_ffmpeg
@pytest.mark.parametrize("lang", ["fr", "en"])
def test_video_without_sound_and_audio_accepted(client, lang):
    story, token = story_make(contributor_language=lang)
    assert (
        _upload(
            client, token, "muet.webm", media_bytes(audio=False, container="webm"), lang=lang
        ).status_code
        == 303
    )
    assert (
        _upload(
            client, token, "voix.mp3", media_bytes("audio", container="mp3"), lang=lang
        ).status_code
        == 303
    )
    silent, voice = Item.objects.order_by("pk")
    assert silent.state == voice.state == Item.State.READY
    assert silent.content_type == "video/mp4" and voice.content_type == "audio/mp4"
    assert voice.file.name.endswith(".m4a") and voice.width is None


@pytest.mark.parametrize(
    ("name", "data", "fr", "en"),
    [
        # A lying name, either way.
        ("photo.jpg", b"ID3\x04\x00" + b"\0" * 64, "son contenu est du MP3", "its content is MP3"),
        ("film.mp4", jpeg_bytes(), "son contenu est du JPG", "its content is JPG"),
        (
            "film.mp4",
            b"RIFF\0\0\0\0AVI LIST" + b"\0" * 64,
            "enregistrements audio ou vidéo",
            "audio or video recordings",
        ),
    ],
)
@pytest.mark.parametrize("lang", ["fr", "en"])
def test_lying_or_unknown_files_refused_in_the_request(client, name, data, fr, en, lang):
    story, token = story_make()
    response = _upload(client, token, name, data, lang=lang)
    assert response.status_code == 400
    assert (fr if lang == "fr" else en) in response.content.decode()
    assert not Item.objects.exists()


@needs_ffmpeg
@pytest.mark.parametrize("lang", ["fr", "en"])
def test_not_a_recording_or_too_long_refused_by_the_worker(
    client, monkeypatch, lang, django_capture_on_commit_callbacks
):
    story, token = story_make(contributor_language=lang)
    fake = b"\x00\x00\x00\x18ftypmp42" + b"\0" * 200
    before = _stored()
    with django_capture_on_commit_callbacks(execute=True):
        assert _upload(client, token, "faux.mp4", fake, lang=lang).status_code == 303
    monkeypatch.setattr(items_service, "media_max_seconds", lambda: 0.5)
    recording = media_bytes("audio", container="m4a")
    with django_capture_on_commit_callbacks(execute=True):
        assert _upload(client, token, "long.m4a", recording, lang=lang).status_code == 303
    fake_item, long_item = Item.objects.order_by("pk")
    assert fake_item.state == long_item.state == Item.State.REFUSED
    assert not fake_item.file and not long_item.file
    assert ("ne peut pas être lu" if lang == "fr" else "cannot be read") in fake_item.refusal
    assert ("au plus" if lang == "fr" else "at most") in long_item.refusal
    assert _stored() == before  # the files as sent are deleted too


def test_recording_too_large_refused_before_storing(client, settings):
    settings.COLLECTION_MEDIA_MAX_MB = 1
    story, token = story_make()
    big = b"RIFF\0\0\0\0WAVEfmt " + b"\0" * (1024 * 1024 + 10)
    response = _upload(client, token, "long.wav", big, lang="en")
    assert response.status_code == 413 and "at most 1 MB" in response.content.decode()
    assert not Item.objects.exists()
    # A 2 GB body is refused from its length alone, before it is read.
    response = client.post(
        f"/en/collection/c/{token}/items/",
        data=b"x",
        content_type="multipart/form-data; boundary=x",
        CONTENT_LENGTH=str(2 * 1024**3),
    )
    assert response.status_code == 413


def test_without_ffmpeg_recordings_are_refused_clearly(client, monkeypatch):
    monkeypatch.setattr(avmedia, "available", lambda: False)
    story, token = story_make()
    response = _upload(client, token, "a.wav", b"RIFF\0\0\0\0WAVEfmt " + b"\0" * 64, lang="en")
    assert response.status_code == 400
    assert "recordings cannot be received at the moment" in response.content.decode()


def _recording(story, *, kind="video", transcript="") -> Item:
    return recording_ready(story=story, kind=kind, transcript=transcript)


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_no_publication_without_transcript_then_the_public_player(client, historian, lang):
    story, _token = story_make(items=1, state=State.NEEDS_REVIEW, language=lang)
    video, _audio = _recording(story), _recording(story, kind="audio", transcript="Il dit…")
    client.force_login(historian)
    admin = f"/admin/collection/{story.public_id}/"
    detail = client.get(admin).content.decode()
    assert f'id="transcript-{video.public_id}"' in detail and "<video controls" in detail
    response = client.post(f"{admin}moderate/", {"to_state": "published"})
    assert response.status_code == 409
    assert "transcript" in response.content.decode() or "transcription" in response.content.decode()
    story.refresh_from_db()
    assert story.state == State.NEEDS_REVIEW
    response = client.post(
        f"{admin}captions/",
        {
            f"caption-{video.public_id}": "Le maire raconte",
            f"transcript-{video.public_id}": "« Nous avons entendu les cloches. »",
        },
    )
    assert response.status_code == 302
    video.refresh_from_db()
    assert video.transcript == "« Nous avons entendu les cloches. »"
    assert client.post(f"{admin}moderate/", {"to_state": "published"}).status_code == 302
    # A published recording's transcript cannot be emptied.
    response = client.post(f"{admin}captions/", {f"transcript-{video.public_id}": "  "})
    assert response.status_code == 400
    client.logout()
    page = client.get(f"/{lang}/collection/s/{story.public_id}/")
    html = page.content.decode()
    assert page.status_code == 200
    assert '<video class="fr-responsive-vid" controls' in html and "<audio controls" in html
    assert "Nous avons entendu les cloches" in html and 'class="fr-accordion"' in html
    assert "1:05" in html and ("Transcription" if lang == "fr" else "Transcript") in html
    data = json.loads(html.split('<script type="application/ld+json">')[1].split("</script>")[0])
    kinds = {m["@type"] for m in data["associatedMedia"]}
    assert {"VideoObject", "AudioObject"} <= kinds
    assert any(m.get("transcript") == "Il dit…" for m in data["associatedMedia"])


def test_public_file_ranges_and_private_story_404(client, historian):
    story, _token = story_make(items=1, state=State.NEEDS_REVIEW)
    video = _recording(story, transcript="Texte")
    url = f"/fr/collection/s/{story.public_id}/f/{video.public_id}/"
    assert client.get(url).status_code == 404  # not moderated
    moderation.story_moderate(story_id=story.pk, to_state="published", user=historian)
    whole = client.get(url)
    assert whole.status_code == 200 and whole["Accept-Ranges"] == "bytes"
    assert whole["X-Content-Type-Options"] == "nosniff" and whole["Content-Type"] == "video/mp4"
    assert "attachment" not in whole["Content-Disposition"]
    part = client.get(url, HTTP_RANGE="bytes=16-31")
    assert part.status_code == 206 and part["Content-Range"] == f"bytes 16-31/{video.size}"
    assert b"".join(part.streaming_content) == RECORDING[16:32]
    assert part["X-Content-Type-Options"] == "nosniff"
    assert part["Cache-Control"].startswith("public, max-age=")
    beyond = client.get(url, HTTP_RANGE=f"bytes={video.size}-")
    assert beyond.status_code == 416 and beyond["Content-Range"] == f"bytes */{video.size}"
    moderation.story_moderate(story_id=story.pk, to_state="private", user=historian)
    assert client.get(url).status_code == 404
    assert client.get(url, HTTP_RANGE="bytes=0-1").status_code == 404


def test_transcript_edit_of_a_story_still_under_review_may_be_empty():
    story, _token = story_make(state=State.NEEDS_REVIEW)
    video = _recording(story, transcript="Draft")
    user = User.objects.create_superuser("h", "h@example.org", "pw")
    changed = moderation.captions_update(
        story_id=story.pk, captions={}, transcripts={video.public_id: ""}, user=user
    )
    assert changed == 1
    with pytest.raises(CollectionError):
        moderation.story_moderate(story_id=story.pk, to_state="published", user=user)


def test_data_download_and_withdrawal_cover_recordings(
    client, historian, django_capture_on_commit_callbacks
):
    story, token = story_make(items=1, state=State.NEEDS_REVIEW)
    video = _recording(story, transcript="Ce que dit mon grand-père.")
    moderation.story_moderate(story_id=story.pk, to_state="published", user=historian)
    data = json.loads(client.get(f"/en/collection/c/{token}/data.json").content)
    recording = next(i for i in data["items"] if i["content_type"] == "video/mp4")
    assert recording["transcript"] == "Ce que dit mon grand-père."
    assert recording["duration_seconds"] == 65.4
    name = video.file.name
    assert private_storage().exists(name)
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(f"/en/collection/c/{token}/withdraw/").status_code == 303
    assert not private_storage().exists(name)
    url = f"/fr/collection/s/{story.public_id}/f/{video.public_id}/"
    assert client.get(url, HTTP_RANGE="bytes=0-1").status_code == 404


def test_retention_erases_a_rejected_recording_and_its_transcript(
    settings, django_capture_on_commit_callbacks
):
    import datetime as dt

    from django.utils import timezone

    from liberation.collection.retention import collection_purge

    settings.COLLECTION_RETENTION_DAYS = 30
    story, _token = story_make(state=State.REJECTED, rejection_reason="hors sujet")
    audio = _recording(story, kind="audio", transcript="Je m'appelle Jeanne Martin.")
    name = audio.file.name
    now = timezone.now()
    Story.objects.filter(pk=story.pk).update(decided_at=now - dt.timedelta(days=31))
    with django_capture_on_commit_callbacks(execute=True):
        assert collection_purge(now=now)["erased"] == 1
    assert not Item.objects.filter(pk=audio.pk).exists()
    assert not private_storage().exists(name)
