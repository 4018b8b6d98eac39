"""Every page type renders in French and in English, with the right language marks."""

import datetime as dt

import pytest
from django.utils import timezone

from liberation.content.models import (
    ArticlePage,
    DossierPage,
    NewsPage,
    Place,
    Theme,
    VideoPage,
)
from liberation.events.models import CeremonyPage, RegistrationSettings

VIDEO = {
    "title": "Cherbourg",
    "url": "https://www.dailymotion.com/video/x8abcd1",
    "file": None,
    "captions": None,
    "caption": "Cette vidéo vous plonge dans les moments clés.",
    "transcript": "Juin 1944 : les troupes américaines encerclent Cherbourg.",
}


@pytest.fixture
def pages(make_page, translate):
    cherbourg = Place.objects.create(name="Cherbourg", latitude=49.6394, longitude=-1.6163)
    normandie = Theme.objects.create(slug="normandie", name_fr="Normandie", name_en="Normandy")
    body = [
        {"type": "paragraph", "value": "<p>Du 19 au 30 juin 1944, les troupes américaines…</p>"},
        {"type": "heading", "value": {"text": "Revivez les combats en vidéo :", "level": "h2"}},
        {"type": "video", "value": VIDEO},
        {"type": "quote", "value": {"text": "Paris outragé !", "source": "Charles de Gaulle"}},
    ]
    article = make_page(
        ArticlePage,
        title="La Bataille de Cherbourg",
        body=body,
        history_start=dt.date(1944, 6, 19),
        history_end=dt.date(1944, 6, 30),
        themes=[normandie],
        places=[cherbourg],
    )
    translate(article, "en", title="The Battle of Cherbourg", lead="The battle in June 1944.")
    dossier = make_page(DossierPage, title="Reddition et capitulation", date=dt.date(2025, 4, 24))
    translate(dossier, "en", title="Surrender and capitulation")
    news = make_page(NewsPage, title="Programme du 80e anniversaire", section="news")
    translate(news, "en", title="80th anniversary programme")
    video = make_page(
        VideoPage, title="Le port de Cherbourg", video=[{"type": "video", "value": VIDEO}]
    )
    translate(video, "en", title="The port of Cherbourg")
    settings = RegistrationSettings.objects.create(
        name="8 mai",
        capacity=500,
        opens_at=timezone.now() - dt.timedelta(days=1),
        closes_at=timezone.now() + dt.timedelta(days=5),
    )
    ceremony = make_page(
        CeremonyPage,
        title="Commémoration du 8 mai",
        section="ceremonies",
        starts_at=timezone.now() + dt.timedelta(days=10),
        venue="Arc de Triomphe, Paris",
        broadcast="France 2, 17 h 30",
        registration_required=True,
        registration=settings,
    )
    translate(ceremony, "en", title="Commemoration of 8 May")
    return {
        "article": article,
        "dossier": dossier,
        "news": news,
        "video": video,
        "ceremony": ceremony,
    }


@pytest.mark.parametrize("kind", ["article", "dossier", "news", "video", "ceremony"])
@pytest.mark.parametrize("lang", ["fr", "en"])
def test_content_page_renders_in_both_languages(client, pages, kind, lang):
    page = pages[kind]
    if lang == "en":
        page = page.get_translation(page.locale.__class__.objects.get(language_code="en"))
    response = client.get(page.url)
    assert response.status_code == 200
    html = response.content.decode()
    assert f'<html lang="{lang}"' in html
    assert f"<h1>{page.title}</h1>" in html
    other = "en" if lang == "fr" else "fr"
    assert f'hreflang="{other}"' in html


def test_article_shows_video_behind_consent_with_transcript(client, pages):
    html = client.get(pages["article"].url).content.decode()
    assert "data-consent-embed" in html
    assert "https://www.dailymotion.com/embed/video/x8abcd1" in html
    assert "<iframe" not in html  # nothing loads from the provider before the click
    assert "Juin 1944 : les troupes américaines encerclent Cherbourg." in html
    assert "Cette vidéo vous plonge dans les moments clés." in html


def test_article_shows_its_history_and_places(client, pages):
    html = client.get(pages["article"].url).content.decode()
    assert "Cherbourg" in html
    assert "19 juin 1944" in html and "30 juin 1944" in html


def test_dates_are_in_the_page_language(client, pages):
    fr = client.get(pages["dossier"].get_parent().url).content.decode()
    assert "24 avril 2025" in fr
    en_page = pages["dossier"].get_translation(
        pages["dossier"].locale.__class__.objects.get(language_code="en")
    )
    en = client.get(en_page.get_parent().url).content.decode()
    assert "24 April 2025" in en


@pytest.mark.parametrize(
    "url",
    ["/fr/", "/en/", "/fr/histoire/", "/en/history/", "/fr/accessibilite/", "/en/accessibility/"],
)
def test_home_sections_and_institutional_pages(client, pages, url):
    response = client.get(url)
    assert response.status_code == 200


def test_home_lists_latest_content_and_upcoming_ceremonies(client, pages):
    html = client.get("/fr/").content.decode()
    assert "La Bataille de Cherbourg" in html
    assert "Commémoration du 8 mai" in html
    assert "The Battle of Cherbourg" not in html


def test_language_switcher_goes_to_the_translation(client, pages):
    html = client.get(pages["article"].url).content.decode()
    assert 'href="/en/history/the-battle-of-cherbourg/"' in html


def test_language_switcher_falls_back_to_the_other_home(client, make_page):
    page = make_page(ArticlePage, title="Seulement en français")
    html = client.get(page.url).content.decode()
    assert 'hreflang="en" lang="en" href="/en/"' in html


def test_reading_time(pages):
    assert pages["article"].reading_time == 1
    long_body = [{"type": "paragraph", "value": "<p>" + "mot " * 1000 + "</p>"}]
    pages["article"].body = long_body
    assert pages["article"].reading_time == 5


def test_ceremony_registration_states(pages):
    ceremony = pages["ceremony"]
    assert ceremony.registration_state() == "open"
    ceremony.registration.opens_at = timezone.now() + dt.timedelta(days=1)
    assert ceremony.registration_state() == "not_open"
    ceremony.registration.opens_at = timezone.now() - dt.timedelta(days=3)
    ceremony.registration.closes_at = timezone.now() - dt.timedelta(days=1)
    assert ceremony.registration_state() == "closed"
    ceremony.starts_at = timezone.now() - dt.timedelta(days=1)
    assert ceremony.registration_state() == "past"


def test_registration_settings_are_shared_by_both_languages(pages):
    fr = pages["ceremony"]
    en = fr.get_translation(fr.locale.__class__.objects.get(language_code="en"))
    assert en.registration_id == fr.registration_id
    assert fr.registration.ceremony_pages.count() == 2
