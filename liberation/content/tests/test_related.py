"""'Contenus associés': editor picks first, then neighbours by themes, places, dates."""

import datetime as dt

import pytest
from wagtail.models import Locale

from liberation.content.models import ArticlePage, DossierPage, NewsPage, Place, Theme
from liberation.content.selectors import related_cards


@pytest.fixture
def normandy(db):
    return Theme.objects.create(slug="normandie", name_fr="Normandie", name_en="Normandy")


@pytest.fixture
def cherbourg(db):
    return Place.objects.create(name="Cherbourg", latitude=49.6394, longitude=-1.6163)


def _picks(*pages):
    return [{"type": "page", "value": page.pk} for page in pages]


def test_editor_picks_come_first_in_order_and_across_languages(make_page, translate):
    dossier = make_page(DossierPage, title="Dossier 8 mai")
    dossier_en = translate(dossier, "en", title="8 May dossier")
    news = make_page(NewsPage, title="Programme", section="news")
    page = make_page(ArticlePage, title="Cherbourg", related=_picks(dossier_en, news, dossier))
    assert related_cards(page=page) == [dossier_en, news, dossier]


def test_fills_up_to_three_from_shared_themes_and_places(make_page, normandy, cherbourg):
    unrelated = make_page(ArticlePage, title="Strasbourg", history_start=dt.date(1944, 11, 23))
    same_place = make_page(ArticlePage, title="Port de Cherbourg", places=[cherbourg])
    same_theme = make_page(DossierPage, title="Normandie", themes=[normandy])
    both = make_page(ArticlePage, title="Cotentin", themes=[normandy], places=[cherbourg])
    page = make_page(ArticlePage, title="Cherbourg", themes=[normandy], places=[cherbourg])
    cards = related_cards(page=page)
    assert cards[0] == both
    assert set(cards[1:]) == {same_place, same_theme}
    assert unrelated not in cards


def test_historical_dates_bring_neighbours(make_page):
    near = make_page(ArticlePage, title="Saint-Lô", history_start=dt.date(1944, 7, 18))
    far = make_page(ArticlePage, title="Royan", history_start=dt.date(1945, 4, 17))
    page = make_page(
        ArticlePage,
        title="Cherbourg",
        history_start=dt.date(1944, 6, 19),
        history_end=dt.date(1944, 6, 30),
    )
    cards = related_cards(page=page)
    assert near in cards and far not in cards


def test_never_the_page_translation_and_one_version_per_item(make_page, translate, normandy):
    page = make_page(ArticlePage, title="Cherbourg", themes=[normandy])
    page_en = translate(page, "en", title="Cherbourg (en)")
    page_en.themes.set([normandy])
    other = make_page(ArticlePage, title="Caen", themes=[normandy])
    other_en = translate(other, "en", title="Caen (en)")
    other_en.themes.set([normandy])
    cards = related_cards(page=page)
    assert page_en not in cards and page not in cards
    assert cards == [other]  # French version preferred on the French page
    en_cards = related_cards(page=ArticlePage.objects.get(pk=page_en.pk))
    assert en_cards == [other_en]


def test_other_language_content_is_offered_when_no_translation(make_page, normandy):
    en_locale = Locale.objects.get(language_code="en")
    page = make_page(ArticlePage, title="Cherbourg", themes=[normandy])
    english_only = make_page(ArticlePage, title="Omaha Beach", lang="en", themes=[normandy])
    assert english_only.locale == en_locale
    assert related_cards(page=page) == [english_only]


def test_cards_on_the_page_mark_the_other_language(client, make_page, translate):
    dossier = make_page(DossierPage, title="Reddition")
    dossier_en = translate(dossier, "en", title="Commemoration of the Victory in Europe")
    page = make_page(ArticlePage, title="Cherbourg", related=_picks(dossier_en))
    html = client.get(page.url).content.decode()
    assert '<h3 class="fr-card__title" lang="en">' in html
    assert "Commemoration of the Victory in Europe" in html


def test_unpublished_picks_are_skipped(make_page):
    gone = make_page(ArticlePage, title="Retiré")
    page = make_page(ArticlePage, title="Cherbourg", related=_picks(gone))
    gone.unpublish()
    assert related_cards(page=ArticlePage.objects.get(pk=page.pk)) == []
