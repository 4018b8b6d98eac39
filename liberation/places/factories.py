"""Test and demo helpers: a handful of real communes, without loading the referential.

`communes_sample()` creates them (idempotent) and returns them by INSEE code. Two of
them share the name Saint-Martin on purpose.
"""

from .folding import fold
from .models import Commune, Departement, Region

__all__ = ["communes_sample", "fold"]

REGIONS = {
    "28": "Normandie",
    "11": "Île-de-France",
    "52": "Pays de la Loire",
    "32": "Hauts-de-France",
    "75": "Nouvelle-Aquitaine",
    "02": "Martinique",
    "84": "Auvergne-Rhône-Alpes",
    "93": "Provence-Alpes-Côte d'Azur",
}
DEPARTEMENTS = {
    "50": ("Manche", "28"),
    "14": ("Calvados", "28"),
    "75": ("Paris", "11"),
    "44": ("Loire-Atlantique", "52"),
    "59": ("Nord", "32"),
    "17": ("Charente-Maritime", "75"),
    "972": ("Martinique", "02"),
    "05": ("Hautes-Alpes", "93"),
    "73": ("Savoie", "84"),
}
# insee: (name, département, postal codes, population, latitude, longitude)
COMMUNES = {
    "50129": (
        "Cherbourg-en-Cotentin",
        "50",
        "50100 50110 50120 50130 50460 50470",
        76000,
        49.6394,
        -1.6163,
    ),
    "14118": ("Caen", "14", "14000", 105000, 49.1829, -0.3707),
    "14047": ("Bayeux", "14", "14400", 13000, 49.2764, -0.7024),
    "75056": ("Paris", "75", "75001 75002", 2100000, 48.8566, 2.3522),
    "44184": ("Saint-Nazaire", "44", "44600", 71000, 47.2735, -2.2138),
    "59183": ("Dunkerque", "59", "59140 59240 59640", 86000, 51.0343, 2.3768),
    "17306": ("Royan", "17", "17200", 19000, 45.6249, -1.0296),
    "97209": ("Fort-de-France", "972", "97200 97234", 76000, 14.6161, -61.0588),
    "05152": ("Saint-Martin-de-Queyrières", "05", "05120", 1100, 44.8236, 6.5808),
    "73265": ("Saint-Martin-de-Belleville", "73", "73440", 2700, 45.3803, 6.5056),
}


def communes_sample() -> dict[str, Commune]:
    for code, name in REGIONS.items():
        Region.objects.get_or_create(code=code, defaults={"name": name})
    for code, (name, region) in DEPARTEMENTS.items():
        Departement.objects.get_or_create(code=code, defaults={"name": name, "region_id": region})
    out = {}
    for insee, (name, dept, postal, population, lat, lon) in COMMUNES.items():
        out[insee], _ = Commune.objects.get_or_create(
            insee=insee,
            defaults={
                "name": name,
                "search_name": fold(name),
                "departement_id": dept,
                "postal_codes": postal,
                "population": population,
                "latitude": lat,
                "longitude": lon,
            },
        )
    return out
