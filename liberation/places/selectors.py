"""Reads of the commune referential: autocomplete, lookup by code, label, name."""

import re
from dataclasses import dataclass

from django.db.models import Case, F, IntegerField, Q, QuerySet, Value, When

from .folding import fold
from .models import Commune

MAX_RESULTS = 10
MIN_QUERY_CHARS = 2
MAX_QUERY_CHARS = 100

# "14118", "2A004", "97209": an INSEE commune code. "14", "2A", "971": a département.
INSEE_RE = re.compile(r"^(?:\d{5}|2[AB]\d{3})$", re.IGNORECASE)
CODE_PREFIX_RE = re.compile(r"^(?:\d{2,5}|2[AB]\d{0,3})$", re.IGNORECASE)
# "Saint-Martin (73)": the label the autocomplete shows.
LABEL_RE = re.compile(r"^(?P<name>.+?)\s*\((?P<dept>\d{2,3}|2[AB])\)$", re.IGNORECASE)
ABBREVIATIONS = {"st": "saint", "ste": "sainte"}


@dataclass(frozen=True)
class CommuneHit:
    insee: str
    name: str
    departement: str
    postal_codes: list[str]
    lat: float | None
    lon: float | None

    @property
    def label(self) -> str:
        return commune_label(name=self.name, departement=self.departement)

    def as_json(self) -> dict:
        return {
            "insee": self.insee,
            "name": self.name,
            "departement": self.departement,
            "label": self.label,
            "postal_codes": self.postal_codes,
            "lat": self.lat,
            "lon": self.lon,
        }


def commune_label(*, name: str, departement: str) -> str:
    return f"{name} ({departement})"


def search_key(text: str) -> str:
    """The folded form the autocomplete compares, with "St"/"Ste" spelled out."""
    words = fold(text).split()
    return " ".join(ABBREVIATIONS.get(w, w) if i == 0 else w for i, w in enumerate(words))


def _hits(qs: QuerySet) -> list[CommuneHit]:
    return [
        CommuneHit(
            insee=c["insee"],
            name=c["name"],
            departement=c["departement_id"],
            postal_codes=c["postal_codes"].split(),
            lat=c["latitude"],
            lon=c["longitude"],
        )
        for c in qs.values(
            "insee", "name", "departement_id", "postal_codes", "latitude", "longitude"
        )
    ]


def commune_search(*, query: str, limit: int = MAX_RESULTS) -> list[CommuneHit]:
    """Communes whose name starts with `query` (accents and case ignored), or whose
    postal code or INSEE code starts with it; exact matches first, then the most
    populated. `query` must already be checked (see `commune_query_error`)."""
    query = query.strip()
    limit = max(1, min(limit, MAX_RESULTS))
    order = [F("population").desc(nulls_last=True), "name", "insee"]
    if CODE_PREFIX_RE.match(query):
        code = query.upper()
        qs = Commune.objects.filter(
            Q(insee__startswith=code)
            | Q(postal_codes__startswith=code)
            | Q(postal_codes__contains=" " + code)
        ).annotate(
            exact=Case(
                When(insee=code, then=Value(0)),
                When(Q(postal_codes=code) | Q(postal_codes__startswith=code + " "), then=Value(1)),
                When(postal_codes__contains=" " + code + " ", then=Value(1)),
                When(postal_codes__endswith=" " + code, then=Value(1)),
                default=Value(2),
                output_field=IntegerField(),
            )
        )
        return _hits(qs.order_by("exact", *order)[:limit])
    departement = None
    label = LABEL_RE.match(query)
    if label:
        query, departement = label["name"], label["dept"].upper()
    key = search_key(query)
    qs = Commune.objects.filter(search_name__startswith=key)
    if departement:
        qs = qs.filter(departement_id=departement)
    qs = qs.annotate(
        exact=Case(
            When(search_name=key, then=Value(0)), default=Value(1), output_field=IntegerField()
        )
    )
    return _hits(qs.order_by("exact", *order)[:limit])


def commune_query_error(query: str | None) -> str | None:
    """Why `query` cannot be searched (a message for the reader), or None."""
    from django.utils.translation import gettext as _

    if query is None or not query.strip():
        return _("Type the beginning of a commune name, a postal code or an INSEE code.")
    query = query.strip()
    if len(query) > MAX_QUERY_CHARS:
        return _("The search is too long (at most %(max)d characters).") % {"max": MAX_QUERY_CHARS}
    if CODE_PREFIX_RE.match(query):
        return None
    if len(search_key(query)) < MIN_QUERY_CHARS:
        return _("Type at least %(min)d letters of the commune's name.") % {"min": MIN_QUERY_CHARS}
    return None


def commune_by_code(code: str) -> Commune | None:
    code = code.strip().upper()
    if not INSEE_RE.match(code):
        return None
    return Commune.objects.filter(insee=code).select_related("departement").first()


def communes_named(*, name: str, departement: str | None = None) -> list[Commune]:
    """Communes whose folded name is exactly `name`'s (optionally in one département)."""
    qs = Commune.objects.filter(search_name=fold(name))
    if departement:
        qs = qs.filter(departement_id=departement.upper())
    return list(qs.order_by("insee")[:20])


def commune_from_text(text: str) -> tuple[Commune | None, list[Commune]]:
    """Read what a person typed: an INSEE code, a label "Caen (14)" or a bare name.
    Returns (the commune, []) when it is unambiguous, (None, candidates) otherwise."""
    text = text.strip()
    if not text:
        return None, []
    if INSEE_RE.match(text):
        commune = commune_by_code(text)
        return commune, []
    label = LABEL_RE.match(text)
    if label:
        found = communes_named(name=label["name"], departement=label["dept"])
    else:
        found = communes_named(name=text)
    if len(found) == 1:
        return found[0], []
    return None, found
