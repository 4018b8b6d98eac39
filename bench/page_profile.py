"""In-process profile of one page (bench/pages.py --profile): CPU and wall per request,
queries by origin and shape, and cProfile's shares, with the settings of `make run` or
`make serve` (the environment's DATABASE_URL and REDIS_URL). Standard library and the
project."""

from __future__ import annotations

import os
import re
import statistics
import sys
import time
import urllib.parse


def _normalize_sql(sql: str) -> str:
    sql = re.sub(r"'(?:[^']|'')*'", "?", sql)
    sql = re.sub(r"\b\d+(?:\.\d+)?\b", "?", sql)
    return re.sub(r"\((?:\?, )+\?\)", "(?, ...)", sql)


def profile(url: str, requests: int, top: int) -> int:
    """Time, count the queries of, and profile `requests` GETs of `url` in-process.

    Django's test client with the settings of `make run` (production, DEBUG off, the
    environment's database and cache, a persistent connection): no server, no network, only the
    cost of the Django stack, which is what a worker spends per uncached request.
    """
    import cProfile
    import pstats
    from collections import Counter
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "liberation.settings.production")
    import django

    django.setup()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    parts = urllib.parse.urlsplit(url)
    client = Client(SERVER_NAME=parts.hostname or "127.0.0.1", SERVER_PORT=str(parts.port or 80))
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    for _ in range(5):  # warm: imports, template loader cache, Site root paths cache
        response = client.get(path)
    if response.status_code != 200:
        print(f"{path} answered {response.status_code} in-process.", file=sys.stderr)
        return 1

    times, cpu_times = [], []
    for n in range(requests):
        started, cpu_started = time.perf_counter(), time.process_time()
        client.get(path, {"bench": n})
        times.append((time.perf_counter() - started) * 1000)
        cpu_times.append((time.process_time() - cpu_started) * 1000)
    sql_seconds, origins = [], []

    def origin() -> str:
        """Where a query comes from: the innermost project function, else the template
        being rendered, and the Wagtail call below it (if any)."""
        ours = theirs = template = None
        frame = sys._getframe(2)
        while frame is not None:
            filename = frame.f_code.co_filename
            if "site-packages" not in filename and "/liberation/" in filename:
                ours = ours or frame
            elif "/wagtail/" in filename and "/db/" not in filename and not ours:
                theirs = theirs or frame
            elif filename.endswith("django/template/base.py") and template is None:
                origin_ = getattr(frame.f_locals.get("self"), "origin", None)
                template = getattr(origin_, "template_name", None)
            frame = frame.f_back
        if ours:
            where = f"{Path(ours.f_code.co_filename).name}:{ours.f_lineno} {ours.f_code.co_name}"
        else:
            where = f"template {template}" if template else "request handling"
        if theirs:
            where += f" → wagtail {Path(theirs.f_code.co_filename).name}:{theirs.f_code.co_name}"
        return where

    def timed_sql(execute, sql, params, many, context):
        origins.append(origin())
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            sql_seconds.append(time.perf_counter() - started)

    with CaptureQueriesContext(connection) as ctx, connection.execute_wrapper(timed_sql):
        client.get(path, {"bench": "q"})
    queries = ctx.captured_queries
    sql_ms = sum(sql_seconds) * 1000

    profiler = cProfile.Profile()
    profiler.enable()
    for n in range(requests):
        client.get(path, {"bench": f"p{n}"})
    profiler.disable()
    stats = pstats.Stats(profiler)

    def cumulative(file_part: str, name: str) -> float:
        """ms per request spent in (and below) a function; the largest if several match."""
        total = 0.0
        for (filename, _line, func), (_cc, _nc, _tt, ct, _callers) in stats.stats.items():
            if func == name and file_part in filename:
                total = max(total, ct)
        return total * 1000 / requests

    print(f"url        {url} (in-process, {len(response.content)} bytes)")
    print(
        f"wall       median {statistics.median(times):.2f} ms, min {min(times):.2f} ms "
        f"over {requests} requests (no profiler)"
    )
    print(
        f"CPU        median {statistics.median(cpu_times):.2f} ms, min {min(cpu_times):.2f} ms "
        "(this process only: what a worker spends, whatever the machine's load)"
    )
    from django.db import connection

    print(
        f"queries    {len(queries)} per request, {sql_ms:.2f} ms waiting on the database "
        f"({connection.vendor})"
    )
    buckets = [
        ("whole request", "django/test/client.py", "request"),
        ("wagtail serve (route+context)", "wagtail/views.py", "serve"),
        ("  Site.find_for_request", "wagtail/models/sites.py", "find_for_request"),
        ("  Page.route_for_request", "wagtail/models/pages.py", "route_for_request"),
        ("  page get_context", "/liberation/", "get_context"),
        ("    related_cards", "liberation/content/selectors.py", "related_cards"),
        ("template render", "django/template/response.py", "rendered_content"),
        ("  StreamField render", "wagtail/blocks/stream_block.py", "render_basic"),
        ("  rich text expand", "wagtail/rich_text/__init__.py", "expand_db_html"),
        ("  page URLs (get_url_parts)", "wagtail/models/pages.py", "get_url_parts"),
        ("  image renditions", "wagtail/images/models.py", "get_rendition"),
        ("  head_metadata (seo)", "liberation/core/seo.py", "head_metadata"),
        ("ORM execute_sql (all queries)", "django/db/models/sql/compiler.py", "execute_sql"),
        ("  of which in the database", "django/db/backends/utils.py", "_execute"),
    ]
    whole = cumulative("django/test/client.py", "request") or 1.0
    print(f"\ncProfile over {requests} requests, cumulative ms per request (inflated by")
    print("the profiler: read the shares):")
    for label, file_part, name in buckets:
        ms = cumulative(file_part, name)
        print(f"  {label:<32} {ms:8.2f}  {100 * ms / whole:5.1f} %")
    project = [
        (ct * 1000 / requests, f"{Path(fn).parent.name}/{Path(fn).name}:{line} {func}")
        for (fn, line, func), (_cc, _nc, _tt, ct, _c) in stats.stats.items()
        if "/liberation/" in fn and "/site-packages/" not in fn
    ]
    print("\nproject functions (cumulative ms per request):")
    for ms, label in sorted(project, reverse=True)[:top]:
        print(f"  {ms:8.2f}  {label}")
    print(f"\nqueries by origin ({len(origins)}):")
    for where, n in Counter(origins).most_common():
        print(f"  {n:3}× {where}")
    print(f"\nqueries by shape ({len(queries)}):")
    for sql, n in Counter(_normalize_sql(q["sql"]) for q in queries).most_common(top):
        print(f"  {n:3}× {sql[:220]}")
    print("\ntop functions by cumulative time:")
    stats.sort_stats("cumulative").print_stats(top)
    return 0
