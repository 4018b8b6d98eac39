"""Ceremony selectors: the ceremony page in a language."""

import datetime as dt

from django.utils import timezone

from liberation.events.models import CeremonyPage, RegistrationSettings
from liberation.events.selectors import ceremony_page


def settings_row() -> RegistrationSettings:
    now = timezone.now()
    return RegistrationSettings.objects.create(
        name="8 mai", capacity=10, opens_at=now, closes_at=now + dt.timedelta(days=1)
    )


def ceremony(make_page, settings, **fields) -> CeremonyPage:
    return make_page(
        CeremonyPage,
        title="Cérémonie du 8 mai",
        section="ceremonies",
        starts_at=timezone.now() + dt.timedelta(days=10),
        venue="Place Charles-de-Gaulle, Paris",
        registration_required=True,
        registration=settings,
        **fields,
    )


def test_the_page_in_the_language_asked_else_any(make_page, translate, django_assert_num_queries):
    settings = settings_row()
    french = ceremony(make_page, settings)
    assert ceremony_page(settings=settings, language="en") == french  # no English yet
    english = translate(french, "en", title="8 May ceremony")
    with django_assert_num_queries(1):
        assert ceremony_page(settings=settings, language="en") == english
    assert ceremony_page(settings=settings.pk, language="fr") == french  # by id too
    assert ceremony_page(settings=settings, language="de") == french  # the first created


def test_no_live_page_is_none(make_page):
    settings = settings_row()
    assert ceremony_page(settings=settings, language="fr") is None
    page = ceremony(make_page, settings)
    page.unpublish()
    assert ceremony_page(settings=settings, language="fr") is None
