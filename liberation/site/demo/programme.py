"""Programmes of labelled projects: a large generated one for benchmarks
(`manage.py generate_programme`) and a small hand-written one for the demo content
(`load_demo`), so that `make run` shows a living agenda.

Both write rows directly with bulk_create (generated data, no review to go through):
never run the generator on a production database.
"""

import dataclasses
import datetime as dt
import hashlib
import random
import secrets

from django.db import transaction
from django.utils import timezone

from liberation.content.models import Theme
from liberation.places.factories import communes_sample
from liberation.places.models import Commune
from liberation.programme.models import Campaign, Project, Session

BATCH = 2000
K = Project.Kind
SUBJECTS = [
    ("la Libération", "the Liberation"),
    ("la Résistance", "the Resistance"),
    ("le Débarquement", "the Landings"),
    ("les Justes", "the Righteous"),
    ("l’été 1944", "the summer of 1944"),
    ("les libérateurs", "the liberators"),
    ("la Reconstruction", "the Reconstruction"),
    ("les femmes dans la guerre", "women in the war"),
]
TITLES = {
    K.CEREMONY: ("Cérémonie commémorative : {s}", "Commemorative ceremony: {e}"),
    K.EXHIBITION: ("Exposition « {s} »", "Exhibition “{e}”"),
    K.CONCERT: ("Concert pour {s}", "Concert for {e}"),
    K.CONFERENCE: ("Conférence : {s}", "Talk: {e}"),
    K.SCREENING: ("Projection-débat sur {s}", "Screening and debate on {e}"),
    K.EDUCATIONAL: ("Projet pédagogique : {s}", "School project: {e}"),
    K.SPORT: ("Course du souvenir : {s}", "Remembrance run: {e}"),
    K.OTHER: ("Journée {s}", "{e} day"),
}
VENUES = [
    "Salle des fêtes",
    "Place de la Mairie",
    "Médiathèque",
    "Monument aux morts",
    "Musée municipal",
    "Église Saint-Pierre",
    "Collège Jean-Moulin",
    "Stade municipal",
    "Cinéma Le Rex",
    "Parc de la Libération",
]
STATUSES = [
    (Project.Status.SCHEDULED, 0.90),
    (Project.Status.CANCELLED, 0.03),
    (Project.Status.POSTPONED, 0.02),
    (Project.Status.FULL, 0.02),
    (Project.Status.RESCHEDULED, 0.02),
    (Project.Status.MOVED_ONLINE, 0.01),
]
OTHER_STATES = [
    Project.State.SUBMITTED,
    Project.State.UNDER_REVIEW,
    Project.State.CHANGES_REQUESTED,
    Project.State.REFUSED,
    Project.State.DRAFT,
]


@dataclasses.dataclass
class Generated:
    labelled: int = 0
    applications: int = 0
    sessions: int = 0


def _campaign(name: str, start: dt.date, days: int) -> Campaign:
    now = timezone.now()
    campaign, _ = Campaign.objects.get_or_create(
        name=name,
        defaults={
            "opens_at": now - dt.timedelta(days=60),
            "closes_at": now + dt.timedelta(days=30),
            "events_from": start,
            "events_until": start + dt.timedelta(days=days),
        },
    )
    return campaign


def _sessions(rng: random.Random, kind: str, start: dt.date, days: int) -> list[tuple]:
    day = start + dt.timedelta(days=rng.randrange(days))
    hour = rng.choice([9, 10, 11, 14, 15, 16, 18, 20])
    first = timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))
    if kind == K.EXHIBITION:
        return [(first, first + dt.timedelta(days=rng.randint(2, 30), hours=8))]
    count = rng.choices([1, 2, 3], weights=[70, 20, 10])[0]
    length = dt.timedelta(hours=rng.choice([1, 2, 3]))
    return [
        (first + dt.timedelta(days=7 * i), first + dt.timedelta(days=7 * i) + length)
        for i in range(count)
    ]


def generate_programme(
    *,
    events: int,
    applications: int = 0,
    seed: int = 1,
    start: dt.date | None = None,
    days: int = 365,
) -> Generated:
    """`events` labelled projects (with 1 to 3 sessions each, or one long exhibition)
    and `applications` projects in other states, spread over the communes that have a
    point (the sample communes when none is loaded)."""
    rng = random.Random(seed)
    start = start or timezone.localdate()
    communes = list(
        Commune.objects.filter(latitude__isnull=False).values_list(
            "insee", "departement_id", "latitude", "longitude", "name"
        )
    )
    if not communes:
        communes_sample()
        return generate_programme(
            events=events, applications=applications, seed=seed, start=start, days=days
        )
    theme_ids = list(Theme.objects.values_list("pk", flat=True)) or [None]
    campaign = _campaign("Programme généré", start, days)
    statuses, weights = zip(*STATUSES, strict=True)
    kinds = list(K.values)
    now = timezone.now()
    out = Generated()
    total = events + applications
    with transaction.atomic():
        for offset in range(0, total, BATCH):
            projects, plans = [], []
            for n in range(offset, min(total, offset + BATCH)):
                labelled = n < events
                insee, dept, lat, lon, name = rng.choice(communes)
                kind = rng.choice(kinds)
                subject_fr, subject_en = rng.choice(SUBJECTS)
                title_fr, title_en = TITLES[kind]
                project = Project(
                    token_hash=secrets.token_hex(32),
                    campaign=campaign,
                    state=Project.State.LABELLED if labelled else rng.choice(OTHER_STATES),
                    organiser_type=rng.choice(Project.OrganiserType.values),
                    organiser_name=f"Comité du souvenir de {name}",
                    contact_email=f"organisateur{n}@example.org",
                    contact_name="Organisateur généré",
                    title=f"{title_fr.format(s=subject_fr)} à {name}",
                    title_en=f"{title_en.format(e=subject_en)} in {name}"
                    if rng.random() < 0.3
                    else "",
                    description=(
                        f"Un événement labellisé par la Mission Libération à {name} autour de "
                        f"{subject_fr} : témoignages, archives et rencontres."
                    ),
                    theme_id=rng.choice(theme_ids),
                    kind=kind,
                    venue=rng.choice(VENUES),
                    commune_id=insee,
                    departement_id=dept,
                    latitude=round(lat + rng.uniform(-0.01, 0.01), 6),
                    longitude=round(lon + rng.uniform(-0.01, 0.01), 6),
                    audience=rng.choice(Project.Audience.values),
                    wheelchair=rng.random() < 0.6,
                    sign_language=rng.random() < 0.1,
                    audio_description=rng.random() < 0.05,
                    easy_to_read=rng.random() < 0.1,
                    free=rng.random() < 0.8,
                    consent=True,
                    status=rng.choices(statuses, weights)[0]
                    if labelled
                    else Project.Status.SCHEDULED,
                    submitted_at=now,
                    email_verified_at=now,
                    labelled_at=now if labelled else None,
                    decided_at=now if labelled else None,
                )
                projects.append(project)
                plans.append(_sessions(rng, kind, start, days))
            Project.objects.bulk_create(projects, batch_size=BATCH)
            sessions = [
                Session(project_id=project.pk, starts_at=s, ends_at=e)
                for project, plan in zip(projects, plans, strict=True)
                for s, e in plan
            ]
            Session.objects.bulk_create(sessions, batch_size=BATCH)
            out.sessions += len(sessions)
    out.labelled, out.applications = events, applications
    return out


# -- The demo programme -------------------------------------------------------------

# (INSEE, kind, French title, English title or "", day offset, hour, sessions, extras)
DEMO = [
    (
        "50129",
        K.CEREMONY,
        "Hommage aux libérateurs de Cherbourg",
        "Tribute to the liberators of Cherbourg",
        5,
        11,
        1,
        {"wheelchair": True},
    ),
    (
        "50129",
        K.EXHIBITION,
        "Exposition « Cherbourg, port de la Libération »",
        "Exhibition “Cherbourg, port of the Liberation”",
        3,
        10,
        1,
        {"wheelchair": True, "audio_description": True},
    ),
    (
        "50129",
        K.CONCERT,
        "Concert des Glenn Miller Memories",
        "Glenn Miller Memories concert",
        12,
        20,
        2,
        {"free": False},
    ),
    (
        "50129",
        K.CONFERENCE,
        "Conférence : l’opération Pluto et l’oléoduc sous la Manche",
        "Talk: Operation Pluto, the pipeline under the Channel",
        18,
        18,
        1,
        {},
    ),
    (
        "50129",
        K.EDUCATIONAL,
        "Les écoliers de Cherbourg racontent 1944",
        "",
        25,
        14,
        1,
        {"audience": Project.Audience.SCHOOLS},
    ),
    (
        "50129",
        K.SPORT,
        "Course du souvenir du Cotentin",
        "Cotentin remembrance run",
        30,
        9,
        1,
        {"audience": Project.Audience.FAMILIES},
    ),
    (
        "14118",
        K.CEREMONY,
        "Cérémonie de la libération de Caen",
        "Ceremony for the liberation of Caen",
        7,
        11,
        1,
        {"wheelchair": True, "sign_language": True},
    ),
    (
        "14118",
        K.EXHIBITION,
        "Exposition « Caen en ruines, Caen reconstruite »",
        "Exhibition “Caen in ruins, Caen rebuilt”",
        2,
        10,
        1,
        {"wheelchair": True, "easy_to_read": True},
    ),
    (
        "14118",
        K.SCREENING,
        "Projection-débat : « Le jour le plus long »",
        "Screening and debate: “The Longest Day”",
        10,
        20,
        1,
        {"free": False},
    ),
    (
        "14118",
        K.CONFERENCE,
        "Conférence : les civils dans la bataille de Normandie",
        "Talk: civilians in the Battle of Normandy",
        15,
        18,
        1,
        {"status": Project.Status.FULL},
    ),
    (
        "14118",
        K.CONCERT,
        "Bal de la Libération",
        "Liberation ball",
        21,
        21,
        1,
        {"audience": Project.Audience.EVERYONE},
    ),
    (
        "14118",
        K.EDUCATIONAL,
        "Atelier d’archives pour les lycéens",
        "",
        28,
        9,
        3,
        {"audience": Project.Audience.SCHOOLS},
    ),
    (
        "14047",
        K.CEREMONY,
        "Bayeux, première ville libérée : cérémonie",
        "Bayeux, the first town liberated: ceremony",
        6,
        10,
        1,
        {"wheelchair": True},
    ),
    (
        "14047",
        K.EXHIBITION,
        "Exposition « Les correspondants de guerre »",
        "Exhibition “War correspondents”",
        4,
        10,
        1,
        {"audio_description": True},
    ),
    (
        "14047",
        K.OTHER,
        "Reconstitution d’un camp de 1944",
        "",
        14,
        10,
        2,
        {"status": Project.Status.CANCELLED},
    ),
    (
        "75056",
        K.CEREMONY,
        "Hommage aux FFI de Paris",
        "Tribute to the Paris FFI",
        9,
        11,
        1,
        {"wheelchair": True, "sign_language": True},
    ),
    (
        "75056",
        K.EXHIBITION,
        "Exposition « Paris libéré, photographies d’août 1944 »",
        "Exhibition “Paris liberated: photographs of August 1944”",
        1,
        10,
        1,
        {"wheelchair": True, "free": False},
    ),
    (
        "75056",
        K.CONFERENCE,
        "Conférence : la 2e DB et la libération de Paris",
        "Talk: the 2nd Armoured Division and the liberation of Paris",
        11,
        18,
        1,
        {"sign_language": True},
    ),
    (
        "75056",
        K.CONCERT,
        "Concert de l’orchestre des gardiens de la paix",
        "Concert of the Paris police orchestra",
        16,
        20,
        1,
        {"status": Project.Status.POSTPONED},
    ),
    (
        "75056",
        K.SCREENING,
        "Ciné-club : « Paris brûle-t-il ? »",
        "Film club: “Is Paris Burning?”",
        20,
        19,
        2,
        {"free": False},
    ),
    (
        "75056",
        K.OTHER,
        "Balade commentée sur les barricades",
        "Guided walk along the barricades",
        23,
        14,
        3,
        {"audience": Project.Audience.FAMILIES},
    ),
    (
        "75056",
        K.CONFERENCE,
        "Rencontre avec des enfants de résistants",
        "",
        33,
        18,
        1,
        {"status": Project.Status.MOVED_ONLINE, "registration_url": "https://example.org/direct"},
    ),
    (
        "44184",
        K.CEREMONY,
        "Reddition de la poche de Saint-Nazaire : cérémonie",
        "Surrender of the Saint-Nazaire pocket: ceremony",
        13,
        11,
        1,
        {"wheelchair": True},
    ),
    ("44184", K.EXHIBITION, "Exposition « La poche, 1944-1945 »", "", 8, 10, 1, {}),
    (
        "59183",
        K.CEREMONY,
        "Dunkerque, dernière ville libérée : hommage",
        "Dunkirk, the last town liberated: tribute",
        19,
        11,
        1,
        {"wheelchair": True},
    ),
    ("59183", K.CONCERT, "Concert du souvenir sur la digue", "", 26, 20, 1, {}),
    (
        "17306",
        K.EXHIBITION,
        "Exposition « Royan, la ville rasée »",
        "Exhibition “Royan, the razed town”",
        5,
        10,
        1,
        {"easy_to_read": True},
    ),
    (
        "17306",
        K.SPORT,
        "Randonnée de la poche de Royan",
        "",
        17,
        9,
        1,
        {"audience": Project.Audience.FAMILIES},
    ),
    (
        "97209",
        K.CONFERENCE,
        "La dissidence antillaise : conférence",
        "The Caribbean dissidence: talk",
        22,
        18,
        1,
        {},
    ),
    ("73265", K.CEREMONY, "Hommage aux maquis de Savoie", "", 27, 11, 1, {}),
]


def demo_programme(*, today: dt.date) -> int:
    """The demo's labelled projects (idempotent: a project already there is left as
    it is). Returns how many were created."""
    communes = communes_sample()
    themes = dict(Theme.objects.values_list("slug", "pk"))
    theme_of = {
        K.CEREMONY: "commemorations",
        K.EXHIBITION: "memoire",
        K.CONFERENCE: "resistance",
        K.SCREENING: "memoire",
        K.EDUCATIONAL: "memoire",
    }
    campaign = _campaign("Label 80e anniversaire — démonstration", today, 365)
    created = 0
    now = timezone.now()
    with transaction.atomic():
        for n, (insee, kind, title, title_en, day, hour, count, extras) in enumerate(DEMO):
            digest = hashlib.sha256(f"demo-programme:{n}".encode()).hexdigest()
            if Project.objects.filter(token_hash=digest).exists():
                continue
            commune = communes[insee]
            fields = {
                "audience": Project.Audience.EVERYONE,
                "free": True,
                **extras,
            }
            project = Project.objects.create(
                token_hash=digest,
                public_id=f"demo{digest[:8]}",
                campaign=campaign,
                state=Project.State.LABELLED,
                organiser_type=Project.OrganiserType.COMMUNE,
                organiser_name=f"Ville de {commune.name}",
                contact_email="demo@example.org",
                contact_name="Démonstration",
                title=title,
                title_en=title_en,
                description=(
                    f"{title}, à {commune.name}. Un événement labellisé par la Mission "
                    "Libération pour le 80e anniversaire (contenu de démonstration)."
                ),
                description_en=(
                    f"{title_en}, in {commune.name}. An event labelled by the Mission "
                    "Libération for the 80th anniversary (demo content)."
                    if title_en
                    else ""
                ),
                theme_id=themes.get(theme_of.get(kind, "")),
                kind=kind,
                venue=VENUES[n % len(VENUES)],
                commune=commune,
                departement_id=commune.departement_id,
                latitude=commune.latitude,
                longitude=commune.longitude,
                consent=True,
                submitted_at=now,
                email_verified_at=now,
                labelled_at=now,
                decided_at=now,
                **fields,
            )
            first = timezone.make_aware(
                dt.datetime.combine(today + dt.timedelta(days=day), dt.time(hour))
            )
            long = kind == K.EXHIBITION
            Session.objects.bulk_create(
                Session(
                    project=project,
                    starts_at=first + dt.timedelta(days=7 * i),
                    ends_at=first
                    + (dt.timedelta(days=45, hours=8) if long else dt.timedelta(hours=2))
                    + dt.timedelta(days=7 * i),
                )
                for i in range(count)
            )
            created += 1
    return created
