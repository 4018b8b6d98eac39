"""Which place each `places` entry of a file means, checked before anything is written.

A place is identified by its stable key, not by its name (docs/content-format.md):

- `key` given: that place (created when new). The line is authoritative: its name,
  point and commune are written on the place. Two lines giving one key two different
  points are refused.
- `insee` given (no key): the place of that commune (its key is the INSEE code, e.g.
  `14118`, `2a004`), or an existing place of the same name linked to that commune, or
  an existing unlinked place of the same name near the commune (it gets linked). The
  point of the line may differ (a memorial inside the commune): the place keeps its own.
- `name` only: the existing place of that name nearest to the line's point, if within
  `NEAR_KM` (a point inside the same commune): accepted, the place keeps its point. A
  place of that name farther away is another place (there are dozens of Saint-Martin):
  the line must say which with `key` or `insee`. No place of that name: a new one.
"""

from __future__ import annotations

import math
from decimal import Decimal

from liberation.content.models import Place, place_key_from
from liberation.places.folding import fold
from liberation.places.models import Commune

from .items import ImportError_, Item, PlaceSpec, PlaceTarget, item_error

NEAR_KM = 30


class _Problem(Exception):
    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field, self.message = field, message


def distance_km(lat1, lon1, lat2, lon2) -> float:
    """Great-circle distance (haversine, mean Earth radius)."""
    p1, p2 = math.radians(float(lat1)), math.radians(float(lat2))
    dp, dl = p2 - p1, math.radians(float(lon2) - float(lon1))
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371.0088 * math.asin(math.sqrt(a))


def _point(value: float | None) -> Decimal | None:
    return None if value is None else Decimal(str(value)).quantize(Decimal("0.00001"))


class _Resolver:
    def __init__(self, items: list[Item]):
        specs = [spec for item in items for spec in item.places]
        codes = {s.insee for s in specs if s.insee}
        self.communes = {c.insee: c for c in Commune.objects.filter(insee__in=codes)}
        keys = {s.key for s in specs if s.key} | {c.lower() for c in codes}
        names = {s.name for s in specs if s.name} | {c.name for c in self.communes.values()}
        rows = Place.objects.filter(key__in=keys) | Place.objects.filter(name__in=names)
        rows = rows | Place.objects.filter(commune_id__in=codes)
        self.places = {p.pk: p for p in rows}
        self.new: dict[str, PlaceTarget] = {}  # places this file creates, by key
        self.points: dict[str, tuple[Decimal, Decimal, int]] = {}  # key -> point, line

    # Lookups over the database and the places this file already creates.
    def by_key(self, key: str) -> PlaceTarget | None:
        if key in self.new:
            return self.new[key]
        for p in self.places.values():
            if p.key == key:
                return self.target(p)
        return None

    def by_name(self, name: str) -> list[PlaceTarget]:
        found = [self.target(p) for p in self.places.values() if p.name == name]
        return found + [t for t in self.new.values() if t.name == name and t.place_id is None]

    @staticmethod
    def target(place: Place, **changes) -> PlaceTarget:
        values = {
            "key": place.key,
            "name": place.name,
            "latitude": place.latitude,
            "longitude": place.longitude,
            "commune_id": place.commune_id,
            "place_id": place.pk,
        }
        return PlaceTarget(**{**values, **changes})

    def free_key(self, name: str) -> str:
        base = place_key_from(name)
        taken = {p.key for p in self.places.values()} | set(self.new)
        taken |= set(Place.objects.filter(key__startswith=base).values_list("key", flat=True))
        key, n = base, 1
        while key in taken:
            n += 1
            key = f"{base[: 120 - len(str(n)) - 1]}-{n}"
        return key

    def commune(self, spec: PlaceSpec) -> Commune | None:
        if not spec.insee:
            return None
        commune = self.communes.get(spec.insee)
        if commune is None:
            raise _Problem(
                ".insee",
                f"{spec.insee} is not a commune of the referential "
                "(check the code; the referential is loaded by manage.py load_communes)",
            )
        return commune

    def point(self, spec: PlaceSpec, commune: Commune | None) -> tuple[Decimal, Decimal]:
        if spec.latitude is not None:
            return spec.latitude, spec.longitude
        if commune is not None and commune.latitude is not None:
            return _point(commune.latitude), _point(commune.longitude)
        raise _Problem(".lat", "is required (lat and lon: the commune has no known point)")

    # The three ways a line names a place.
    def resolve(self, spec: PlaceSpec) -> PlaceTarget:
        commune = self.commune(spec)
        if spec.key:
            return self.resolve_key(spec, commune)
        if commune is not None:
            return self.resolve_commune(spec, commune)
        return self.resolve_name(spec)

    def resolve_key(self, spec: PlaceSpec, commune: Commune | None) -> PlaceTarget:
        known = self.by_key(spec.key)
        if known is None:
            name = spec.name or (commune.name if commune else "")
            if not name:
                raise _Problem(".name", f'is required: there is no place with the key "{spec.key}"')
            lat, lon = self.point(spec, commune)
            target = PlaceTarget(
                key=spec.key,
                name=name,
                latitude=lat,
                longitude=lon,
                commune_id=commune.insee if commune else None,
            )
        else:
            lat, lon = (
                (spec.latitude, spec.longitude)
                if spec.latitude is not None
                else (known.latitude, known.longitude)
            )
            target = PlaceTarget(
                key=known.key,
                name=spec.name or known.name,
                latitude=lat,
                longitude=lon,
                commune_id=commune.insee if commune else known.commune_id,
                place_id=known.place_id,
                authoritative=True,
            )
        self.new[target.key] = target
        return target

    def resolve_commune(self, spec: PlaceSpec, commune: Commune) -> PlaceTarget:
        name = spec.name or commune.name
        linked = [p for p in self.places.values() if p.commune_id == commune.insee]
        for place in sorted(linked, key=lambda p: (fold(p.name) != fold(name), p.pk)):
            if fold(place.name) == fold(name) or place.key == commune.insee.lower():
                return self.target(place)
        own = self.by_key(commune.insee.lower())
        if own is not None:
            return own
        lat, lon = self.point(spec, commune)
        for place in self.places.values():
            if (
                place.name == name
                and place.commune_id is None
                and distance_km(place.latitude, place.longitude, lat, lon) <= NEAR_KM
            ):
                return self.target(place, commune_id=commune.insee)  # linked on write
        key = commune.insee.lower()
        if Place.objects.filter(key=key).exists():
            key = self.free_key(name)
        target = PlaceTarget(
            key=key, name=name, latitude=lat, longitude=lon, commune_id=commune.insee
        )
        self.new[key] = target
        return target

    def resolve_name(self, spec: PlaceSpec) -> PlaceTarget:
        candidates = self.by_name(spec.name)
        if candidates:
            nearest = min(
                candidates,
                key=lambda t: distance_km(t.latitude, t.longitude, spec.latitude, spec.longitude),
            )
            km = distance_km(nearest.latitude, nearest.longitude, spec.latitude, spec.longitude)
            if km <= NEAR_KM:
                return nearest
            raise _Problem(
                "",
                f'"{spec.name}" is already the place "{nearest.key}" {km:.0f} km away '
                f"({nearest.latitude}, {nearest.longitude}); if this is another place, say "
                'which with "key" (a new slug) or "insee" (its commune\'s code)',
            )
        key = self.free_key(spec.name)
        target = PlaceTarget(
            key=key, name=spec.name, latitude=spec.latitude, longitude=spec.longitude
        )
        self.new[key] = target
        return target


def resolve_places(items: list[Item], errors: list[ImportError_]) -> dict[PlaceSpec, PlaceTarget]:
    """The place each entry means; an error for each entry that cannot be resolved."""
    resolver = _Resolver(items)
    targets: dict[PlaceSpec, PlaceTarget] = {}
    for item in items:
        for index, spec in enumerate(item.places):
            field = f"places[{index}]"
            if spec in targets:
                continue
            try:
                target = resolver.resolve(spec)
            except _Problem as problem:
                errors.append(item_error(item, field + problem.field, problem.message))
                continue
            if spec.key and spec.latitude is not None:
                first = resolver.points.setdefault(
                    spec.key, (spec.latitude, spec.longitude, item.line)
                )
                if first[:2] != (spec.latitude, spec.longitude):
                    errors.append(
                        item_error(
                            item,
                            field,
                            f'the place "{spec.key}" has other coordinates on line {first[2]} '
                            f"({first[0]}, {first[1]})",
                        )
                    )
                    continue
            targets[spec] = target
    return targets
