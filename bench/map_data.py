"""Map data benchmark: the whole-France map data (/fr/carte/donnees.json, no filter)
with N labelled events: its size raw and gzipped, and the time to build it.

    DATABASE_URL=sqlite:////tmp/bench-maps.sqlite3 flock /tmp/bench.lock \\
        .venv/bin/python bench/map_data.py --events 20000

The database is migrated, then filled (once; `--refill` to rebuild) with N labelled
projects with one session each, spread over metropolitan France. `--points` sets how
many distinct points they share: the default (0) gives every event its own point (a
venue inside the commune), the worst case for compression; real programmes repeat
the commune's point. `--generator` fills with `manage.py generate_programme` instead
(every event at its own point near a commune, 1 to 3 sessions). The request goes
through the whole middleware stack with `Accept-Encoding: gzip`, as a browser sends
it (Django's GZipMiddleware level).

Target (issue 11): < 500 KB gzipped at 20,000 events. Last line: one JSON object.
"""

import argparse
import gzip
import json
import os
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "liberation.settings.dev")
os.environ.setdefault("DATABASE_URL", "sqlite:////tmp/bench-maps.sqlite3")

TARGET_BYTES = 500 * 1024
# Metropolitan France, roughly (a box; points at sea do not change the figures).
BOX = (42.5, 50.9, -4.5, 7.8)


def fill(count: int, points: int, seed: int) -> None:
    import datetime as dt

    from django.db import transaction
    from django.utils import timezone

    from liberation.places.factories import communes_sample
    from liberation.programme.models import Project, Session

    rng = random.Random(seed)
    communes = list(communes_sample().values())
    kinds = [kind for kind, _label in Project.Kind.choices]
    spots = [(rng.uniform(BOX[0], BOX[1]), rng.uniform(BOX[2], BOX[3])) for _ in range(points)]
    start = timezone.now().replace(minute=0, second=0, microsecond=0) + dt.timedelta(days=5)
    with transaction.atomic():
        Session.objects.all().delete()
        Project.objects.all().delete()
        batch = []
        for n in range(count):
            commune = communes[n % len(communes)]
            if spots:
                lat, lon = rng.choice(spots)
            else:
                lat, lon = rng.uniform(BOX[0], BOX[1]), rng.uniform(BOX[2], BOX[3])
            batch.append(
                Project(
                    token_hash=f"bench{n:059d}",
                    state=Project.State.LABELLED,
                    contact_email="bench@example.org",
                    title=f"Événement {n}",
                    kind=rng.choice(kinds),
                    commune=commune,
                    departement_id=commune.departement_id,
                    latitude=lat,
                    longitude=lon,
                )
            )
        Project.objects.bulk_create(batch, batch_size=2000)
        Session.objects.bulk_create(
            (
                Session(
                    project_id=pk,
                    starts_at=start + dt.timedelta(days=pk % 60),
                    ends_at=start + dt.timedelta(days=pk % 60, hours=2),
                )
                for pk in Project.objects.values_list("pk", flat=True)
            ),
            batch_size=2000,
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=20000)
    parser.add_argument("--points", type=int, default=0, help="distinct points (0: one each)")
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--seed", type=int, default=1944)
    parser.add_argument("--refill", action="store_true")
    parser.add_argument(
        "--generator",
        action="store_true",
        help="fill with `manage.py generate_programme` (the agenda's generator) instead",
    )
    args = parser.parse_args()

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    from liberation.programme.models import Project

    call_command("migrate", interactive=False, verbosity=0)
    labelled = Project.objects.filter(state=Project.State.LABELLED).count()
    if args.refill or labelled != args.events:
        t0 = time.perf_counter()
        if args.generator:
            Project.objects.all().delete()
            call_command("generate_programme", events=args.events, seed=args.seed)
        else:
            fill(args.events, args.points, args.seed)
        print(f"filled {args.events} events in {time.perf_counter() - t0:.1f} s")

    client = Client(HTTP_ACCEPT_ENCODING="gzip")
    url = "/fr/carte/donnees.json"
    client.get(url)  # warm-up: imports, translations, query plans
    timings = []
    for _ in range(args.rounds):
        t0 = time.perf_counter()
        response = client.get(url)
        timings.append((time.perf_counter() - t0) * 1000)
        assert response.status_code == 200, response.status_code
    wire = len(response.content)
    encoded = response.get("Content-Encoding", "")
    raw = gzip.decompress(response.content) if encoded == "gzip" else response.content
    data = json.loads(raw)
    events = len(data["events"])
    median = statistics.median(timings)
    load = os.getloadavg()
    print(f"database: {connection.vendor}, events on the map: {events}")
    print(f"JSON: {len(raw) / 1024:.1f} KB raw, {wire / 1024:.1f} KB on the wire ({encoded})")
    print(f"bytes per event gzipped: {wire / max(events, 1):.1f}")
    print(f"time: median {median:.0f} ms, max {max(timings):.0f} ms over {args.rounds} rounds")
    print(
        f"target < {TARGET_BYTES // 1024} KB gzipped: {'met' if wire < TARGET_BYTES else 'MISSED'}"
    )
    print(f"load average: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    print(
        json.dumps(
            {
                "bench": "map_data",
                "database": connection.vendor,
                "events": events,
                "generator": "generate_programme" if args.generator else "bench",
                "distinct_points": args.points or events,
                "raw_bytes": len(raw),
                "gzip_bytes": wire,
                "content_encoding": encoded,
                "median_ms": round(median, 1),
                "max_ms": round(max(timings), 1),
                "target_bytes": TARGET_BYTES,
                "met": wire < TARGET_BYTES,
                "loadavg": [round(x, 2) for x in load],
            }
        )
    )


if __name__ == "__main__":
    main()
