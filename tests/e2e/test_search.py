"""The search field's autocomplete, as a keyboard user meets it: a WAI-ARIA combobox."""

import pytest

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
    assert "suggestion" in page.locator("form [role=status]").text_content()

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
