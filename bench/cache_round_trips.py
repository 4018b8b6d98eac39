"""The shared cache's round trips: what one call costs, how many each request makes, and
what each process keeps in front of the shared cache (docs/benchmarks.md, "The shared
cache's round trips").

In-process, with the settings of `make serve` (production, the environment's
DATABASE_URL and REDIS_URL), no server; run it on the database and Redis of `make serve`
(with `make run`'s LocMem a call is a dictionary lookup, and the figures say so):

    DATABASE_URL=… REDIS_URL=… SECRET_KEY=… ALLOWED_HOSTS=127.0.0.1 \\
      .venv/bin/python bench/cache_round_trips.py [--calls 3000] [--match cherbourg]

1. CPU per call (`time.process_time`, `--calls` of each): the cache's `get`, `add`, `set`
   and `delete` of a small value, `get` of an 8 KB fragment-sized string, and a database
   `SELECT 1` beside them.
2. Shared-cache calls per request, counted by wrapping the cache's methods (outermost
   calls only): the article (`--match`) read by a process whose front is empty while
   the shared cache holds its keys, read again, and with every cache emptied; the
   registration form (GET) and a registering POST on a new benchmark ceremony
   (`manage.py bench_ceremony`), the rate limits' counters counted apart. It empties
   the shared cache once (the third article read): the nodes render again after it.
3. The front's memory (`fragments.front`): every live page read once by this process,
   then its entries, pickled bytes, mean and largest.

The last line of output is one JSON object. Standard library and the project.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import pickle
import re
import statistics
import sys
import threading
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
METHODS = ("get", "get_many", "set", "set_many", "add", "delete", "delete_many", "incr", "touch")


def setup():
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "liberation.settings.production")
    import django

    django.setup()


def cpu_per_call(calls: int) -> dict[str, float]:
    """µs of CPU per call, median of five batches of calls/5."""
    from django.core.cache import cache
    from django.db import connection

    small, fragment = {"seats": 42}, "x" * 8192
    cache.set("bench:rt:small", small, 300)
    cache.set("bench:rt:fragment", fragment, 300)
    operations = {
        "get (small)": lambda n: cache.get("bench:rt:small"),
        "get (8 KB)": lambda n: cache.get("bench:rt:fragment"),
        "add": lambda n: cache.add(f"bench:rt:add:{n}", 1, 60),
        "set": lambda n: cache.set("bench:rt:set", small, 60),
        "delete": lambda n: cache.delete(f"bench:rt:add:{n}"),
    }

    def select_one(n):
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()

    operations["database SELECT 1"] = select_one
    figures = {}
    batch = max(1, calls // 5)
    for name, operation in operations.items():
        for n in range(50):  # warm: connections, imports
            operation(-n)
        samples = []
        for b in range(5):
            started = time.process_time()
            for n in range(b * batch, (b + 1) * batch):
                operation(n)
            samples.append((time.process_time() - started) / batch * 1e6)
        figures[name] = round(statistics.median(samples), 1)
    cache.delete_many(["bench:rt:small", "bench:rt:fragment", "bench:rt:set"])
    return figures


class CallCounter:
    """Counts the outermost calls made to the default cache in this thread."""

    def __init__(self):
        from django.core.cache import caches

        self.backend = caches["default"]
        self.calls: list[tuple[str, str]] = []
        self.depth = threading.local()
        self.saved = {}

    def __enter__(self):
        for name in METHODS:
            real = getattr(self.backend, name)
            self.saved[name] = real
            setattr(self.backend, name, self._wrap(name, real))
        return self

    def __exit__(self, *exc):
        for name in self.saved:
            delattr(self.backend, name)  # the class's method again

    def _wrap(self, name, real):
        def counted(*args, **kwargs):
            depth = getattr(self.depth, "n", 0)
            if depth == 0:
                key = args[0] if args else kwargs.get("key", "")
                self.calls.append((name, key if isinstance(key, str) else "(many)"))
            self.depth.n = depth + 1
            try:
                return real(*args, **kwargs)
            finally:
                self.depth.n = depth

        return counted

    def take(self) -> list[tuple[str, str]]:
        calls, self.calls = self.calls, []
        return calls


def summarize(calls: list[tuple[str, str]]) -> dict:
    shared = [c for c in calls if not c[1].startswith("ratelimit:")]
    return {
        "calls": len(shared),
        "rate_limit_calls": len(calls) - len(shared),
        "by_method": dict(Counter(name for name, _ in shared)),
    }


def calls_per_request(match: str) -> tuple[dict, str]:
    from django.core.cache import cache
    from django.core.management import call_command
    from django.test import Client
    from wagtail.models import Page

    from liberation.core.process_cache import clear_all

    page = Page.objects.live().filter(url_path__icontains=match).specific().first()
    if page is None:
        raise SystemExit(f"No live page whose path contains {match!r}: load the demo content.")
    path = page.get_url()
    client = Client(SERVER_NAME="127.0.0.1")
    figures = {}
    with CallCounter() as counter:
        client.get(path)  # the shared cache holds the article's keys
        clear_all()  # a process that has not read them yet
        counter.take()
        assert client.get(path).status_code == 200
        figures["article, new process, shared cache warm"] = summarize(counter.take())
        client.get(path)
        figures["article, read again"] = summarize(counter.take())
        cache.clear()
        clear_all()
        counter.take()
        client.get(path)
        figures["article, every cache empty"] = summarize(counter.take())

        out = io.StringIO()
        call_command("bench_ceremony", capacity=100, stdout=out)
        form_path = f"/fr/r/inscription/{int(out.getvalue().strip())}/"
        browser = Client(enforce_csrf_checks=True, SERVER_NAME="127.0.0.1")
        browser.get(form_path)  # the process renders the form page once
        browser.cookies.clear()
        counter.take()
        response = browser.get(form_path)
        figures["registration form GET"] = summarize(counter.take())
        token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', response.content)
        posted = browser.post(
            form_path,
            {
                "csrfmiddlewaretoken": token.group(1).decode(),
                "given_name": "Camille",
                "surname": "Allers-Retours",
                "email": f"round-trips-{time.time_ns()}@example.org",
                "consent": "on",
                "homepage": "",
            },
        )
        if posted.status_code != 303:
            raise SystemExit(f"The registering POST answered {posted.status_code}.")
        figures["registering POST"] = summarize(counter.take())
    return figures, path


def front_memory() -> dict:
    from django.test import Client
    from wagtail.models import Page

    from liberation.core import fragments
    from liberation.core.process_cache import clear_all

    clear_all()
    client = Client(SERVER_NAME="127.0.0.1")
    read = 0
    for page in Page.objects.live().filter(depth__gt=1).specific():
        url = page.get_url()
        if url and client.get(url).status_code == 200:
            read += 1
    store = fragments.front.local
    sizes = [len(pickle.dumps(value)) for _expires, value in list(store._entries.values())]
    return {
        "pages_read": read,
        "entries": len(sizes),
        "max_entries": store._max_entries,
        "pickled_bytes": sum(sizes),
        "mean_bytes": round(statistics.mean(sizes)) if sizes else 0,
        "largest_bytes": max(sizes, default=0),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--calls", type=int, default=3000, help="calls of each operation")
    parser.add_argument("--match", default="cherbourg", help="the article's path contains")
    args = parser.parse_args(argv)
    setup()
    from django.conf import settings
    from django.db import connection

    backend = settings.CACHES["default"]["BACKEND"].rsplit(".", 1)[-1]
    print(f"cache {backend}, database {connection.vendor}")
    per_call = cpu_per_call(args.calls)
    print(f"\nCPU per call (µs, median of 5 batches of {max(1, args.calls // 5)}):")
    for name, us in per_call.items():
        print(f"  {name:<20} {us:8.1f}")
    requests, path = calls_per_request(args.match)
    print(f"\nshared-cache calls per request (article {path}; rate limits apart):")
    for name, figures in requests.items():
        methods = ", ".join(f"{m} {n}" for m, n in sorted(figures["by_method"].items()))
        print(
            f"  {name:<42} {figures['calls']:3}  ({methods or 'none'}; "
            f"rate limits {figures['rate_limit_calls']})"
        )
    memory = front_memory()
    print(
        f"\nthe front after {memory['pages_read']} pages read once: {memory['entries']} entries "
        f"(bound {memory['max_entries']}), {memory['pickled_bytes'] / 1e6:.2f} MB pickled, "
        f"mean {memory['mean_bytes'] / 1e3:.1f} KB, largest {memory['largest_bytes'] / 1e3:.1f} KB"
    )
    print(
        json.dumps(
            {
                "cache": backend,
                "database": connection.vendor,
                "cpu_us_per_call": per_call,
                "calls_per_request": {k: v["calls"] for k, v in requests.items()},
                "front": memory,
                "load": os.getloadavg()[0],
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
