"""The commune field's autocomplete (places/commune-autocomplete.js), met with the
keyboard on the place form of the admin: an ARIA combobox that posts the INSEE code."""

import pytest

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

OPTIONS = "[role=listbox] [role=option]"


@pytest.fixture
def admin_and_communes(live_server, django_user_model):
    """Written before Playwright starts (no database access from its event loop)."""
    from liberation.places.factories import communes_sample

    communes_sample()
    django_user_model.objects.create_superuser("admin", "admin@example.org", "secret-pw-1")


def test_commune_field_is_a_keyboard_combobox(admin_and_communes, visitor):
    tab = visitor()
    page = tab.page
    page.goto(tab.base_url + "/admin/login/")
    page.fill("#id_username", "admin")
    page.fill("#id_password", "secret-pw-1")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    page.goto(tab.base_url + "/admin/snippets/content/place/add/")

    field = page.locator("input[data-commune-autocomplete]")
    assert field.get_attribute("role") == "combobox"
    assert field.get_attribute("aria-expanded") == "false"
    assert field.get_attribute("name") is None  # the hidden input posts the code
    field.focus()
    page.keyboard.type("saint-mar")
    page.wait_for_selector(OPTIONS, state="visible")
    assert field.get_attribute("aria-expanded") == "true"
    labels = page.locator(OPTIONS).all_text_contents()
    assert labels[0].startswith("Saint-Martin-de-Belleville (73)")  # most populated first
    assert "2 communes" in page.locator(".commune-ac [role=status]").text_content()

    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    second = page.locator(OPTIONS).nth(1)
    assert second.get_attribute("aria-selected") == "true"
    assert field.get_attribute("aria-activedescendant") == second.get_attribute("id")
    page.keyboard.press("Enter")
    assert field.get_attribute("aria-expanded") == "false"
    assert field.input_value() == "Saint-Martin-de-Queyrières (05)"
    assert page.locator("input[type=hidden][name=commune]").input_value() == "05152"

    page.fill("#id_name", "Saint-Martin")
    page.fill("#id_latitude", "44.82")
    page.fill("#id_longitude", "6.58")
    with page.expect_navigation():
        page.locator("form:has(#id_name) button[type=submit]").first.click()
    # Saved with its commune: the listing tells this Saint-Martin by its département.
    assert page.locator("text=Saint-Martin (05)").count() >= 1
    assert tab.external == []
