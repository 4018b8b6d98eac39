import json
import re
from pathlib import Path

import pytest

from liberation.programme.models import Project

pytestmark = pytest.mark.django_db


def _json_ld(html: str) -> list[dict]:
    blocks = re.findall(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    return [json.loads(block) for block in blocks]


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_agenda_page_renders(client, structure, labelled, lang):
    labelled(title="Exposition à Caen", insee="14118", title_en="Exhibition in Caen")
    response = client.get(f"/{lang}/agenda/")
    assert response.status_code == 200
    html = response.content.decode()
    assert ("Exhibition in Caen" if lang == "en" else "Exposition à Caen") in html
    assert 'type="text/calendar"' in html
    assert "webcal://" in html
    assert 'type="application/rss+xml"' in html
    assert 'type="application/atom+xml"' in html
    assert 'type="application/geo+json"' in html
    assert 'type="text/csv"' in html
    assert f'<html lang="{lang}"' in html


def test_agenda_page_filters_in_links(client, structure, labelled):
    labelled(title="Caen", insee="14118", kind=Project.Kind.CONCERT)
    labelled(title="Cherbourg", insee="50129")
    response = client.get("/fr/agenda/?departement=14&kind=concert")
    html = response.content.decode()
    assert response.status_code == 200
    assert ">Caen</a>" in html and ">Cherbourg</a>" not in html
    assert "agenda.ics?departement=14&amp;kind=concert" in html
    assert "events.csv?departement=14&amp;kind=concert" in html


@pytest.mark.parametrize(
    "query",
    [
        "date_from=2026-02-31",
        "commune=99999",
        "commune=14118&radius_km=abc",
        "kind=%00",
        "departement=" + "9" * 3000,
        "radius_km=10",
        "accessibility=x",
    ],
)
@pytest.mark.parametrize("lang", ["fr", "en"])
def test_agenda_bad_filters_are_400_with_message(client, structure, communes, query, lang):
    response = client.get(f"/{lang}/agenda/?{query}")
    assert response.status_code == 400
    assert 'role="alert"' in response.content.decode()


def test_bad_page_number_is_not_an_error(client, structure, labelled):
    labelled()
    assert client.get("/fr/agenda/?page=abc").status_code == 200
    assert client.get("/fr/agenda/?page=99999").status_code == 200


def test_pagination_keeps_filters(client, structure, labelled):
    labelled(title="Many", sessions=45, insee="14118")
    html = client.get("/fr/agenda/?departement=14").content.decode()
    assert "?departement=14&amp;page=2" in html


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_event_page_and_json_ld(client, structure, labelled, lang):
    project = labelled(
        title="Concert « Libération » </script>",
        title_en="Liberation concert",
        description="Un concert.",
        insee="50129",
        status=Project.Status.CANCELLED,
        wheelchair=True,
    )
    response = client.get(f"/{lang}/agenda/{project.public_id}/")
    assert response.status_code == 200
    html = response.content.decode()
    data = _json_ld(html)
    assert len(data) == 1
    event = data[0]
    assert event["@type"] == "Event"
    assert event["eventStatus"] == "https://schema.org/EventCancelled"
    assert event["eventAttendanceMode"] == "https://schema.org/OfflineEventAttendanceMode"
    assert event["location"]["@type"] == "Place"
    assert event["location"]["address"]["addressLocality"] == "Cherbourg-en-Cotentin"
    assert event["location"]["geo"]["latitude"] == pytest.approx(49.6394)
    assert event["name"] == (
        "Liberation concert" if lang == "en" else "Concert « Libération » </script>"
    )
    assert "label-mark.svg" in html
    assert "event.ics" in html
    assert ("Cancelled" if lang == "en" else "Annulé") in html


def test_moved_online_json_ld(client, structure, labelled):
    project = labelled(
        status=Project.Status.MOVED_ONLINE, registration_url="https://example.org/live"
    )
    event = _json_ld(client.get(f"/fr/agenda/{project.public_id}/").content.decode())[0]
    assert event["eventAttendanceMode"] == "https://schema.org/OnlineEventAttendanceMode"
    assert event["eventStatus"] == "https://schema.org/EventMovedOnline"


@pytest.mark.parametrize(
    "state",
    [Project.State.SUBMITTED, Project.State.REFUSED, Project.State.DRAFT, Project.State.WITHDRAWN],
)
def test_not_labelled_is_404(client, structure, labelled, state):
    project = labelled(state=state)
    assert client.get(f"/fr/agenda/{project.public_id}/").status_code == 404
    assert client.get(f"/en/agenda/{project.public_id}/event.ics").status_code == 404


def test_unknown_event_is_404(client, structure):
    assert client.get("/fr/agenda/nope-nope/").status_code == 404


def test_label_mark_is_served(client):
    from django.contrib.staticfiles import finders

    path = finders.find("agenda/label-mark.svg")
    assert path and Path(path).read_text().startswith("<svg")


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_the_commune_filter_is_an_autocomplete_showing_the_chosen_label(client, communes, lang):
    html = client.get(f"/{lang}/agenda/?commune=Caen").content.decode()
    assert "data-commune-autocomplete" in html
    assert 'data-url="/api/communes/"' in html
    assert 'data-insee="14118" data-label="Caen (14)"' in html
    assert "places/commune-autocomplete.js" in html
    response = client.get(f"/{lang}/agenda/?commune=Nulle-Part-sur-Mer")
    assert response.status_code == 400
    message = {"fr": "Aucune commune ne s’appelle", "en": "No commune is named"}[lang]
    assert message in response.content.decode()
