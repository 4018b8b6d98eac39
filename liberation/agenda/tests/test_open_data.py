import csv
import io
import json

import pytest

from liberation.programme.models import Project

pytestmark = pytest.mark.django_db


def _body(response) -> str:
    return b"".join(response.streaming_content).decode()


def test_csv(client, labelled):
    labelled(title="Caen, « expo »", insee="14118", sessions=2, wheelchair=True)
    labelled(title="Cherbourg", insee="50129")
    labelled(title="Refused", state=Project.State.REFUSED)
    response = client.get("/api/agenda/events.csv?departement=14")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "licence-ouverte" in response["Link"] and 'rel="license"' in response["Link"]
    rows = list(csv.DictReader(io.StringIO(_body(response))))
    assert len(rows) == 2  # one row per session
    assert rows[0]["title"] == "Caen, « expo »"
    assert rows[0]["commune_insee"] == "14118" and rows[0]["departement"] == "14"
    assert rows[0]["wheelchair"] == "true" and rows[0]["free"] == "true"
    assert rows[0]["url_fr"].endswith(f"/fr/agenda/{rows[0]['id']}/")
    assert rows[0]["session_id"] != rows[1]["session_id"]


def test_json(client, labelled):
    labelled(title="Caen", insee="14118", sessions=3)
    data = json.loads(_body(client.get("/api/agenda/events.json")))
    assert data["licence"]["name"] == "Licence Ouverte / Open Licence 2.0"
    assert [e["title"] for e in data["events"]] == ["Caen"]
    assert len(data["events"][0]["sessions"]) == 3


def test_json_empty(client, communes):
    data = json.loads(_body(client.get("/api/agenda/events.json?departement=75")))
    assert data["events"] == []


def test_geojson(client, labelled):
    labelled(title="Caen", insee="14118")
    labelled(title="Bayeux", insee="14047")
    response = client.get("/api/agenda/events.geojson?commune=14118&radius_km=5")
    assert response["Content-Type"].startswith("application/geo+json")
    data = json.loads(_body(response))
    assert data["type"] == "FeatureCollection"
    assert "licence" in data
    (feature,) = data["features"]
    assert feature["type"] == "Feature"
    assert feature["geometry"] == {"type": "Point", "coordinates": [-0.3707, 49.1829]}
    assert feature["properties"]["title"] == "Caen"


def test_api_paginated(client, labelled):
    for i in range(5):
        labelled(title=f"P{i}", insee="50129")
    data = client.get("/api/agenda/events/?limit=2&offset=1&departement=50").json()
    assert data["count"] == 5 and data["limit"] == 2 and data["offset"] == 1
    assert [r["title"] for r in data["results"]] == ["P1", "P2"]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("limit=0", "limit"),
        ("limit=9999", "limit"),
        ("offset=-1", "offset"),
        ("limit=" + "9" * 5000, "limit"),
        ("commune=ABC", "commune"),
        ("date_from=31/12/2026", "date_from"),
        ("kind=nope", "kind"),
    ],
)
def test_api_bad_values(client, communes, query, field):
    response = client.get(f"/api/agenda/events/?{query}")
    assert response.status_code == 400
    assert response.json()["field"] == field


@pytest.mark.parametrize("suffix", ["json", "csv", "geojson"])
def test_open_data_bad_values(client, communes, suffix):
    assert client.get(f"/api/agenda/events.{suffix}?radius_km=5").status_code == 400


def test_openapi_document_has_agenda(client):
    data = client.get("/api/openapi.json").json()
    assert "/api/search/" in data["paths"]
    operation = data["paths"]["/api/agenda/events/"]["get"]
    names = {p["name"] for p in operation["parameters"]}
    assert {
        "date_from",
        "departement",
        "commune",
        "radius_km",
        "kind",
        "accessibility",
        "limit",
    } <= names
