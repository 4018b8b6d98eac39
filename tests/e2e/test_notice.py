"""The site-wide notice as a keyboard user meets it: hidden with its button, it stays
hidden on the next pages of this browser, until editors publish another notice."""

import pytest

from tests.e2e.conftest import tab_until
from tests.e2e.programme_steps import in_thread

pytestmark = pytest.mark.e2e

NOTICE = ".fr-notice[data-notice]"
BUTTON = NOTICE + " button[data-notice-dismiss]"


def _set_notice(site, **fields):
    from wagtail.models import Site

    from liberation.core.models import NoticeSettings

    notice = NoticeSettings.for_site(Site.objects.get(is_default_site=True))
    for name, value in {"enabled": True, **fields}.items():
        setattr(notice, name, value)
    notice.save()


def test_a_dismissed_notice_stays_hidden_until_a_new_one(site, visitor):
    in_thread(lambda: _set_notice(site, title_fr="Hommage national", title_en="National tribute"))
    tab = visitor()
    tab.visit(site.url("article", "fr"))
    page = tab.page
    assert page.locator(NOTICE).text_content().count("Hommage national") == 1
    tab_until(page, BUTTON, limit=10)
    page.keyboard.press("Enter")
    assert page.locator(NOTICE).count() == 0
    assert page.evaluate("document.activeElement.id") == "content"

    tab.visit(site.url("article", "en"))  # another page, the other language
    assert page.locator(NOTICE).count() == 0

    in_thread(
        lambda: _set_notice(site, title_fr="Cérémonie reportée", title_en="Ceremony postponed")
    )
    tab.visit(site.url("article", "en"))
    assert "Ceremony postponed" in page.locator(NOTICE).text_content()
