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


def test_agenda_and_event_pages_pass_axe(programme, visitor):
    from axe_playwright_python.sync_playwright import Axe

    tab = visitor()
    found = {}
    for path in ("/fr/agenda/", "/en/agenda/?departement=14", "/fr/agenda/?commune=99999"):
        tab.visit(path)
        results = Axe().run(tab.page)
        serious = [
            v["id"]
            for v in results.response["violations"]
            if v["impact"] in ("serious", "critical")
        ]
        if serious:
            found[path] = serious
    tab.visit("/en/agenda/")
    with tab.page.expect_navigation():
        tab.page.locator("main a", has_text="Bal à Caen").first.click()
    tab.page.wait_for_selector("html[data-fr-js='true']", state="attached")
    results = Axe().run(tab.page)
    serious = [
        v["id"] for v in results.response["violations"] if v["impact"] in ("serious", "critical")
    ]
    if serious:
        found[tab.page.url] = serious
    assert found == {}
    assert tab.external == []
