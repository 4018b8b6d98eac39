import datetime as dt

import pytest

from liberation.agenda import ical
from liberation.programme.models import Project

pytestmark = pytest.mark.django_db


def unfold(text: str) -> list[str]:
    """Content lines per RFC 5545 §3.1: CRLF + one space continues the line."""
    assert "\n" not in text.replace("\r\n", "")
    return text.replace("\r\n ", "").split("\r\n")


def parse_events(text: str) -> list[dict[str, str]]:
    events, current = [], None
    for line in unfold(text):
        if line == "BEGIN:VEVENT":
            current = {}
        elif line == "END:VEVENT":
            events.append(current)
            current = None
        elif current is not None and ":" in line:
            name, value = line.split(":", 1)
            current[name.split(";")[0]] = value
    return events


def test_escape_and_fold():
    assert ical.escape_text("a,b;c\\d\ne") == "a\\,b\\;c\\\\d\\ne"
    line = "DESCRIPTION:" + "é" * 100
    folded = ical.fold(line)
    assert folded.endswith("\r\n")
    for physical in folded[:-2].split("\r\n"):
        assert len(physical.encode()) <= 75
    assert folded[:-2].replace("\r\n ", "") == line  # no character split


def test_calendar_structure():
    now = dt.datetime(2026, 6, 6, 8, 0, tzinfo=dt.UTC)
    text = ical.calendar(
        [ical.VEvent(uid="x@y", starts_at=now, ends_at=now, stamp=now, summary="Hé, ho; là")],
        name="Test",
    )
    lines = unfold(text)
    assert lines[0] == "BEGIN:VCALENDAR" and "VERSION:2.0" in lines and lines[-2] == "END:VCALENDAR"
    assert "DTSTART:20260606T080000Z" in lines
    assert "SUMMARY:Hé\\, ho\\; là" in lines


def test_event_ics(client, structure, labelled):
    project = labelled(
        title="Concert, danse; et « joie »",
        description="Ligne 1\nLigne 2 " + "très long " * 20,
        sessions=2,
        status=Project.Status.CANCELLED,
    )
    response = client.get(f"/fr/agenda/{project.public_id}/event.ics")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    text = response.content.decode()
    assert "\r\n" in text
    assert all(len(line.encode()) <= 75 for line in text.split("\r\n"))
    events = parse_events(text)
    assert len(events) == 2
    sessions = list(project.sessions.order_by("starts_at"))
    assert events[0]["UID"] == f"{project.public_id}-{sessions[0].pk}@{ical.UID_DOMAIN}"
    assert events[0]["STATUS"] == "CANCELLED"
    assert events[0]["SUMMARY"] == "Concert\\, danse\\; et « joie »"
    assert events[0]["DESCRIPTION"].startswith("Ligne 1\\nLigne 2")
    assert "DTSTAMP" in events[0]
    assert events[0]["URL"].endswith(f"/fr/agenda/{project.public_id}/")
    # Same UID on a second download: calendars update in place.
    again = parse_events(client.get(f"/en/agenda/{project.public_id}/event.ics").content.decode())
    assert [e["UID"] for e in again] == [e["UID"] for e in events]


def test_agenda_ics_follows_filters(client, structure, labelled):
    labelled(title="Caen", insee="14118")
    labelled(title="Cherbourg", insee="50129")
    response = client.get("/fr/agenda/agenda.ics?departement=14")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    assert [e["SUMMARY"] for e in parse_events(response.content.decode())] == ["Caen"]
    download = client.get("/fr/agenda/agenda.ics?departement=14&download=1")
    assert download["Content-Disposition"].startswith("attachment")


def test_agenda_ics_bad_filter_is_400(client, structure):
    response = client.get("/fr/agenda/agenda.ics?date_from=nope")
    assert response.status_code == 400


@pytest.mark.parametrize("kind", ["rss", "atom"])
def test_feeds(client, structure, labelled, kind):
    labelled(title="Caen", insee="14118")
    labelled(title="Cherbourg", insee="50129")
    response = client.get(f"/en/agenda/{kind}/?departement=50")
    assert response.status_code == 200
    text = response.content.decode()
    assert "Cherbourg" in text and "Caen" not in text
    assert client.get(f"/fr/agenda/{kind}/?radius_km=-1").status_code == 400


def test_ceremony_in_agenda_and_ics(client, make_page, labelled, soon):
    from liberation.events.models import CeremonyPage

    make_page(
        CeremonyPage,
        title="Cérémonie nationale",
        section="history",
        starts_at=soon + dt.timedelta(hours=1),
        venue="Arc de Triomphe",
    )
    labelled(title="Avant", starts_at=soon)
    html = client.get("/fr/agenda/").content.decode()
    assert "Cérémonie nationale" in html and html.index("Avant") < html.index("Cérémonie nationale")
    summaries = [
        e["SUMMARY"] for e in parse_events(client.get("/fr/agenda/agenda.ics").content.decode())
    ]
    assert summaries == ["Avant", "Cérémonie nationale"]
    # A project-only filter leaves the ceremonies out.
    assert "Cérémonie nationale" not in client.get("/fr/agenda/?departement=50").content.decode()
