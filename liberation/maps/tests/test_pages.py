import re

import pytest

from liberation.programme.models import Project

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("url", "lang", "title"),
    [("/fr/carte/", "fr", "Carte des événements"), ("/en/map/", "en", "Map of the events")],
)
def test_map_page_in_both_languages(client, labelled, url, lang, title):
    labelled(title="Exposition", title_en="Exhibition")
    response = client.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    assert f'<html lang="{lang}"' in html
    assert f'<h1 class="fr-mt-4w">{title}</h1>' in html
    assert ("Exposition" if lang == "fr" else "Exhibition") in html
    # The data of the same filters, and the vendored library: all on the site itself.
    data_url = "/fr/carte/donnees.json" if lang == "fr" else "/en/map/data.json"
    assert f'data-data-url="{data_url}"' in html
    assert "/static/maps/vendor/leaflet.js" in html
    assert not re.search(r'(src|href)="(https?:)?//', html.split("<main", 1)[1].split("</main>")[0])


def test_list_alternative_with_skip_link_and_pagination(client, labelled):
    for n in range(23):
        labelled(title=f"Événement {n:02d}")
    html = client.get("/fr/carte/").content.decode()
    assert '<a class="fr-link" id="skip-map" href="#map-list">' in html
    assert 'id="map-list"' in html and 'tabindex="-1"' in html
    assert "23 événements sur la carte" in html
    assert html.count('<li class="fr-mb-2w">') == 20
    assert "page=2#map-list" in html
    page2 = client.get("/fr/carte/?page=2").content.decode()
    assert page2.count('<li class="fr-mb-2w">') == 3
    assert 'start="21"' in page2
    # A page number out of range or not a number shows a page, never an error.
    assert client.get("/fr/carte/?page=999").status_code == 200
    assert client.get("/fr/carte/?page=abc").status_code == 200


def test_filters_are_the_agendas_and_kept_in_links(client, labelled):
    labelled("75056", title="À Paris", kind=Project.Kind.CONCERT)
    labelled("50129", title="À Cherbourg", kind=Project.Kind.CONCERT)
    html = client.get("/fr/carte/?departement=75&kind=concert").content.decode()
    assert "À Paris" in html and "À Cherbourg" not in html
    assert 'data-data-url="/fr/carte/donnees.json?' in html
    assert "departement=75&amp;kind=concert" in html
    assert '<option value="75" selected>' in html


def test_bad_filters_answer_400_with_the_form_and_messages(client, communes):
    response = client.get("/fr/carte/?date_from=2026-13-45&commune=ABCDE")
    assert response.status_code == 400
    html = response.content.decode()
    assert "Les filtres contiennent des erreurs" in html
    assert "AAAA-MM-JJ" in html
    assert 'id="map"' not in html
    response = client.get("/en/map/?radius_km=10")
    assert response.status_code == 400
    assert "Choose a commune to search around." in response.content.decode()


def test_csp_allows_the_map_without_inline_code(client, labelled):
    labelled()
    response = client.get("/fr/carte/")
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy
    html = response.content.decode()
    # Every script is a file of the site (no inline code); no style attribute.
    for tag in re.findall(r"<script[^>]*>", html):
        assert 'src="/static/' in tag or 'type="application/json"' in tag, tag
    assert " style=" not in html.split("<main", 1)[1]


def test_day_by_day_page_has_a_labelled_slider_and_the_days_list(client, dates):
    for url, lang in (
        ("/fr/carte/liberation/?date=1944-08-25", "fr"),
        ("/en/map/liberation/?date=1944-08-25", "en"),
    ):
        response = client.get(url)
        assert response.status_code == 200
        html = response.content.decode()
        assert f'<html lang="{lang}"' in html
        assert '<label class="fr-label" for="day-slider">' in html
        assert 'type="range"' in html and 'aria-valuetext="' in html
        assert '<label class="fr-label" for="day-date">' in html
        days_list = html.split('id="day-places"')[1].split("</ul>")[0]
        assert "Paris (75)" in days_list and "Avignon (84)" in days_list
        assert "Marseille" not in days_list
        assert 'id="liberation-dataset" type="application/json"' in html
    html = client.get("/fr/carte/liberation/?date=1944-08-25").content.decode()
    assert "lieux de cette liste libérés à cette date" in html


def test_day_by_day_bad_dates_answer_400(client, dates):
    assert client.get("/fr/carte/liberation/?date=demain").status_code == 400
    response = client.get("/en/map/liberation/?date=1950-01-01")
    assert response.status_code == 400
    assert "Choose a date between" in response.content.decode()
    assert client.get("/fr/carte/liberation/").status_code == 200


def test_day_by_day_without_data_says_so(client, db):
    response = client.get("/fr/carte/liberation/")
    assert response.status_code == 200
    assert "ne sont pas encore chargées" in response.content.decode()


def test_items_link_to_the_agendas_event_page_and_back(client, labelled):
    project = labelled(title="Bal", kind=Project.Kind.CONCERT)
    html = client.get("/fr/carte/?kind=concert").content.decode()
    assert f'href="/fr/agenda/{project.public_id}/"' in html
    assert 'href="/fr/agenda/?kind=concert"' in html
    popup = client.get(f"/en/map/event/{project.public_id}.json").json()
    assert popup["url"] == f"/en/agenda/{project.public_id}/"
