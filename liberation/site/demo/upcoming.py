"""The demo's upcoming ceremony: the next 8 May after the day the demo is loaded.

Dates are derived from that year alone (not from the current time), so reloading the
demo on another day of the same year produces the same lines and writes nothing.
Registration opens the day after the previous 8 May and closes on 5 May.
"""

import datetime as dt
import json
from pathlib import Path
from zoneinfo import ZoneInfo

PARIS = ZoneInfo("Europe/Paris")

THEMES = {
    # slug: (French name, English name) for the themes used by the demo content.
    "debarquements": ("Débarquements", "Landings"),
    "bataille-de-normandie": ("Bataille de Normandie", "Battle of Normandy"),
    "resistance": ("Résistance", "Resistance"),
    "liberation-des-villes": ("Libération des villes", "Liberation of the cities"),
    "poches-de-l-atlantique": ("Poches de l’Atlantique", "Atlantic pockets"),
    "deportation": ("Déportation", "Deportation"),
    "memoire": ("Mémoire", "Remembrance"),
    "reconstruction": ("Reconstruction", "Reconstruction"),
    "victoire": ("Victoire", "Victory"),
    "commemorations": ("Commémorations", "Commemorations"),
    # The Mission's four themes, which cut across every topic.
    "jeunesse-et-resistance": ("Jeunesse et Résistance", "Youth and the Resistance"),
    "resilience-des-civils": ("Résilience des civils", "Civilian resilience"),
    "alliances": ("Alliances", "The alliances"),
    "retour-de-la-republique": ("Retour de la République", "Return of the Republic"),
}


def next_ceremony_year(today: dt.date) -> int:
    return today.year if today <= dt.date(today.year, 5, 8) else today.year + 1


def upcoming_lines(*, year: int) -> list[dict]:
    starts = dt.datetime(year, 5, 8, 17, 30, tzinfo=PARIS)
    ends = dt.datetime(year, 5, 8, 19, 0, tzinfo=PARIS)
    registration = {
        "capacity": 500,
        "opens_at": dt.datetime(year - 1, 5, 9, 10, 0, tzinfo=PARIS).isoformat(),
        "closes_at": dt.datetime(year, 5, 5, 23, 59, tzinfo=PARIS).isoformat(),
        "mode": "first_come",
    }
    anniversary = year - 1945
    fr_key, en_key = f"ceremonie-8-mai-{year}", f"ceremony-8-may-{year}"
    venue = "Place Charles-de-Gaulle, Paris"
    common = {
        "type": "ceremony",
        "published": dt.date(year - 1, 11, 11).isoformat(),
        "starts_at": starts.isoformat(),
        "ends_at": ends.isoformat(),
        "venue": venue,
        "themes": ["commemorations", "victoire"],
        "places": [{"name": "Arc de Triomphe", "lat": 48.8738, "lon": 2.295}],
        "history": {"start": "1945-05-08", "end": "1945-05-08"},
    }
    return [
        {
            **common,
            "key": fr_key,
            "lang": "fr",
            "title": f"Commémoration de la Victoire du 8 mai 1945 : cérémonie du 8 mai {year}",
            "lead": (
                f"Le 8 mai {year}, {anniversary} ans après la victoire du 8 mai 1945, une "
                "cérémonie se tient à l’Arc de Triomphe, sur la tombe du Soldat inconnu. "
                "L’inscription préalable est obligatoire pour y assister ; les places sont "
                "limitées et chaque participant fait l’objet d’un contrôle de sécurité."
            ),
            "body": (
                "## Programme\n\n"
                "- 16 h 30 : ouverture des accès, contrôle des badges et des pièces d’identité ;\n"
                "- 17 h 30 : honneurs militaires et revue des troupes ;\n"
                "- 17 h 45 : dépôt de gerbe sur la tombe du Soldat inconnu et ravivage de la "
                "Flamme ;\n"
                "- 18 h 00 : minute de silence, *La Marseillaise* et *Le Chant des partisans*.\n\n"
                "## Inscription\n\n"
                "L’inscription est individuelle et nominative : chaque personne inscrite peut "
                "être accompagnée de deux personnes au plus, nommées lors de l’inscription. "
                "Un badge est délivré après le contrôle de sécurité."
            ),
            "registration": registration,
        },
        {
            **common,
            "key": en_key,
            "lang": "en",
            "translation_of": fr_key,
            "title": f"Commemoration of the Victory of 8 May 1945: the ceremony of 8 May {year}",
            "lead": (
                f"On 8 May {year}, {anniversary} years after the victory of 8 May 1945, a "
                "ceremony is held at the Arc de Triomphe, at the Tomb of the Unknown Soldier. "
                "Prior registration is mandatory to attend; seats are limited and every "
                "attendee is screened by the security services."
            ),
            "body": (
                "## Programme\n\n"
                "- 4.30 pm: gates open, badges and identity documents checked;\n"
                "- 5.30 pm: military honours and review of the troops;\n"
                "- 5.45 pm: wreath laying on the Tomb of the Unknown Soldier and rekindling "
                "of the Flame;\n"
                "- 6 pm: minute of silence, *La Marseillaise* and *Le Chant des partisans*.\n\n"
                "## Registration\n\n"
                "Registration is personal and named: each registrant may bring up to two "
                "companions, named when registering. A badge is issued after the security "
                "screening."
            ),
        },
    ]


def write_upcoming(*, folder: Path, today: dt.date) -> tuple[Path, str]:
    """Write the lines to `folder`/upcoming.jsonl; return the path and the French key."""
    lines = upcoming_lines(year=next_ceremony_year(today))
    path = folder / "upcoming.jsonl"
    path.write_text(
        "".join(json.dumps(line, ensure_ascii=False) + "\n" for line in lines), encoding="utf-8"
    )
    return path, lines[0]["key"]
