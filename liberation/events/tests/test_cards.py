"""Cards of ceremonies show when they take place, not when their page was published
(issue 14: the home page showed the 8 May 2027 ceremony dated "11 novembre 2026"):
the day and time of the ceremony first, then the publication date, labelled."""

import datetime as dt
import zoneinfo

import pytest
from bs4 import BeautifulSoup

from liberation.content.models import ArticlePage
from liberation.events.models import CeremonyPage

PARIS = zoneinfo.ZoneInfo("Europe/Paris")


@pytest.fixture
def ceremony(make_page, translate):
    page = make_page(
        CeremonyPage,
        title="Cérémonie du 8 mai 2027",
        section="ceremonies",
        date=dt.date(2026, 11, 11),  # published long before
        starts_at=dt.datetime(2027, 5, 8, 11, 0, tzinfo=PARIS),
        venue="Arc de Triomphe, Paris",
    )
    translate(page, "en", title="8 May 2027 ceremony")
    return page


def _card_dates(client, url: str, title: str) -> list[str]:
    soup = BeautifulSoup(client.get(url).content.decode(), "html.parser")
    cards = [c for c in soup.select(".fr-card") if title in c.get_text()]
    assert cards, f"no card for {title} on {url}"
    return [
        detail.get_text(" ", strip=True) + " | " + detail.time["datetime"]
        for detail in cards[0].select(".fr-card__detail")
    ]


@pytest.mark.parametrize(
    "lang, title, when, published",
    [
        ("fr", "Cérémonie du 8 mai 2027", "08 mai 2027 à 11:00", "Publié le 11 novembre 2026"),
        ("en", "8 May 2027 ceremony", "8 May 2027 at 11:00", "Published on 11 November 2026"),
    ],
)
def test_a_ceremony_card_shows_first_the_day_and_time_of_the_ceremony(
    client, ceremony, structure, lang, title, when, published
):
    for url in (structure.homes[lang].url, structure.sections[("ceremonies", lang)].url):
        assert _card_dates(client, url, title) == [
            f"{when} | 2027-05-08T11:00+0200",
            f"{published} | 2026-11-11",
        ]


def test_an_article_card_still_shows_its_publication_date(client, make_page, structure):
    make_page(ArticlePage, title="Royan, avril 1945", date=dt.date(2025, 4, 14))
    home = structure.homes["fr"].url
    assert _card_dates(client, home, "Royan, avril 1945") == ["14 avril 2025 | 2025-04-14"]
