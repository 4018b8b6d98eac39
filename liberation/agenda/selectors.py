"""Read-only queries of the agenda: labelled projects' sessions (and the national
ceremonies) matching an `AgendaFilters`, by date.

Queries stay on indexed columns where it matters: `programme_session.starts_at`, the
project's state, département, type and audience. A radius first narrows to a latitude
and longitude box (plain comparisons), then keeps the points whose haversine distance
is within the radius; both are computed by the database (SQLite and PostgreSQL), so
counting and paginating stay in SQL.
"""

import dataclasses
import datetime as dt
import math
from collections.abc import Iterator

from django.db.models import Exists, F, OuterRef, Prefetch, Q, QuerySet
from django.db.models.functions import ASin, Cos, Power, Radians, Sin, Sqrt
from django.utils import timezone
from wagtail.models import Locale

from liberation.events.models import CeremonyPage
from liberation.programme.models import Project, Session

from .filters import AgendaFilters

EARTH_RADIUS_KM = 6371.0088
KM_PER_DEGREE = 111.32
# A calendar feed or a syndication feed never lists more than this many sessions.
MAX_CEREMONIES = 200


def _day_start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def _bounds(filters: AgendaFilters) -> tuple[dt.datetime | None, dt.datetime | None]:
    start = _day_start(filters.date_from) if filters.date_from else None
    end = _day_start(filters.date_until + dt.timedelta(days=1)) if filters.date_until else None
    return start, end


def bounding_box(
    latitude: float, longitude: float, radius_km: float
) -> tuple[float, float, float, float]:
    """(min lat, max lat, min lon, max lon) of a box holding the circle."""
    dlat = radius_km / KM_PER_DEGREE
    cos_lat = max(math.cos(math.radians(latitude)), 0.01)
    dlon = min(radius_km / (KM_PER_DEGREE * cos_lat), 180.0)
    return latitude - dlat, latitude + dlat, longitude - dlon, longitude + dlon


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


def _distance_expression(prefix: str, latitude: float, longitude: float):
    lat = Radians(F(f"{prefix}latitude"))
    lon = Radians(F(f"{prefix}longitude"))
    lat0, lon0 = math.radians(latitude), math.radians(longitude)
    a = Power(Sin((lat - lat0) / 2), 2) + math.cos(lat0) * Cos(lat) * Power(
        Sin((lon - lon0) / 2), 2
    )
    return 2 * EARTH_RADIUS_KM * ASin(Sqrt(a))


def _project_q(filters: AgendaFilters, prefix: str = "") -> Q:
    """The conditions on the project (state and every filter but the dates)."""
    p = prefix
    q = Q(**{f"{p}state": Project.State.LABELLED})
    if filters.departement:
        q &= Q(**{f"{p}departement_id": filters.departement})
    if filters.commune and not filters.radius_km:
        q &= Q(**{f"{p}commune_id": filters.commune})
    if filters.radius_km and filters.latitude is not None and filters.longitude is not None:
        lat_min, lat_max, lon_min, lon_max = bounding_box(
            filters.latitude, filters.longitude, filters.radius_km
        )
        q &= Q(
            **{
                f"{p}latitude__gte": lat_min,
                f"{p}latitude__lte": lat_max,
                f"{p}longitude__gte": lon_min,
                f"{p}longitude__lte": lon_max,
            }
        )
    if filters.kind:
        q &= Q(**{f"{p}kind": filters.kind})
    if filters.theme:
        q &= Q(**{f"{p}theme__slug": filters.theme})
    if filters.audience:
        q &= Q(**{f"{p}audience": filters.audience})
    for flag in filters.accessibility:
        q &= Q(**{f"{p}{flag}": True})
    if filters.free:
        q &= Q(**{f"{p}free": True})
    return q


def _within_radius(qs: QuerySet, filters: AgendaFilters, prefix: str) -> QuerySet:
    if not filters.radius_km or filters.latitude is None or filters.longitude is None:
        return qs
    return qs.alias(
        distance_km=_distance_expression(prefix, filters.latitude, filters.longitude)
    ).filter(distance_km__lte=filters.radius_km)


def _date_q(filters: AgendaFilters, prefix: str = "") -> Q:
    """Sessions overlapping the dates: a long exhibition open on the day counts."""
    start, end = _bounds(filters)
    q = Q()
    if start is not None:
        q &= Q(**{f"{prefix}ends_at__gte": start})
    if end is not None:
        q &= Q(**{f"{prefix}starts_at__lt": end})
    return q


def agenda_sessions(filters: AgendaFilters) -> QuerySet[Session]:
    """Sessions of labelled projects matching the filters, by start time, with their
    project, commune, département and theme (one query)."""
    qs = (
        Session.objects.filter(_project_q(filters, "project__"), _date_q(filters))
        .select_related("project", "project__commune", "project__departement", "project__theme")
        .order_by("starts_at", "pk")
    )
    return _within_radius(qs, filters, "project__")


def agenda_projects(filters: AgendaFilters) -> QuerySet[Project]:
    """Labelled projects with at least one session matching the filters, by their
    first session, with commune, département and theme."""
    sessions = Session.objects.filter(_date_q(filters), project=OuterRef("pk"))
    qs = (
        Project.objects.filter(_project_q(filters))
        .filter(Exists(sessions))
        .select_related("commune", "departement", "theme")
        .order_by("pk")
    )
    return _within_radius(qs, filters, "")


def agenda_ceremonies(filters: AgendaFilters, *, locale: Locale) -> list[CeremonyPage]:
    """Live national ceremonies in `locale` within the dates (none when a filter they
    cannot match is set)."""
    if filters.excludes_ceremonies:
        return []
    start, end = _bounds(filters)
    qs = CeremonyPage.objects.live().public().filter(locale=locale)
    if start is not None:
        qs = qs.filter(starts_at__gte=start)
    if end is not None:
        qs = qs.filter(starts_at__lt=end)
    return list(qs.order_by("starts_at", "pk")[:MAX_CEREMONIES])


@dataclasses.dataclass(frozen=True)
class AgendaItem:
    """One line of the agenda: a session of a labelled project or a ceremony."""

    starts_at: dt.datetime
    ends_at: dt.datetime | None
    session: Session | None = None
    ceremony: CeremonyPage | None = None

    @property
    def day(self) -> dt.date:
        return timezone.localdate(self.starts_at)

    @property
    def project(self) -> Project | None:
        return self.session.project if self.session is not None else None


class AgendaList:
    """Sessions and ceremonies merged by start time, sliceable and countable for
    django.core.paginator.Paginator without loading every session.

    Ceremonies are few: the position of each in the merged list is its rank plus the
    number of sessions starting before it (one COUNT each)."""

    def __init__(self, sessions: QuerySet[Session], ceremonies: list[CeremonyPage]):
        self.sessions = sessions
        self.ceremonies = ceremonies
        self._count: int | None = None
        self._positions: list[int] | None = None

    def count(self) -> int:
        if self._count is None:
            self._count = self.sessions.count() + len(self.ceremonies)
        return self._count

    def __len__(self) -> int:
        return self.count()

    def positions(self) -> list[int]:
        if self._positions is None:
            self._positions = [
                rank + self.sessions.filter(starts_at__lt=ceremony.starts_at).count()
                for rank, ceremony in enumerate(self.ceremonies)
            ]
        return self._positions

    def __getitem__(self, key: slice) -> list[AgendaItem]:
        if not isinstance(key, slice):
            raise TypeError("AgendaList supports slices only")
        start, stop = (
            key.start or 0,
            min(key.stop if key.stop is not None else self.count(), self.count()),
        )
        if stop <= start:
            return []
        positions = self.positions()
        at = {p: c for p, c in zip(positions, self.ceremonies, strict=True) if start <= p < stop}
        before = sum(1 for p in positions if p < start)
        first = start - before
        wanted = (stop - start) - len(at)
        sessions: Iterator[Session] = iter(self.sessions[first : first + wanted])
        items = []
        for position in range(start, stop):
            ceremony = at.get(position)
            if ceremony is not None:
                items.append(
                    AgendaItem(
                        starts_at=ceremony.starts_at, ends_at=ceremony.ends_at, ceremony=ceremony
                    )
                )
                continue
            session = next(sessions, None)
            if session is None:
                break
            items.append(
                AgendaItem(starts_at=session.starts_at, ends_at=session.ends_at, session=session)
            )
        return items


def agenda_list(filters: AgendaFilters, *, locale: Locale) -> AgendaList:
    return AgendaList(agenda_sessions(filters), agenda_ceremonies(filters, locale=locale))


# What the feeds (iCal, RSS/Atom) read of each session's rows: fewer columns, faster
# rows when a calendar holds thousands of sessions.
FEED_FIELDS = (
    "starts_at",
    "ends_at",
    "project__public_id",
    "project__title",
    "project__title_en",
    "project__description",
    "project__description_en",
    "project__venue",
    "project__kind",
    "project__status",
    "project__updated_at",
    "project__labelled_at",
    "project__latitude",
    "project__longitude",
    "project__commune__name",
    "project__commune__postal_codes",
    "project__departement__name",
    "project__theme__name_fr",
    "project__theme__name_en",
)


def agenda_session_rows(filters: AgendaFilters, *, limit: int) -> list[dict]:
    """The first `limit` matching sessions as plain rows (FEED_FIELDS and "pk"): a
    calendar of thousands of sessions builds no model instances."""
    return list(agenda_sessions(filters).values("pk", *FEED_FIELDS)[:limit])


def session_row(session: Session) -> dict:
    """The same row for a session whose project (commune, theme) is loaded."""
    row: dict = {"pk": session.pk}
    for name in FEED_FIELDS:
        value = session
        for part in name.split("__"):
            value = getattr(value, part, None) if value is not None else None
        row[name] = value
    return row


def agenda_items(filters: AgendaFilters, *, locale: Locale, limit: int) -> list[AgendaItem]:
    """At most `limit` sessions plus the matching ceremonies, by start time (feeds)."""
    merged = agenda_list(filters, locale=locale)
    sessions = list(merged.sessions.only(*FEED_FIELDS)[:limit])
    items = [AgendaItem(starts_at=s.starts_at, ends_at=s.ends_at, session=s) for s in sessions]
    if merged.ceremonies and sessions:
        last = sessions[-1].starts_at if len(sessions) == limit else None
        items += [
            AgendaItem(starts_at=c.starts_at, ends_at=c.ends_at, ceremony=c)
            for c in merged.ceremonies
            if last is None or c.starts_at <= last
        ]
    elif merged.ceremonies:
        items += [
            AgendaItem(starts_at=c.starts_at, ends_at=c.ends_at, ceremony=c)
            for c in merged.ceremonies
        ]
    return sorted(items, key=lambda item: item.starts_at)


def labelled_projects(public_ids: list[str]) -> QuerySet[Project]:
    """The public events among these public ids (labelled projects: the agenda shows
    them, whatever their status), with commune, département, theme and sessions."""
    return (
        Project.objects.filter(public_id__in=public_ids, state=Project.State.LABELLED)
        .select_related("commune", "departement", "theme")
        .prefetch_related("sessions")
        .order_by("pk")
    )


def labelled_public_ids() -> list[str]:
    """The public ids of every public event (for a rebuild of the search index)."""
    return list(
        Project.objects.filter(state=Project.State.LABELLED)
        .order_by("pk")
        .values_list("public_id", flat=True)
    )


def labelled_project(public_id: str) -> Project | None:
    """The labelled project with this public id, with its sessions; None otherwise."""
    return labelled_projects([public_id]).first()


def agenda_projects_with_sessions(filters: AgendaFilters) -> QuerySet[Project]:
    """`agenda_projects` with the matching sessions of each in `matching_sessions`
    (one more query per chunk of projects)."""
    sessions = Session.objects.filter(_date_q(filters)).order_by("starts_at", "pk")
    return agenda_projects(filters).prefetch_related(
        Prefetch("sessions", queryset=sessions, to_attr="matching_sessions")
    )
