"""The map in Chromium: it loads the site's own base map, library and data, and sends
no request to any other host; the list alternative is reached by keyboard through the
skip link; a marker's popup fetches its details; published testimonies are a layer of
their own."""

import pytest

pytestmark = pytest.mark.e2e


@pytest.fixture
def programme(site):
    from liberation.content.models import Place
    from liberation.places.factories import communes_sample
    from liberation.programme.factories import project_make
    from liberation.programme.models import Project

    communes = communes_sample()
    for n in range(24):
        project_make(
            commune=communes["50129"], state=Project.State.LABELLED, title=f"Exposition {n}"
        )
    project_make(
        commune=communes["17306"],
        state=Project.State.LABELLED,
        title="Concert de la poche de Royan",
        kind=Project.Kind.CONCERT,
    )
    Place.objects.get_or_create(
        name="Pointe du Hoc", defaults={"latitude": 49.39667, "longitude": -0.98833}
    )
    from liberation.collection.factories import story_make
    from liberation.collection.models import Story

    story_make(items=1, state=Story.State.PUBLISHED, title="Les cloches de Bayeux")


def test_map_stays_on_the_site_and_its_list_is_reachable_by_keyboard(programme, visitor):
    tab = visitor()
    tab.visit("/fr/carte/")
    page = tab.page
    page.wait_for_selector("#map[data-ready='25']", state="attached")
    page.wait_for_selector(".leaflet-overlay-pane path", state="attached")  # the base map
    assert page.locator(".marker-cluster").count() >= 1
    assert page.locator(".liberation-marker--place").count() >= 1
    assert page.locator(".leaflet-control-layers").get_by_text("Témoignage").count() == 1

    # The testimony's marker: its title, place and a link to its page.
    page.locator(".liberation-marker--story").click()
    page.wait_for_selector(".liberation-popup__title", state="visible")
    assert page.locator(".liberation-popup__title").text_content() == "Les cloches de Bayeux"
    assert "/fr/collection/s/" in page.locator(".leaflet-popup a").first.get_attribute("href")
    page.locator(".leaflet-popup-close-button").click()
    page.wait_for_selector(".leaflet-popup", state="detached")

    # A marker's popup fetches the event's details from the site.
    page.locator(".liberation-marker--concert").click()
    page.wait_for_selector(".liberation-popup__title", state="visible")
    assert page.locator(".liberation-popup__title").text_content() == (
        "Concert de la poche de Royan"
    )

    # Keyboard only: tab to the skip link, follow it, land on the list.
    page.locator("body").click(position={"x": 1, "y": 1})
    page.evaluate("document.activeElement && document.activeElement.blur()")
    for _ in range(80):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "skip-map":
            break
    else:
        pytest.fail("the skip link to the list was not reached by Tab")
    page.keyboard.press("Enter")
    page.wait_for_function("location.hash === '#map-list'")
    assert page.evaluate("document.activeElement.id") == "map-list"
    page.keyboard.press("Tab")
    assert page.evaluate("!!document.activeElement.closest('#map-list')")
    assert page.locator("#map-list ol li").count() == 20
    assert "Les cloches de Bayeux" in page.locator("#map-list").text_content()

    assert tab.external == [], tab.external
    assert tab.requests and all(url.startswith(tab.base_url) for url in tab.requests)


@pytest.fixture
def dates(site):
    from liberation.maps.services import liberation_dates_load

    liberation_dates_load()


def test_day_by_day_slider_by_keyboard(dates, visitor):
    tab = visitor()
    tab.visit("/fr/carte/liberation/?date=1944-08-24")
    page = tab.page
    slider = page.locator("#day-slider")
    assert slider.is_visible()  # shown by the script; the date field works without it
    slider.focus()
    page.keyboard.press("ArrowRight")
    page.wait_for_function("document.getElementById('day-date').value === '1944-08-25'")
    assert slider.get_attribute("aria-valuetext") == "25 août 1944"
    places = page.locator("#day-places").text_content()
    assert "Paris (75)" in places
    assert "1944-08-25" in page.url
    page.wait_for_selector(".liberation-marker--today", state="attached")
    assert tab.external == [], tab.external
