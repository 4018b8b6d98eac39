"""Reads of the map: labelled events as a compact array (same filters as the agenda),
national ceremonies and historical places as other layers, and the Liberation day by
day (the dates, what happened "80 years ago today").

The events layer carries only what the marker and its cluster need: a point, a type
and the public id that fetches the popup's details (`map_event`) when it is opened.
Its format is documented in docs/map.md; 20,000 events stay under 500 KB gzipped
(bench/map_data.py).
"""

import dataclasses
import datetime as dt

from django.db.models import Prefetch, Q
from wagtail.models import Locale

from liberation.agenda.filters import AgendaFilters
from liberation.agenda.selectors import (
    agenda_ceremonies,
    agenda_projects,
    agenda_sessions,
    labelled_project,
)
from liberation.collection.present import published_stories_placed, story_url
from liberation.content.models import ContentPage, Place
from liberation.events.models import CeremonyPage
from liberation.programme.models import Project, Session

from .models import LiberationDate

FORMAT_VERSION = 1
# Index of each type in the compact array ("k" column); never reordered, only appended.
KINDS: list[str] = [kind for kind, _label in Project.Kind.choices]
KIND_INDEX = {kind: index for index, kind in enumerate(KINDS)}
# Four decimals: about 11 m, finer than a marker on screen; fewer bytes to send.
PRECISION = 4
PLACE_PAGES = 3
ANNIVERSARY_YEARS = 80
DAY_EVENTS = 6
DAY_ARTICLES = 4


def _round(value: float) -> float:
    return round(value, PRECISION)


def map_events(filters: AgendaFilters) -> list[list]:
    """[latitude, longitude, type index, public id] of each labelled project with a
    session matching the filters and a known point; sorted by point, which groups the
    events of a commune and lets gzip find the repeats."""
    rows = (
        agenda_projects(filters)
        .filter(latitude__isnull=False, longitude__isnull=False)
        .order_by()
        .values_list("latitude", "longitude", "kind", "public_id")
    )
    out = [
        [_round(lat), _round(lon), KIND_INDEX.get(kind, KIND_INDEX["other"]), public_id]
        for lat, lon, kind, public_id in rows.iterator(chunk_size=5000)
    ]
    out.sort()
    return out


@dataclasses.dataclass(frozen=True)
class MapCeremony:
    page: CeremonyPage
    place: Place | None


def map_ceremonies(filters: AgendaFilters, *, locale: Locale) -> list[MapCeremony]:
    """The national ceremonies matching the filters, with the first of their places
    (the point on the map; a ceremony without a place is listed, not mapped)."""
    pages = agenda_ceremonies(filters, locale=locale)
    places: dict[int, Place] = {}
    through = ContentPage.places.through
    for row in through.objects.filter(contentpage_id__in=[p.pk for p in pages]).select_related(
        "place"
    ):
        places.setdefault(row.contentpage_id, row.place)
    return [MapCeremony(page=page, place=places.get(page.pk)) for page in pages]


@dataclasses.dataclass(frozen=True)
class MapPlace:
    place: Place
    pages: list[ContentPage]


def map_places(*, locale: Locale) -> list[MapPlace]:
    """Historical places (content.Place) with up to three live pages of `locale` that
    name them."""
    pages = (
        ContentPage.objects.live()
        .public()
        .filter(locale=locale)
        .order_by("-history_start", "title")
        .only("id", "title", "url_path", "locale_id", "path", "depth")
    )
    places = Place.objects.prefetch_related(Prefetch("contentpage_set", queryset=pages))
    return [
        MapPlace(place=place, pages=list(place.contentpage_set.all())[:PLACE_PAGES])
        for place in places
    ]


@dataclasses.dataclass(frozen=True)
class MapStory:
    title: str
    url: str  # the story's page, in the story's language
    lang: str
    place: str  # "Bayeux (14)"
    latitude: float
    longitude: float


def map_stories() -> list[MapStory]:
    """Published testimonies of the collection whose commune has a point: a layer of
    their own (both languages: a story has one language and one page)."""
    return [
        MapStory(
            title=story.title,
            url=story_url(story),
            lang=story.language or "fr",
            place=f"{story.commune.name} ({story.commune.departement_id})",
            latitude=story.commune.latitude,
            longitude=story.commune.longitude,
        )
        for story in published_stories_placed()
    ]


def map_event(public_id: str) -> Project | None:
    """The labelled project behind a marker, with its sessions (the popup)."""
    return labelled_project(public_id)


def map_event_sessions(project: Project, *, limit: int = 3) -> list[Session]:
    return list(project.sessions.all()[:limit])


# -- The Liberation day by day -----------------------------------------------------------


def liberation_dates() -> list[LiberationDate]:
    return list(LiberationDate.objects.all())


def liberation_span() -> tuple[dt.date, dt.date] | None:
    first = LiberationDate.objects.order_by("date").values_list("date", flat=True).first()
    last = LiberationDate.objects.order_by("-date").values_list("date", flat=True).first()
    return (first, last) if first and last else None


def liberations_on(day: dt.date) -> list[LiberationDate]:
    return list(LiberationDate.objects.filter(date=day))


def liberated_by(day: dt.date) -> int:
    """How many places of the file were liberated on or before `day`."""
    return LiberationDate.objects.filter(date__lte=day).count()


def years_before(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February of a year whose counterpart is not leap
        return day.replace(year=day.year - years, day=28)


@dataclasses.dataclass(frozen=True)
class EightyYearsAgo:
    today: dt.date
    historical_day: dt.date
    liberations: list[LiberationDate]
    articles: list[ContentPage]
    sessions: list[Session]
    ceremonies: list[CeremonyPage]
    # What the home page includes to show it (content's template knows no app above it).
    template_name = "maps/eighty_years_ago.html"

    @property
    def is_empty(self) -> bool:
        return not (self.liberations or self.articles or self.sessions or self.ceremonies)


def eighty_years_ago(day: dt.date, *, locale: Locale) -> EightyYearsAgo:
    """What happened 80 years before `day` (liberations, articles whose historical
    period covers that day) and what happens on `day` (labelled events, ceremonies)."""
    past = years_before(day, ANNIVERSARY_YEARS)
    covers = Q(history_start__lte=past) & (
        Q(history_end__gte=past) | Q(history_end__isnull=True, history_start=past)
    )
    articles = list(
        ContentPage.objects.live()
        .public()
        .filter(covers, locale=locale)
        .exclude(content_type__model="ceremonypage")
        .order_by("-history_start", "title")
        .specific()[:DAY_ARTICLES]
    )
    filters = AgendaFilters(date_from=day, date_until=day)
    return EightyYearsAgo(
        today=day,
        historical_day=past,
        liberations=liberations_on(past),
        articles=articles,
        sessions=list(agenda_sessions(filters)[:DAY_EVENTS]),
        ceremonies=agenda_ceremonies(filters, locale=locale),
    )
