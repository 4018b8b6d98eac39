"""The agenda, as a keyboard user meets it: choose a département, submit, read the
results; the calendar and open data alternates follow the filters."""

import pytest

pytestmark = pytest.mark.e2e


@pytest.fixture
def programme(site):
    """Two labelled projects, written before the browser starts (Playwright's loop
    would make database calls from the test fail)."""
    from liberation.places.factories import communes_sample
    from liberation.programme.factories import project_make
    from liberation.programme.models import Project

    communes = communes_sample()
    project_make(commune=communes["14118"], state=Project.State.LABELLED, title="Bal à Caen")
    project_make(commune=communes["50129"], state=Project.State.LABELLED, title="Expo Cherbourg")


def test_agenda_filters_with_the_keyboard(programme, visitor):
    tab = visitor()
    tab.visit("/fr/agenda/")
    page = tab.page
    assert page.locator("main a", has_text="Expo Cherbourg").count() == 1
    page.locator("#id_departement").focus()
    page.keyboard.type("Calvados")
    page.locator("form.lib-agenda-filters button[type=submit]").focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "departement=14" in page.url
    assert page.locator("main a", has_text="Bal à Caen").count() == 1
    assert page.locator("main a", has_text="Expo Cherbourg").count() == 0
    calendar = page.locator('link[rel=alternate][type="text/calendar"]').get_attribute("href")
    assert "agenda.ics?departement=14" in calendar
    assert page.locator("a[href^='webcal://']").count() == 1
    assert tab.external == []
