"""Commune referential: time of `load_communes` (first, forced, unchanged) and of the
autocomplete GET /api/communes/?q= on the full referential.

    DATABASE_URL=sqlite:////tmp/places-bench.sqlite3 .venv/bin/python manage.py migrate
    DATABASE_URL=sqlite:////tmp/places-bench.sqlite3 flock /tmp/bench.lock \\
        .venv/bin/python bench/places.py

Uses the database DATABASE_URL names (never the one someone else is using): it loads
the committed referential into it. Prints the figures, then a final JSON line.
"""

import json
import os
import statistics
import sys
import time
from io import StringIO
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "liberation.settings.dev")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402

from liberation.places.models import Commune  # noqa: E402

QUERIES = [
    "sa",
    "saint",
    "saint-martin",
    "paris",
    "caen",
    "bay",
    "14",
    "50130",
    "97209",
    "st et",
    "xyz",
    "cherbourg",
    "le",
    "2A004",
    "Saint-Martin (73)",
]


def timed(*args) -> float:
    started = time.perf_counter()
    call_command("load_communes", *args, stdout=StringIO())
    return time.perf_counter() - started


def main() -> None:
    empty = not Commune.objects.exists()
    first = timed("--force")
    forced = timed("--force")
    skipped = timed()
    setup_test_environment()
    client = Client()
    for q in QUERIES:
        assert client.get("/api/communes/", {"q": q}).status_code == 200
    times = []
    for _ in range(5):
        for q in QUERIES:
            started = time.perf_counter()
            client.get("/api/communes/", {"q": q})
            times.append((time.perf_counter() - started) * 1000)
    times.sort()
    result = {
        "communes": Commune.objects.count(),
        "load_s": round(first, 2),
        "load_into_empty_table": empty,
        "forced_reload_s": round(forced, 2),
        "unchanged_s": round(skipped, 3),
        "autocomplete_requests": len(times),
        "autocomplete_median_ms": round(statistics.median(times), 1),
        "autocomplete_p95_ms": round(times[int(len(times) * 0.95)], 1),
        "loadavg_1m": round(os.getloadavg()[0], 2),
    }
    for name, value in result.items():
        print(f"{name}: {value}")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
