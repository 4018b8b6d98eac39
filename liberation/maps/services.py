"""Writes of the maps app: loading the Liberation day by day from its editorial file.

The file is checked whole before anything is written; then, in one transaction, each
row is created or updated by its `key` and rows whose key left the file are deleted.
Loading the same file twice writes nothing the second time.
"""

import csv
import dataclasses
import datetime as dt
import re
from pathlib import Path

from django.db import transaction

from .models import LiberationDate

DATA_FILE = Path(__file__).resolve().parent / "data" / "liberation_dates.csv"
COLUMNS = ("key", "insee", "departement", "place", "date", "latitude", "longitude", "source")
KEY_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
INSEE_RE = re.compile(r"^(\d{5}|2[AB]\d{3})$")
DEPARTEMENT_RE = re.compile(r"^(\d{2,3}|2[AB])$")
# The liberation of French territory: Corsica (September 1943) to the Atlantic pockets
# (May 1945).
FIRST_DAY = dt.date(1943, 1, 1)
LAST_DAY = dt.date(1945, 12, 31)


class LoadFailed(Exception):
    def __init__(self, errors: list[str]):
        super().__init__("; ".join(errors))
        self.errors = errors


@dataclasses.dataclass(frozen=True)
class LoadReport:
    created: int
    updated: int
    unchanged: int
    deleted: int

    def summary(self) -> str:
        return (
            f"{self.created} created, {self.updated} updated, {self.unchanged} unchanged, "
            f"{self.deleted} deleted"
        )


def _parse_row(line: int, row: dict[str, str]) -> tuple[dict | None, list[str]]:
    errors = []
    values = {name: (row.get(name) or "").strip() for name in COLUMNS}
    if not KEY_RE.match(values["key"]):
        errors.append(f"line {line}: key “{values['key']}” is not a slug")
    if values["insee"] and not INSEE_RE.match(values["insee"]):
        errors.append(f"line {line}: “{values['insee']}” is not an INSEE commune code")
    if not DEPARTEMENT_RE.match(values["departement"]):
        errors.append(f"line {line}: “{values['departement']}” is not a département code")
    if (
        values["insee"]
        and values["departement"]
        and not values["insee"].startswith(values["departement"][:2])
    ):
        errors.append(f"line {line}: commune {values['insee']} is not in {values['departement']}")
    if not values["place"]:
        errors.append(f"line {line}: the place has no name")
    if not values["source"]:
        errors.append(f"line {line}: a source is required")
    try:
        day = dt.date.fromisoformat(values["date"])
        if not FIRST_DAY <= day <= LAST_DAY:
            errors.append(f"line {line}: {day} is outside {FIRST_DAY}–{LAST_DAY}")
    except ValueError:
        errors.append(f"line {line}: “{values['date']}” is not a date (YYYY-MM-DD)")
        day = None
    try:
        latitude, longitude = float(values["latitude"]), float(values["longitude"])
        if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
            errors.append(f"line {line}: coordinates out of range")
    except ValueError:
        errors.append(f"line {line}: latitude and longitude must be numbers")
        latitude = longitude = None
    if errors:
        return None, errors
    return {
        "insee": values["insee"],
        "departement": values["departement"],
        "place": values["place"],
        "date": day,
        "latitude": latitude,
        "longitude": longitude,
        "source": values["source"],
    }, []


def liberation_dates_read(*, path: Path = DATA_FILE) -> dict[str, dict]:
    """The rows of the file by key; raises LoadFailed listing every error."""
    rows: dict[str, dict] = {}
    errors: list[str] = []
    seen: set[str] = set()
    with open(path, encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        missing = [name for name in COLUMNS if name not in (reader.fieldnames or [])]
        if missing:
            raise LoadFailed([f"missing columns: {', '.join(missing)}"])
        for line, row in enumerate(reader, start=2):
            values, row_errors = _parse_row(line, row)
            errors.extend(row_errors)
            key = (row.get("key") or "").strip()
            if key in seen:
                errors.append(f"line {line}: key “{key}” appears twice")
            seen.add(key)
            if values is not None:
                rows[key] = values
    if errors:
        raise LoadFailed(errors)
    return rows


@transaction.atomic
def liberation_dates_load(*, path: Path = DATA_FILE) -> LoadReport:
    rows = liberation_dates_read(path=path)
    existing = {row.key: row for row in LiberationDate.objects.select_for_update()}
    created = updated = unchanged = 0
    for key, values in rows.items():
        current = existing.get(key)
        if current is None:
            LiberationDate.objects.create(key=key, **values)
            created += 1
        elif any(getattr(current, name) != value for name, value in values.items()):
            for name, value in values.items():
                setattr(current, name, value)
            current.save()
            updated += 1
        else:
            unchanged += 1
    gone = [key for key in existing if key not in rows]
    deleted, _ = LiberationDate.objects.filter(key__in=gone).delete()
    return LoadReport(created=created, updated=updated, unchanged=unchanged, deleted=deleted)
