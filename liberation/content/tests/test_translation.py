"""wagtail-localize can translate every content type (segments extracted, translation created)."""

import datetime as dt

import pytest
from django.utils import timezone
from wagtail.models import Locale
from wagtail_localize.models import StringTranslation, TranslationSource

from liberation.content.models import ArticlePage, Place, Theme
from liberation.events.models import CeremonyPage, RegistrationSettings


@pytest.fixture
def article(make_page):
    theme = Theme.objects.create(slug="normandie", name_fr="Normandie", name_en="Normandy")
    place = Place.objects.create(name="Cherbourg", latitude=49.6394, longitude=-1.6163)
    body = [
        {"type": "paragraph", "value": "<p>Les troupes américaines encerclent Cherbourg.</p>"},
        {
            "type": "video",
            "value": {
                "title": "Cherbourg",
                "url": "https://vimeo.com/76979871",
                "file": None,
                "captions": None,
                "caption": "Les combats de juin 1944.",
                "transcript": "Transcription.",
            },
        },
    ]
    return make_page(
        ArticlePage,
        title="La Bataille de Cherbourg",
        body=body,
        themes=[theme],
        places=[place],
        history_start=dt.date(1944, 6, 19),
    )


def test_localize_extracts_text_and_keeps_shared_data(article):
    source, _created = TranslationSource.get_or_create_from_instance(article)
    strings = {segment.string.data for segment in source.stringsegment_set.all()}
    assert "La Bataille de Cherbourg" in strings
    assert "Les combats de juin 1944." in strings
    assert "Transcription." in strings

    en = Locale.objects.get(language_code="en")
    for segment in source.stringsegment_set.all():
        StringTranslation.objects.create(
            translation_of=segment.string,
            locale=en,
            context=segment.context,
            data=f"EN {segment.string.data}",
        )
    translated, _created = source.create_or_update_translation(en)
    translated = ArticlePage.objects.get(pk=translated.pk)
    assert translated.title == "EN La Bataille de Cherbourg"
    assert translated.history_start == dt.date(1944, 6, 19)
    assert list(translated.themes.values_list("slug", flat=True)) == ["normandie"]
    assert translated.translation_key == article.translation_key


def test_localize_synchronises_ceremony_registration_settings(make_page):
    settings = RegistrationSettings.objects.create(
        name="8 mai",
        capacity=500,
        opens_at=timezone.now(),
        closes_at=timezone.now() + dt.timedelta(days=3),
    )
    ceremony = make_page(
        CeremonyPage,
        title="Cérémonie",
        section="ceremonies",
        starts_at=timezone.now() + dt.timedelta(days=5),
        venue="Paris",
        registration=settings,
        registration_required=True,
    )
    source, _created = TranslationSource.get_or_create_from_instance(ceremony)
    en = Locale.objects.get(language_code="en")
    translated, _created = source.create_or_update_translation(en, fallback=True)
    assert CeremonyPage.objects.get(pk=translated.pk).registration_id == settings.pk
