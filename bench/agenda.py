"""Agenda benchmark: 20,000 labelled events, then the agenda page with two filters and
the iCal feed of a filter of at least 1,000 events, in-process (Django test client).

    flock /tmp/bench.lock .venv/bin/python bench/agenda.py [--events 20000]
        [--requests 200] [--sqlite /tmp/agenda_bench.sqlite3]
        [--postgres postgres://postgres@127.0.0.1:5432/agenda_bench]

For each database (SQLite always; PostgreSQL when --postgres or DATABASE_URL names
one) a child process builds a fresh database (the SQLite file is deleted, the
PostgreSQL database dropped and created), migrates, builds the site structure, places
~1,900 synthetic communes over 95 metropolitan départements (when fewer than 100
communes with a point exist: a fresh database has none), runs `generate_programme`,
runs ANALYZE, then measures (settings.test: DEBUG off, local-memory cache, static files from the
finders):

- page2: /fr/agenda/?departement=D&kind=K, D and K rotating (two filters), p50/p95;
- radius: /fr/agenda/?commune=C&radius_km=30&free=1, rotating communes;
- ical: /fr/agenda/agenda.ics for the shortest date range from today holding at
  least 1,000 sessions (its count printed), p50/p95 over 20 requests.

Targets (issue 11): page p95 < 50 ms, iCal < 300 ms. The last line is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PAGE_TARGET_MS = 50.0
ICAL_TARGET_MS = 300.0


def _p(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def _summary(samples: list[float]) -> dict:
    return {
        "n": len(samples),
        "p50_ms": round(statistics.median(samples), 1),
        "p95_ms": round(_p(samples, 0.95), 1),
        "max_ms": round(max(samples), 1),
    }


def _fresh_database(url: str) -> None:
    if url.startswith("sqlite"):
        path = Path(url.split("sqlite:///", 1)[1])
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(str(path) + suffix).unlink(missing_ok=True)
        return
    import psycopg

    base, name = url.rsplit("/", 1)
    with psycopg.connect(base + "/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')


def _synthetic_communes() -> int:
    """~20 communes with a point in each metropolitan département (fresh databases
    have no referential)."""
    import random

    from liberation.places.models import Commune, Departement

    if Commune.objects.filter(latitude__isnull=False).count() >= 100:
        return 0
    rng = random.Random(7)
    codes = [f"{n:02d}" for n in range(1, 96) if n != 20]
    Departement.objects.bulk_create(
        [Departement(code=c, name=f"Département {c}") for c in codes], ignore_conflicts=True
    )
    communes = []
    for code in codes:
        lat0, lon0 = rng.uniform(43.0, 50.5), rng.uniform(-1.5, 7.0)
        for i in range(20):
            name = f"Commune {code}-{i:03d}"
            communes.append(
                Commune(
                    insee=f"{code}{i + 1:03d}",
                    name=name,
                    search_name=name.lower(),
                    departement_id=code,
                    population=rng.randint(200, 50000),
                    latitude=lat0 + rng.uniform(-0.4, 0.4),
                    longitude=lon0 + rng.uniform(-0.5, 0.5),
                )
            )
    Commune.objects.bulk_create(communes, ignore_conflicts=True)
    return len(communes)


def child(args) -> dict:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "liberation.settings.test")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.test import Client
    from django.utils import timezone

    from liberation.agenda.filters import AgendaFilters
    from liberation.agenda.selectors import agenda_sessions
    from liberation.places.models import Commune
    from liberation.programme.models import Project, Session
    from liberation.site.services import site_ensure_structure

    call_command("migrate", interactive=False, verbosity=0)
    site_ensure_structure()
    placed = _synthetic_communes()
    began = time.perf_counter()
    call_command("generate_programme", events=args.events, stdout=sys.stderr)
    generate_s = time.perf_counter() - began
    from django.db import connection

    with connection.cursor() as cursor:  # planner statistics, as autovacuum would leave them
        cursor.execute("ANALYZE")
    client = Client()
    today = timezone.localdate()
    depts = list(
        Project.objects.filter(state="labelled").values_list("departement_id", flat=True).distinct()
    )
    kinds = list(Project.Kind.values)
    communes = list(
        Commune.objects.filter(latitude__isnull=False).values_list("insee", flat=True)[:200]
    )

    def measure(urls: list[str]) -> tuple[list[float], int]:
        client.get(urls[0])  # warm-up (template loading, connection)
        samples, size = [], 0
        for url in urls:
            t0 = time.perf_counter()
            response = client.get(url)
            samples.append((time.perf_counter() - t0) * 1000)
            if response.status_code != 200:
                raise SystemExit(f"{url}: {response.status_code}")
            size = len(response.content)
        return samples, size

    n = args.requests
    page2_urls = [
        f"/fr/agenda/?departement={depts[i % len(depts)]}&kind={kinds[(i * 7) % len(kinds)]}"
        for i in range(n)
    ]
    page2, page2_bytes = measure(page2_urls)
    radius, _ = measure(
        [f"/fr/agenda/?commune={communes[i % len(communes)]}&radius_km=30&free=1" for i in range(n)]
    )
    deep, _ = measure(
        [f"/fr/agenda/?departement={depts[i % len(depts)]}&free=1&page=3" for i in range(n)]
    )
    # The shortest date range from today holding at least 1,000 sessions.
    import datetime as dt

    days, count = 1, 0
    while days < 400:
        f = AgendaFilters(date_from=today, date_until=today + dt.timedelta(days=days))
        count = agenda_sessions(f).count()
        if count >= 1000:
            break
        days += 1
    ical_url = (
        f"/fr/agenda/agenda.ics?date_from={today}&date_until={today + dt.timedelta(days=days)}"
    )
    ical, ical_bytes = measure([ical_url] * 20)
    return {
        "database": settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1],
        "events": args.events,
        "sessions": Session.objects.count(),
        "synthetic_communes": placed,
        "generate_s": round(generate_s, 1),
        "page_two_filters": _summary(page2),
        "page_two_filters_bytes": page2_bytes,
        "page_radius_free": _summary(radius),
        "page_dept_free_page3": _summary(deep),
        "ical": {**_summary(ical), "sessions": count, "days": days, "bytes": ical_bytes},
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=20000)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--sqlite", default="/tmp/agenda_bench.sqlite3")
    parser.add_argument("--postgres", default="")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print("RESULT " + json.dumps(child(args)))
        return 0
    urls = [f"sqlite:///{args.sqlite}"]
    pg = args.postgres or os.environ.get("DATABASE_URL", "")
    if pg.startswith("postgres"):
        urls.append(pg)
    results = []
    for url in urls:
        _fresh_database(url)
        env = dict(os.environ, DATABASE_URL=url, DJANGO_SETTINGS_MODULE="liberation.settings.test")
        proc = subprocess.run(
            [
                sys.executable,
                __file__,
                "--child",
                "--events",
                str(args.events),
                "--requests",
                str(args.requests),
            ],
            env=env,
            cwd=ROOT,
            capture_output=True,
            text=True,
        )
        line = next((x for x in proc.stdout.splitlines() if x.startswith("RESULT ")), None)
        if proc.returncode != 0 or line is None:
            sys.stderr.write(proc.stderr[-4000:])
            return 1
        result = json.loads(line[7:])
        result["loadavg"] = os.getloadavg()
        results.append(result)
        p, r, d, c = (
            result[k]
            for k in ("page_two_filters", "page_radius_free", "page_dept_free_page3", "ical")
        )
        print(
            f"== {result['database']}: {result['events']} events, {result['sessions']} sessions "
            f"(generated in {result['generate_s']} s), load {result['loadavg'][0]:.2f}"
        )
        print(
            f"agenda page, département + type : p50 {p['p50_ms']} ms  p95 {p['p95_ms']} ms  "
            f"(n={p['n']}, target p95 < {PAGE_TARGET_MS} ms)"
        )
        print(f"agenda page, commune 30 km + free: p50 {r['p50_ms']} ms  p95 {r['p95_ms']} ms")
        print(f"agenda page 3, département + free: p50 {d['p50_ms']} ms  p95 {d['p95_ms']} ms")
        print(
            f"iCal, {c['sessions']} sessions ({c['days']} days, {c['bytes']} bytes): "
            f"p50 {c['p50_ms']} ms  p95 {c['p95_ms']} ms  (target < {ICAL_TARGET_MS} ms)"
        )
    ok = all(
        r["page_two_filters"]["p95_ms"] < PAGE_TARGET_MS and r["ical"]["p95_ms"] < ICAL_TARGET_MS
        for r in results
    )
    print(json.dumps({"bench": "agenda", "ok": ok, "results": results}))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
