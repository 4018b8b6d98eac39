"""Search as a keyboard user meets it: the header's field on every page, and the
autocomplete of both fields (a WAI-ARIA combobox)."""

import pytest

from tests.e2e.conftest import tab_until
from tests.e2e.pages import SEED_TITLE

pytestmark = pytest.mark.e2e

OPTIONS = "#search-q-listbox [role=option]"


def test_autocomplete_is_a_keyboard_combobox(site, visitor):
    tab = visitor()
    tab.visit("/fr/recherche/")
    page = tab.page
    field = page.locator("#search-q")
    assert field.get_attribute("role") == "combobox"
    assert field.get_attribute("aria-expanded") == "false"
    field.focus()
    page.keyboard.type("cherb")
    page.wait_for_selector(OPTIONS, state="visible")
    assert field.get_attribute("aria-expanded") == "true"
    first = page.locator(OPTIONS).first
    label = first.text_content()
    assert "cherbourg" in label.lower()
    # The status line announces the number of suggestions to screen readers.
    assert "suggestion" in page.locator("main form [role=status]").text_content()

    page.keyboard.press("ArrowDown")
    assert first.get_attribute("aria-selected") == "true"
    assert field.get_attribute("aria-activedescendant") == first.get_attribute("id")
    page.keyboard.press("Escape")
    assert field.get_attribute("aria-expanded") == "false"
    assert not page.locator("#search-q-listbox").is_visible()

    page.keyboard.press("ArrowDown")  # reopens on the first suggestion
    assert field.get_attribute("aria-expanded") == "true"
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "/fr/recherche/?q=" in page.url
    assert page.locator("#search-q").input_value() == label
    assert page.locator("main a", has_text="Cherbourg").count() >= 1


def test_without_two_letters_nothing_is_suggested(site, visitor):
    tab = visitor()
    tab.visit("/fr/recherche/")
    page = tab.page
    page.locator("#search-q").focus()
    page.keyboard.type("c")
    page.wait_for_timeout(400)  # longer than the script's 150 ms debounce
    assert page.locator("#search-q").get_attribute("aria-expanded") == "false"
    assert page.locator(OPTIONS).count() == 0


def test_from_any_page_search_in_the_header_open_the_result_then_its_translation(site, visitor):
    """Issue 14: from a dossier, by keyboard only: the header's search field, the French
    article among the results, then its English version from the language switcher."""
    tab = visitor()
    tab.visit(site.url("dossier", "fr"))
    page = tab.page
    tab_until(page, "#header-search-q")
    assert page.locator("#header-search-q").get_attribute("role") == "combobox"
    page.keyboard.type("cherbourg")
    page.wait_for_selector("#header-search-q-listbox [role=option]", state="visible")
    page.keyboard.press("Escape")  # the suggestions closed, Enter searches what was typed
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url == tab.base_url + "/fr/recherche/?q=cherbourg"
    article = f"main .lib-search-results a[href='{site.url('article', 'fr')}']"
    assert page.locator(article).text_content() == SEED_TITLE
    tab_until(page, article, limit=60)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url == tab.base_url + site.url("article", "fr")

    tab_until(page, ".fr-header__tools .fr-translate__btn")
    page.keyboard.press("Enter")
    page.wait_for_selector(".fr-header__tools a[hreflang='en']", state="visible")
    tab_until(page, ".fr-header__tools a[hreflang='en']", limit=5)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url == tab.base_url + site.url("article", "en")
    assert page.evaluate("document.documentElement.lang") == "en"
    # The English page's header searches in English.
    assert page.locator("#header-search").get_attribute("action") == "/en/search/"
