"""Content reads what the apps above it register (content/providers.py), and works
without them: it imports neither events nor semantic."""

import datetime as dt

import pytest
from django.utils import timezone

from liberation.content import providers
from liberation.content.models import ArticlePage, NewsPage
from liberation.content.selectors import ListingFilters, latest_content, related_cards
from liberation.events.models import CeremonyPage


@pytest.fixture
def ceremony(make_page):
    return make_page(
        CeremonyPage,
        title="Commémoration du 8 mai",
        section="ceremonies",
        starts_at=timezone.now() + dt.timedelta(days=10),
        venue="Arc de Triomphe, Paris",
    )


@pytest.fixture
def without_registrations(monkeypatch):
    """Content as it is when no app above it registered anything."""
    monkeypatch.setattr(providers, "_listing_types", {})
    monkeypatch.setattr(providers, "_home_context", {})
    monkeypatch.setattr(providers, "_related_by_meaning", [])


def test_events_registers_the_ceremony_type_and_the_home_ceremonies(client, ceremony, make_page):
    assert providers.listing_types() == {"ceremony": CeremonyPage}
    assert [key for key, _label in ListingFilters().type_choices()][-1] == "ceremony"
    make_page(NewsPage, title="Programme du 80e anniversaire", section="ceremonies")
    html = client.get("/fr/commemorations/", {"type": "ceremony"}).content.decode()
    assert "Commémoration du 8 mai" in html and "Programme du 80e" not in html
    html = client.get("/fr/").content.decode()
    assert 'id="home-ceremonies"' in html and "Commémoration du 8 mai" in html
    # Ceremonies are out of "Latest content": the home page shows them apart.
    assert ceremony.pk not in {p.pk for p in latest_content(locale=ceremony.locale, limit=9)}


def test_without_registrations_the_pages_still_render(
    client, ceremony, make_page, without_registrations
):
    page = make_page(ArticlePage, title="La Bataille de Cherbourg")
    html = client.get("/fr/").content.decode()
    assert 'id="home-ceremonies"' not in html and "La Bataille de Cherbourg" in html
    assert "ceremony" not in dict(ListingFilters().type_choices())
    response = client.get("/fr/commemorations/", {"type": "ceremony"})  # ignored, not an error
    assert response.status_code == 200 and "Commémoration du 8 mai" in response.content.decode()
    assert client.get(page.url).status_code == 200


def test_related_by_meaning_comes_from_the_registered_provider(make_page, without_registrations):
    page = make_page(ArticlePage, title="Cherbourg")
    near = make_page(NewsPage, title="Le port rouvre", section="news")
    assert related_cards(page=page) == []  # nothing shared, no provider
    calls = []

    def provider(*, page, count):
        calls.append(count)
        return [page, near]  # the page itself is never its own neighbour

    providers.related_by_meaning_register(provider=provider)
    assert related_cards(page=page) == [near]
    assert calls
