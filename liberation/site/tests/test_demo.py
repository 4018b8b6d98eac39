"""The demo-content command builds the site and is idempotent (it runs at every `make run`)."""

from io import StringIO

import pytest
from django.core.management import call_command
from wagtail.models import Locale, Page, Revision

from liberation.content.models import ArticlePage, ContentKey

pytestmark = pytest.mark.django_db


def _load_demo() -> str:
    out = StringIO()
    call_command("load_demo", stdout=out)
    return out.getvalue()


def test_load_demo_twice_writes_nothing_the_second_time():
    _load_demo()
    pages, revisions = Page.objects.count(), Revision.objects.count()

    output = _load_demo()

    assert Page.objects.count() == pages
    assert Revision.objects.count() == revisions
    assert "0 created, 0 updated" in output


def test_demo_has_the_cherbourg_article_with_translation_related_and_video():
    _load_demo()
    page = ContentKey.objects.get(key="bataille-de-cherbourg").page.specific
    assert isinstance(page, ArticlePage)
    assert page.live and page.locale.language_code == "fr"

    english = page.get_translation_or_none(Locale.objects.get(language_code="en"))
    assert english is not None and english.live
    assert english.content_key.key == "battle-of-cherbourg"

    assert len(page.related) == 3
    assert all(block.value is not None and block.value.live for block in page.related)

    video = page.body[-1]
    assert video.block_type == "video"
    assert video.value["file"].title == "cherbourg-1944.mp4"
    assert video.value["captions"].title == "cherbourg-1944.vtt"
    assert video.value["transcript"]


def test_demo_has_an_upcoming_ceremony_open_for_registration_and_the_past_one():
    import datetime as dt

    from django.utils import timezone

    from liberation.events.models import CeremonyPage
    from liberation.site.demo.upcoming import next_ceremony_year

    _load_demo()
    year = next_ceremony_year(timezone.localdate())
    upcoming = ContentKey.objects.get(key=f"ceremonie-8-mai-{year}").page.specific
    assert isinstance(upcoming, CeremonyPage)
    assert upcoming.starts_at.date() == dt.date(year, 5, 8)
    if timezone.localdate() < dt.date(year, 5, 5):
        assert upcoming.registration_state() == "open"
    assert upcoming.registration.screening_required and upcoming.registration.max_companions == 2
    english = upcoming.get_translation(Locale.objects.get(language_code="en")).specific
    assert english.registration_id == upcoming.registration_id
    assert english.instructions.startswith("Arrive from 4.30 pm")

    past = ContentKey.objects.get(key="ceremonie-8-mai-2025").page.specific
    assert past.registration_state() == "past"


def test_upcoming_ceremony_dates_follow_the_day_of_loading():
    import datetime as dt

    from liberation.site.demo.upcoming import next_ceremony_year, upcoming_lines

    assert next_ceremony_year(dt.date(2026, 11, 24)) == 2027
    assert next_ceremony_year(dt.date(2027, 5, 8)) == 2027
    assert next_ceremony_year(dt.date(2027, 5, 9)) == 2028
    fr = upcoming_lines(year=2027)[0]
    assert fr["registration"]["opens_at"].startswith("2026-05-09")
    assert fr["registration"]["closes_at"].startswith("2027-05-05")
    assert upcoming_lines(year=2027) == upcoming_lines(year=2027)


def test_demo_themes_have_names_in_both_languages():
    from liberation.content.models import Theme

    _load_demo()
    theme = Theme.objects.get(slug="poches-de-l-atlantique")
    assert (theme.name_fr, theme.name_en) == ("Poches de l’Atlantique", "Atlantic pockets")
