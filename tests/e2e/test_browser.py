"""What a visitor's browser does: accessibility audit, keyboard, video consent, mobile menu.

Each test builds the pages in a transactional database (tests/e2e/pages.py), so the
audit of every page type runs in one test per language and reports all pages at once.
"""

import re

import pytest
from axe_playwright_python.sync_playwright import Axe

from tests.e2e.conftest import MOBILE, tab_until
from tests.e2e.pages import YOUTUBE_EMBED

pytestmark = pytest.mark.e2e

BLOCKING = {"serious", "critical"}
VIDEO_HOSTS = re.compile(r"youtube|youtu\.be|ytimg|googlevideo|dailymotion|dmcdn|vimeo")


def _serious_violations(tab) -> list[str]:
    results = Axe().run(tab.page)
    return [
        f"{violation['id']} ({violation['impact']}): "
        + ", ".join(node["target"][0] for node in violation["nodes"][:5])
        for violation in results.response["violations"]
        if violation["impact"] in BLOCKING
    ]


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_axe_finds_no_serious_or_critical_violation(site, visitor, lang):
    tab = visitor()
    found = {}
    for kind, page_lang, path in site.urls():
        if page_lang != lang:
            continue
        response = tab.visit(path)
        assert response.status == (404 if kind == "404" else 200), path
        violations = _serious_violations(tab)
        if violations:
            found[f"{kind} {path}"] = violations
    assert found == {}
    assert tab.external == [], "a page asked another host for something"


def test_skip_link_is_first_and_moves_focus_to_the_content(site, visitor):
    tab = visitor()
    tab.visit(site.url("article", "fr"))
    page = tab.page
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.getAttribute('href')")
    assert focused == "#content"
    assert page.evaluate("document.activeElement.closest('.fr-skiplinks') !== null")
    page.keyboard.press("Enter")
    page.wait_for_function("document.activeElement && document.activeElement.id === 'content'")
    assert page.evaluate("document.activeElement.tagName") == "MAIN"


def test_language_switcher_is_reachable_and_goes_to_the_translation(site, visitor):
    tab = visitor()
    tab.visit(site.url("article", "fr"))
    page = tab.page
    tab_until(page, ".fr-header__tools .fr-translate__btn")
    page.keyboard.press("Enter")
    page.wait_for_selector(".fr-header__tools .fr-translate__btn[aria-expanded='true']")
    # The menu's links are focusable once DSFR's collapse has made them visible (on a
    # busy machine that can come after aria-expanded; tabbing earlier skips them).
    page.wait_for_selector(".fr-header__tools a[hreflang='en']", state="visible")
    tab_until(page, ".fr-header__tools a[hreflang='en']", limit=5)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url == tab.base_url + site.url("article", "en")
    assert page.evaluate("document.documentElement.lang") == "en"


def test_external_video_loads_only_after_the_button_is_pressed(site, visitor):
    tab = visitor()
    tab.visit(site.url("article", "fr"))
    page = tab.page
    page.wait_for_load_state("networkidle")
    assert [url for url in tab.requests if VIDEO_HOSTS.search(url)] == []
    assert page.locator("iframe").count() == 0

    button = page.get_by_role("button", name=re.compile("YouTube"))
    # The player is asked for (and blocked by the test) from the privacy-enhanced host.
    with page.expect_request(lambda request: request.url.startswith(YOUTUBE_EMBED)):
        button.click()
    iframe = page.locator(".lib-video iframe")
    assert iframe.get_attribute("src") == YOUTUBE_EMBED
    assert iframe.get_attribute("title") == "La Bataille de Cherbourg"
    assert page.evaluate("document.activeElement.tagName") == "IFRAME"
    assert page.locator("[data-consent-embed]").count() == 0
    assert all("youtube-nocookie.com" in url for url in tab.requests if VIDEO_HOSTS.search(url))


def test_transcript_opens_from_its_button(site, visitor):
    tab = visitor()
    tab.visit(site.url("video", "en"))
    page = tab.page
    button = page.locator(".fr-transcription__btn").first
    collapse = page.locator("#" + button.get_attribute("aria-controls"))
    assert not collapse.get_by_text("Schlieben").is_visible()
    button.click()
    page.wait_for_selector(".fr-transcription__btn[aria-expanded='true']")
    collapse.get_by_text("Schlieben").wait_for(state="visible")


def test_mobile_menu_button_opens_the_navigation(site, visitor):
    tab = visitor(viewport=MOBILE)
    tab.visit(site.url("article", "en"))
    page = tab.page
    navigation = page.locator("#main-menu")
    assert not navigation.is_visible()
    menu_button = page.locator("#header-menu-button")
    assert menu_button.is_visible()
    menu_button.click()
    page.wait_for_selector("#header-menu.fr-modal--opened")
    assert menu_button.get_attribute("data-fr-opened") == "true"
    navigation.get_by_role("link", name="History").wait_for(state="visible")
    # The DSFR script copies the language selector into the menu, with its own ids.
    switcher = page.locator(
        "#header-menu .fr-translate__btn[aria-controls='translate-menu-mobile']"
    )
    assert switcher.is_visible()
    assert _serious_violations(tab) == []
    page.locator("#header-menu .fr-btn--close").click()
    navigation.wait_for(state="hidden")
    assert menu_button.get_attribute("data-fr-opened") == "false"
