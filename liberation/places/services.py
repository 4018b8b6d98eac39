"""Writes of the commune referential: loading the COG file (see docs/places.md).

`referential_load()` reads liberation/places/data/cog.csv.gz (or another file of the
same format), then upserts régions, départements and communes in one transaction
(`bulk_create(update_conflicts=True)`, a few statements per 2,000 rows). It never
deletes a row unless asked (`prune=True`), and even then never a commune that another
row refers to (an application, a place): those are kept and counted.
"""

import csv
import gzip
import hashlib
import io
from dataclasses import dataclass, field
from pathlib import Path

from django.db import transaction

from .folding import fold
from .models import Commune, Departement, ReferentialLoad, Region

DEFAULT_FILE = Path(__file__).resolve().parent / "data" / "cog.csv.gz"
REFERENTIAL = "cog"
BATCH = 2000


class ReferentialFileError(ValueError):
    """The file cannot be read as a referential: nothing was written."""


@dataclass
class ReferentialData:
    version: str
    sources: dict[str, str] = field(default_factory=dict)
    regions: list[Region] = field(default_factory=list)
    departements: list[Departement] = field(default_factory=list)
    communes: list[Commune] = field(default_factory=list)

    @property
    def unplaced(self) -> int:
        return sum(1 for c in self.communes if c.latitude is None)


@dataclass
class LoadReport:
    version: str
    skipped: bool = False
    regions: int = 0
    departements: int = 0
    communes: int = 0
    unplaced: int = 0
    created: int = 0
    stale: int = 0
    deleted: int = 0
    kept_referenced: int = 0


def _float(value: str, *, line: int) -> float | None:
    if value == "":
        return None
    try:
        number = float(value)
    except ValueError:
        raise ReferentialFileError(f"line {line}: not a number: {value!r}") from None
    return number


def _read_bytes(path: Path) -> bytes:
    try:
        return Path(path).read_bytes()
    except OSError as exc:
        raise ReferentialFileError(f"cannot read {path}: {exc.strerror}") from None


def referential_read(path: Path, raw: bytes | None = None) -> ReferentialData:
    """Parse a referential file (gzip or plain CSV); raise ReferentialFileError."""
    raw = _read_bytes(path) if raw is None else raw
    version = hashlib.sha256(raw).hexdigest()
    try:
        text = gzip.decompress(raw).decode("utf-8") if raw[:2] == b"\x1f\x8b" else raw.decode()
    except (OSError, UnicodeDecodeError, EOFError) as exc:
        raise ReferentialFileError(
            f"{path} is not a UTF-8 CSV file (or gzip of one): {exc}"
        ) from None
    data = ReferentialData(version=version)
    for line, row in enumerate(csv.reader(io.StringIO(text)), start=1):
        if not row:
            continue
        kind = row[0]
        try:
            if kind == "meta":
                data.sources[row[1]] = row[2]
            elif kind == "region":
                data.regions.append(Region(code=row[1], name=row[2]))
            elif kind == "departement":
                data.departements.append(
                    Departement(code=row[1], name=row[2], region_id=row[3] or None)
                )
            elif kind == "commune":
                insee, name, dept, postal, population, lat, lon = row[1:8]
                lat_f, lon_f = _float(lat, line=line), _float(lon, line=line)
                if (lat_f is None) != (lon_f is None) or (
                    lat_f is not None and not (-90 <= lat_f <= 90 and -180 <= lon_f <= 180)
                ):
                    raise ReferentialFileError(f"line {line}: bad coordinates {lat!r}, {lon!r}")
                if not insee or not name or not dept:
                    raise ReferentialFileError(f"line {line}: code, name and département needed")
                data.communes.append(
                    Commune(
                        insee=insee,
                        name=name,
                        search_name=fold(name),
                        departement_id=dept,
                        postal_codes=postal,
                        population=int(population) if population else None,
                        latitude=lat_f,
                        longitude=lon_f,
                    )
                )
            else:
                raise ReferentialFileError(f"line {line}: unknown row kind {kind!r}")
        except (IndexError, ValueError) as exc:
            if isinstance(exc, ReferentialFileError):
                raise
            raise ReferentialFileError(f"line {line}: malformed row ({exc})") from None
    if not data.communes:
        raise ReferentialFileError(f"{path} has no commune")
    region_codes = {r.code for r in data.regions}
    dept_codes = {d.code for d in data.departements}
    for d in data.departements:
        if d.region_id and d.region_id not in region_codes:
            raise ReferentialFileError(f"département {d.code}: unknown région {d.region_id}")
    for c in data.communes:
        if c.departement_id not in dept_codes:
            raise ReferentialFileError(f"commune {c.insee}: unknown département {c.departement_id}")
    return data


def _referenced_communes(codes: set[str]) -> set[str]:
    """Which of these communes another row points to (any foreign key to Commune)."""
    referenced: set[str] = set()
    for rel in commune_relations():
        model, column = rel.related_model, rel.field.attname
        referenced |= set(
            model._base_manager.filter(**{f"{column}__in": codes}).values_list(column, flat=True)
        )
    return referenced


def commune_relations() -> list:
    """Every foreign key to Commune, hidden ones (related_name="+") included."""
    return [
        f
        for f in Commune._meta.get_fields(include_hidden=True)
        if f.auto_created and not f.concrete and (f.one_to_many or f.one_to_one)
    ]


def referential_load(
    *, path: Path = DEFAULT_FILE, force: bool = False, prune: bool = False
) -> LoadReport:
    """Load the referential file; skip when the same file was loaded already."""
    raw = _read_bytes(path)
    version = hashlib.sha256(raw).hexdigest()
    if not force:
        state = ReferentialLoad.objects.filter(name=REFERENTIAL).first()
        if state and state.version == version:
            return LoadReport(version=version, skipped=True, communes=state.communes)
    data = referential_read(path, raw)
    report = LoadReport(
        version=data.version,
        regions=len(data.regions),
        departements=len(data.departements),
        communes=len(data.communes),
        unplaced=data.unplaced,
    )
    with transaction.atomic():
        state = ReferentialLoad.objects.select_for_update().filter(name=REFERENTIAL).first()
        if state and state.version == data.version and not force:
            report.skipped = True
            return report
        before = Commune.objects.count()
        Region.objects.bulk_create(
            data.regions, update_conflicts=True, unique_fields=["code"], update_fields=["name"]
        )
        Departement.objects.bulk_create(
            data.departements,
            update_conflicts=True,
            unique_fields=["code"],
            update_fields=["name", "region"],
        )
        Commune.objects.bulk_create(
            data.communes,
            batch_size=BATCH,
            update_conflicts=True,
            unique_fields=["insee"],
            update_fields=[
                "name",
                "search_name",
                "departement",
                "postal_codes",
                "population",
                "latitude",
                "longitude",
            ],
        )
        codes = {c.insee for c in data.communes}
        stale = set(Commune.objects.exclude(insee__in=codes).values_list("insee", flat=True))
        report.created = Commune.objects.count() - before
        report.stale = len(stale)
        if prune and stale:
            keep = _referenced_communes(stale)
            report.kept_referenced = len(keep)
            report.deleted, _ = Commune.objects.filter(insee__in=stale - keep).delete()
            report.stale = len(keep)
        ReferentialLoad.objects.update_or_create(
            name=REFERENTIAL,
            defaults={
                "version": data.version,
                "sources": "; ".join(f"{k}={v}" for k, v in sorted(data.sources.items()))[:255],
                "communes": len(data.communes),
            },
        )
    return report
