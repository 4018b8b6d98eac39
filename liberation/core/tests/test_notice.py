"""The site-wide notice (issue 14): set by editors in both languages, shown above the
header of every public page in the reader's language, at once after a change."""

import pytest
from bs4 import BeautifulSoup
from django.core.cache import cache
from django.core.exceptions import ValidationError

from liberation.core.models import NoticeSettings


@pytest.fixture(autouse=True)
def empty_cache():
    cache.clear()
    yield
    cache.clear()


def _notice(client, path):
    soup = BeautifulSoup(client.get(path).content.decode(), "html.parser")
    return soup.select_one(".fr-notice")


@pytest.fixture
def notice(structure):
    site = structure.homes["fr"].get_site()
    return NoticeSettings.for_site(site)


def test_no_notice_until_one_is_enabled(client, notice):
    assert _notice(client, "/fr/") is None
    notice.title_fr, notice.title_en = "Hommage national", "National tribute"
    notice.save()
    assert _notice(client, "/fr/") is None  # written, not yet shown


@pytest.mark.parametrize(
    "path, title, text, link_text",
    [
        ("/fr/", "Hommage national", "Les drapeaux sont en berne.", "En savoir plus"),
        ("/en/", "National tribute", "Flags are at half-mast.", "Read more"),
        ("/fr/recherche/", "Hommage national", "Les drapeaux sont en berne.", "En savoir plus"),
    ],
)
def test_the_notice_is_shown_in_the_readers_language(
    client, notice, structure, path, title, text, link_text
):
    notice.enabled = True
    notice.kind = NoticeSettings.Kind.MOURNING
    notice.title_fr, notice.text_fr = "Hommage national", "Les drapeaux sont en berne."
    notice.title_en, notice.text_en = "National tribute", "Flags are at half-mast."
    notice.link_page = structure.homes["fr"]
    notice.save()
    shown = _notice(client, path)
    assert shown.select_one(".fr-notice__title").get_text() == title
    assert shown.select_one(".fr-notice__desc").get_text() == text
    assert "lib-notice--mourning" in shown["class"]
    link = shown.select_one("a.fr-notice__link")
    assert link.get_text() == link_text
    assert link["href"] == path[:4]  # the home page in the reader's language
    button = shown.select_one("button[data-notice-dismiss]")
    assert button["type"] == "button" and button.get_text(strip=True)
    assert shown["data-notice"] == notice.version


def test_a_change_is_shown_at_once_and_gets_a_new_version(client, notice):
    notice.enabled, notice.kind = True, NoticeSettings.Kind.ALERT
    notice.title_fr, notice.title_en = "Perturbations", "Disruptions"
    notice.save()
    first = _notice(client, "/fr/")
    assert "fr-notice--alert" in first["class"]
    notice.title_fr = "Cérémonie reportée"
    notice.save()
    second = _notice(client, "/fr/")
    assert second.select_one(".fr-notice__title").get_text() == "Cérémonie reportée"
    assert second["data-notice"] != first["data-notice"]
    notice.enabled = False
    notice.save()
    assert _notice(client, "/fr/") is None


def test_an_enabled_notice_needs_both_titles(notice):
    notice.enabled = True
    notice.title_fr = "Hommage national"
    with pytest.raises(ValidationError) as error:
        notice.full_clean()
    assert set(error.value.message_dict) == {"title_en"}
    notice.enabled = False
    notice.full_clean()  # a draft may be incomplete
