"""Full garbage-collection pauses of a web process, with and without `gc.freeze()`.

Imports `liberation.wsgi` as granian's workers do (which freezes what it loaded; with
`--no-freeze` the frozen objects are put back first, as before that line existed), then
serves 300 requests through Django's test client (home pages, the search page, the
search API) and prints the requests' p50/p99/max, each full (generation 2) collection's
pause and the objects still tracked; the last line is JSON.

    DATABASE_URL=sqlite:////tmp/bench-200k.sqlite3 SECRET_KEY=bench-only \
        ALLOWED_HOSTS=127.0.0.1 python bench/gc_pauses.py [--no-freeze]
"""

import argparse
import gc
import json
import os
import sys
import time
from pathlib import Path

URLS = [
    "/fr/",
    "/en/",
    "/fr/recherche/?q=cherbourg",
    "/fr/recherche/?q=libération paris",
    "/api/search/?q=caen&lang=fr",
]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--no-freeze", action="store_true", help="unfreeze after the import")
    parser.add_argument("--requests", type=int, default=300)
    args = parser.parse_args()
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "liberation.settings.production")
    from search_memory import _full_collections  # bench/, next to this file

    import liberation.wsgi  # noqa: F401  (freezes)

    if args.no_freeze:
        gc.unfreeze()
    from django.test import Client

    pauses = _full_collections()
    client = Client()
    times = []
    for i in range(args.requests):
        url = URLS[i % len(URLS)]
        start = time.perf_counter()
        response = client.get(url, HTTP_HOST="127.0.0.1")
        times.append((time.perf_counter() - start) * 1000)
        if response.status_code != 200:
            print(f"{url}: {response.status_code}", file=sys.stderr)
            return 1
    times.sort()
    figures = {
        "freeze": not args.no_freeze,
        "requests": len(times),
        "p50_ms": round(times[len(times) // 2], 1),
        "p99_ms": round(times[int(len(times) * 0.99) - 1], 1),
        "max_ms": round(times[-1], 1),
        "full_gc_pauses_ms": pauses,
        "tracked_objects": len(gc.get_objects()),
        "frozen_objects": gc.get_freeze_count(),
        "load_average": round(os.getloadavg()[0], 2),
    }
    print(
        f"{'frozen' if figures['freeze'] else 'not frozen'}: {len(times)} requests, "
        f"p50 {figures['p50_ms']} ms, p99 {figures['p99_ms']} ms, max {figures['max_ms']} ms"
    )
    print(f"full collections: {pauses} ms; {figures['tracked_objects']} objects tracked")
    print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
