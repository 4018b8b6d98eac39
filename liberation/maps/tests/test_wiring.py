"""The map and the agenda in the rest of the site: the main menu, the agenda's link to
the map with its filters, the language switcher of these views, "80 years ago today"
on the home page. Each is registered from maps' and agenda's AppConfig.ready()."""

import datetime as dt
import re

import pytest

from liberation.content.services import content_structure_ensure

pytestmark = pytest.mark.django_db


@pytest.fixture
def structure(dates, communes):
    return content_structure_ensure()


def _nav(html: str) -> str:
    return re.search(r'<nav class="fr-nav" id="main-menu".*?</nav>', html, re.S).group(0)


@pytest.mark.parametrize(
    ("lang", "agenda", "map_label", "map_url"),
    [("fr", "Agenda", "Carte", "/fr/carte/"), ("en", "Agenda", "Map", "/en/map/")],
)
def test_the_main_menu_links_the_agenda_and_the_map(
    client, structure, lang, agenda, map_label, map_url
):
    nav = _nav(client.get(f"/{lang}/agenda/").content.decode())
    assert f'href="/{lang}/agenda/" aria-current="page">{agenda}</a>' in nav
    assert f'href="{map_url}">{map_label}</a>' in nav
    nav = _nav(client.get(map_url).content.decode())
    assert f'href="{map_url}" aria-current="page">{map_label}</a>' in nav


def test_the_agenda_links_to_the_map_with_its_filters(client, structure):
    html = client.get("/fr/agenda/?departement=14&kind=concert").content.decode()
    link = re.search(
        r'<a [^>]*href="(/fr/carte/\?[^"]*)"[^>]*>Voir ces événements sur la carte', html
    )
    assert link, "no link to the map"
    assert "departement=14" in link.group(1) and "kind=concert" in link.group(1)
    html = client.get("/en/agenda/?departement=14").content.decode()
    assert 'href="/en/map/?departement=14"' in html
    assert "See these events on the map" in html


def test_the_language_switcher_keeps_the_view_and_its_filters(client, structure):
    html = client.get("/fr/carte/?departement=14").content.decode()
    assert 'href="/en/map/?departement=14"' in html
    html = client.get("/en/agenda/?departement=50").content.decode()
    assert 'href="/fr/agenda/?departement=50"' in html


def test_the_home_page_shows_eighty_years_ago_today(client, structure, monkeypatch):
    from django.utils import timezone

    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: dt.date(2024, 8, 25))
    html = client.get("/fr/").content.decode()
    assert "Il y a 80 ans jour pour jour" in html
    assert "Paris (75)" in html
    html = client.get("/en/").content.decode()
    assert "80 years ago today" in html
    # A day with nothing to say shows nothing.
    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: dt.date(2024, 1, 2))
    assert "eighty-years-ago-title" not in client.get("/fr/").content.decode()
