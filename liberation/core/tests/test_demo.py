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
