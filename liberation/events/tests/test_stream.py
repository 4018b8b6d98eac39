"""A ceremony's live broadcast: channel and time as text, and when editors give a stream
address, the player behind the same click-to-load placeholder as videos (issue 14)."""

import datetime as dt

import pytest
from bs4 import BeautifulSoup
from django.core.exceptions import ValidationError
from django.utils import timezone

from liberation.events.models import CeremonyPage


@pytest.fixture
def ceremony(make_page, translate):
    page = make_page(
        CeremonyPage,
        title="Cérémonie du 8 mai",
        section="ceremonies",
        starts_at=timezone.now() + dt.timedelta(days=10),
        venue="Arc de Triomphe, Paris",
        broadcast="En direct sur France 2 à 18 h",
        stream_url="https://www.youtube.com/watch?v=abcDEF12345",
    )
    translate(page, "en", title="8 May ceremony")
    return page


@pytest.mark.parametrize(
    "lang, button, title",
    [
        ("fr", "Charger la vidéo depuis YouTube", "Retransmission en direct : Cérémonie du 8 mai"),
        ("en", "Load the video from YouTube", "Live broadcast: 8 May ceremony"),
    ],
)
def test_the_stream_waits_behind_the_consent_button(client, ceremony, lang, button, title):
    page = ceremony if lang == "fr" else ceremony.get_translation(_locale(lang))
    soup = BeautifulSoup(client.get(page.url).content.decode(), "html.parser")
    assert soup.select("iframe") == []  # nothing loaded from the provider
    holder = soup.select_one("[data-consent-embed]")
    assert holder["data-embed-src"] == "https://www.youtube-nocookie.com/embed/abcDEF12345"
    assert holder["data-embed-title"] == title
    assert (
        holder.select_one("button[data-consent-load]").get_text(" ", strip=True).startswith(button)
    )
    assert "France 2" in soup.select_one(".lib-facts").get_text()


def test_no_player_without_an_address_or_once_it_took_place(client, ceremony):
    ceremony.stream_url = ""
    ceremony.save_revision().publish()
    assert "data-consent-embed" not in client.get(ceremony.url).content.decode()
    ceremony.stream_url = "https://dai.ly/x8abcde"
    ceremony.starts_at = timezone.now() - dt.timedelta(days=2)
    ceremony.save_revision().publish()
    assert "data-consent-embed" not in client.get(ceremony.url).content.decode()


@pytest.mark.parametrize("url", ["https://example.org/live", "https://www.youtube.com/"])
def test_an_address_no_player_can_show_is_refused(ceremony, url):
    ceremony.stream_url = url
    with pytest.raises(ValidationError) as error:
        ceremony.full_clean()
    assert "stream_url" in error.value.message_dict


def _locale(code):
    from wagtail.models import Locale

    return Locale.objects.get(language_code=code)
