"""Issue 12: a recording of the collection plays in a real browser (Chromium): the
public story page's `<video>` and `<audio>` load their re-encoded files from the
project's own view, the video seeks with byte ranges (206), and the transcript opens
from the keyboard in its DSFR accordion."""

import shutil

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import DESKTOP

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(
        not (shutil.which("ffmpeg") and shutil.which("ffprobe")),
        reason="ffmpeg is not installed (Debian: apt-get install -y ffmpeg)",
    ),
]

WAIT_METADATA = """async (selector) => {
  const media = document.querySelector(selector);
  if (media.readyState < 1) {
    await new Promise((resolve, reject) => {
      media.addEventListener("loadedmetadata", resolve, {once: true});
      const failed = () => reject(new Error("media error " + (media.error && media.error.code)));
      media.addEventListener("error", failed, {once: true});
      media.load();
    });
  }
  return media.duration;
}"""

SEEK = """async (selector) => {
  const media = document.querySelector(selector);
  media.currentTime = 1.5;
  await new Promise((resolve) => media.addEventListener("seeked", resolve, {once: true}));
  return media.currentTime;
}"""


@pytest.fixture
def published_recordings(live_server, django_db_serialized_rollback):
    from django.contrib.auth.models import User

    from liberation.collection import items, moderation
    from liberation.collection.factories import story_make
    from liberation.core.testing import media_bytes

    story, _token = story_make(state="draft")
    video = items.item_add(
        story_id=story.pk,
        name="souvenir.mp4",
        data=media_bytes(seconds=3, size="320x240"),
        caption="Le maire raconte",
        transcript="« Nous avons entendu les cloches de la cathédrale. »",
    )
    items.item_add(
        story_id=story.pk,
        name="voix.mp3",
        data=media_bytes("audio", container="mp3", seconds=2),
        caption="Ma grand-mère",
        transcript="Elle chante.",
    )
    video.refresh_from_db()
    assert video.state == "ready", video.refusal
    type(story).objects.filter(pk=story.pk).update(state="needs_review")
    admin = User.objects.create_superuser("admin-media", "m@example.org", "x")
    moderation.story_moderate(story_id=story.pk, to_state="published", user=admin)
    return story, video


def test_recordings_play_seek_and_show_their_transcript(published_recordings, browser, live_server):
    # The database first: Playwright's sync API then runs an event loop in this thread.
    story, video = published_recordings
    context = browser.new_context(viewport=DESKTOP, locale="fr-FR")
    page = context.new_page()
    statuses = []
    page.on(
        "response",
        lambda r: (
            statuses.append((r.status, r.headers.get("content-range", "")))
            if "/f/" in r.url
            else None
        ),
    )
    page.goto(f"{live_server.url}/fr/collection/s/{story.public_id}/", wait_until="load")
    assert 2.5 < page.evaluate(WAIT_METADATA, "video") < 3.5
    assert 1.5 < page.evaluate(WAIT_METADATA, "audio") < 2.5
    assert 1.4 < page.evaluate(SEEK, "video") < 1.6
    assert any(status == 206 and rng.startswith("bytes ") for status, rng in statuses), statuses
    # The transcript, closed at first, opens from the keyboard.
    button = page.locator(f"#transcript-{video.public_id}-title")
    assert button.get_attribute("aria-expanded") == "false"
    button.focus()
    page.keyboard.press("Enter")
    page.wait_for_function(
        f"document.querySelector('#transcript-{video.public_id}-title')"
        ".getAttribute('aria-expanded') === 'true'"
    )
    # DSFR opens the accordion with a transition: aria-expanded turns true before the
    # panel is shown, so wait for it (an immediate is_visible() failed 1 run in 4).
    expect(page.locator(f"#transcript-{video.public_id}")).to_be_visible(timeout=5000)
    assert "cloches de la cathédrale" in page.locator(f"#transcript-{video.public_id}").inner_text()
    context.close()
