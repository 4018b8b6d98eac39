"""Review dashboard benchmark: p95 of the "Label programme" dashboard with 5,000
applications, for national staff and for a one-département reviewer.

    flock /tmp/bench.lock .venv/bin/python bench/review_dashboard.py [--applications 5000]
        [--requests 200] [--lang en]

In-process, with Django's test client and the settings of `make run` (production,
DEBUG off; static files without the manifest so that no collectstatic is needed): no
server, no network, only what a worker spends per request (session, user, Wagtail
admin menu, the GROUP BY query, the template).

The database is the environment's DATABASE_URL (e.g. a PostgreSQL database made for
it: `createdb -h 127.0.0.1 -U postgres review_bench`), else its own SQLite file
(/tmp/review_bench.sqlite3); either is migrated on first use. The benchmark's applications
(token_hash starting "bench-") are deleted and rebuilt at each run with bulk_create,
spread over 101 départements and every state; its two users are `bench-national`
(ReviewerScope.national) and `bench-manche` (the Manche only).

Prints a table and, last, one JSON line (docs/review.md, docs/benchmarks.md).
Target: p95 < 100 ms for both users. Exit status 0 when measured and under target,
1 when over.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import secrets
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET_P95_MS = 100.0
DEFAULT_DB = "sqlite:////tmp/review_bench.sqlite3"

# States of submitted applications, roughly as a campaign looks mid-way.
STATE_WEIGHTS = {
    "submitted": 25,
    "under_review": 20,
    "opinion_given": 5,
    "changes_requested": 5,
    "labelled": 35,
    "refused": 5,
    "withdrawn": 5,
}


def departement_codes() -> list[str]:
    codes = [f"{n:02d}" for n in range(1, 96) if n != 20] + ["2A", "2B"]
    return codes + ["971", "972", "973", "974", "976"]


def setup_django() -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DATABASE_URL", DEFAULT_DB)
    os.environ.setdefault("SECRET_KEY", "bench-" + secrets.token_urlsafe(32))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "liberation.settings.production")
    import django

    django.setup()


def build(applications: int, seed: int) -> dict:
    """The benchmark's applications and users (the previous ones deleted first)."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Permission
    from django.db import transaction
    from django.utils import timezone

    from liberation.places.models import Departement
    from liberation.programme.models import AuditEntry, Campaign, Project, ReviewerScope

    rng = random.Random(seed)
    codes = departement_codes()
    started = time.perf_counter()
    with transaction.atomic():
        Departement.objects.bulk_create(
            [Departement(code=code, name=f"Département {code}") for code in codes],
            ignore_conflicts=True,
        )
        old = Project.objects.filter(token_hash__startswith="bench-")
        AuditEntry.objects.filter(project__in=old).delete()
        old.delete()
        now = timezone.now()
        campaign, _ = Campaign.objects.get_or_create(
            name="bench-campaign",
            defaults={
                "opens_at": now - timezone.timedelta(days=30),
                "closes_at": now + timezone.timedelta(days=30),
                "events_from": now.date(),
                "events_until": (now + timezone.timedelta(days=365)).date(),
            },
        )
        states = list(STATE_WEIGHTS)
        weights = list(STATE_WEIGHTS.values())
        Project.objects.bulk_create(
            [
                Project(
                    token_hash=f"bench-{i}-{secrets.token_hex(8)}",
                    campaign=campaign,
                    state=rng.choices(states, weights)[0],
                    contact_email=f"organiser{i}@example.org",
                    title=f"Projet {i}",
                    organiser_name=f"Association {i}",
                    departement_id=rng.choice(codes),
                    submitted_at=now - timezone.timedelta(minutes=i),
                )
                for i in range(applications)
            ],
            batch_size=500,
        )
        User = get_user_model()
        access = Permission.objects.get(
            content_type__app_label="wagtailadmin", codename="access_admin"
        )
        users = {}
        for username, national, scope_codes in (
            ("bench-national", True, []),
            ("bench-manche", False, ["50"]),
        ):
            user, _ = User.objects.get_or_create(
                username=username, defaults={"email": f"{username}@example.org"}
            )
            user.user_permissions.add(access)
            scope, _ = ReviewerScope.objects.update_or_create(
                user=user, defaults={"national": national}
            )
            scope.departements.set(scope_codes)
            users[username] = user
    in_manche = Project.objects.filter(token_hash__startswith="bench-", departement_id="50")
    return {
        "users": users,
        "build_s": round(time.perf_counter() - started, 2),
        "applications": Project.objects.filter(token_hash__startswith="bench-").count(),
        "in_manche": in_manche.count(),
        "departements": len(codes),
    }


def measure(user, path: str, requests: int, language: str) -> dict:
    from django.db import connection
    from django.test import Client
    from wagtail.users.models import UserProfile

    profile = UserProfile.get_for_user(user)
    profile.preferred_language = language
    profile.save()
    client = Client(HTTP_HOST="localhost")  # in the default ALLOWED_HOSTS
    client.force_login(user)
    for _ in range(10):  # warm-up: templates, caches, connection
        response = client.get(path)
        assert response.status_code == 200, response.status_code
    # Counted with a wrapper: the test client's request_started resets captured queries.
    queries = []
    with connection.execute_wrapper(
        lambda execute, sql, *a: queries.append(sql) or execute(sql, *a)
    ):
        client.get(path)
    times = []
    for _ in range(requests):
        started = time.perf_counter()
        response = client.get(path)
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200
    times.sort()

    def pct(p: float) -> float:
        return round(times[min(len(times) - 1, int(round(p / 100 * len(times))) - 1)], 2)

    return {
        "requests": requests,
        "p50_ms": pct(50),
        "p95_ms": pct(95),
        "p99_ms": pct(99),
        "max_ms": round(times[-1], 2),
        "mean_ms": round(statistics.fmean(times), 2),
        "queries": len(queries),
        "bytes": len(response.content),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--applications", type=int, default=5000)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--lang", default="en", choices=["fr", "en"])
    parser.add_argument("--seed", type=int, default=1944)
    args = parser.parse_args()
    if args.requests < 100:
        parser.error("--requests: at least 100 for a p95")

    setup_django()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import override_settings
    from django.urls import reverse

    call_command("migrate", verbosity=0, interactive=False)  # a no-op once migrated
    built = build(args.applications, args.seed)
    storages = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    results = {}
    with override_settings(STORAGES=storages):
        for label, username in (
            ("national", "bench-national"),
            ("one_departement", "bench-manche"),
        ):
            for page, name in (("dashboard", "dashboard"), ("list", "projects")):
                path = reverse(f"programme_review:{name}")
                key = f"{label}_{page}"
                results[key] = measure(built["users"][username], path, args.requests, args.lang)
    load = os.getloadavg()
    print(
        f"review dashboard, {connection.vendor}, {built['applications']} applications over "
        f"{built['departements']} départements ({built['in_manche']} in the Manche), "
        f"built in {built['build_s']} s; {args.requests} requests each, in-process"
    )
    print(f"{'page':28} {'p50':>8} {'p95':>8} {'p99':>8} {'max':>8} {'queries':>8} {'KB':>6}")
    for key, r in results.items():
        print(
            f"{key:28} {r['p50_ms']:8.1f} {r['p95_ms']:8.1f} {r['p99_ms']:8.1f} "
            f"{r['max_ms']:8.1f} {r['queries']:8d} {r['bytes'] / 1024:6.1f}"
        )
    print(f"load average: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    ok = all(
        results[k]["p95_ms"] < TARGET_P95_MS
        for k in ("national_dashboard", "one_departement_dashboard")
    )
    print(
        json.dumps(
            {
                "bench": "review_dashboard",
                "vendor": connection.vendor,
                "applications": built["applications"],
                "departements": built["departements"],
                "requests": args.requests,
                "language": args.lang,
                "target_p95_ms": TARGET_P95_MS,
                "ok": ok,
                "loadavg": [round(x, 2) for x in load],
                "results": results,
            }
        )
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
