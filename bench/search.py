"""Search benchmark: latency p50/p95 over a query mix, and the time to rebuild the index.

    DATABASE_URL=sqlite:////tmp/bench-search.sqlite3 .venv/bin/python bench/search.py --pages 20000
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/liberation_search_bench \\
        .venv/bin/python bench/search.py --pages 20000

Never point it at a database you care about: it migrates it and, when it holds fewer
content pages than --pages, runs `generate_corpus` to add the missing ones. The index is
rebuilt (and timed) when it is empty or with --reindex; --embed runs `embed_pages` and
`embed_documents` first (pages and documents of the sources not embedded yet; timed).
Timings, each through the same code as the site:

- `lexical`: `search_rank`, the lexical ranking alone;
- `semantic`: `semantic_rank`, the ranking by meaning alone (query embedding + scan),
  and `embed`, the query embedding alone;
- `hybrid`: `search_hybrid`, the fused ranking the search page and the API use;
- `api`: GET /api/search/ and `page`: the whole HTML search page, both through Django's
  test client (so `page` includes base.html: header, menus, footer).

The first round runs in a fresh process: its figures are reported as `cold_*` (the
in-memory copy of the index, the postings of each term and the embedding matrix are
loaded then); the next --rounds rounds give the steady-state p50/p95. Before the
timings the process calls `gc.freeze()` as a web process does once loaded
(`liberation/wsgi.py`); `--no-freeze` measures without. The last line is JSON.
"""

import argparse
import gc
import json
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "liberation.discovery.tests.settings")

QUERIES = [
    "cherbourg",
    "Cherbourg port 1944",
    "liberation de cherbourg",
    "bataille du cotentin",
    "libération de Paris",
    "liberation",
    "poche de Royan",
    "Provence landings 1944",
    "forces alliees",
    "résistance Vercors",
    "débarquement",
    "reconstruction mémoire",
    "cherbourgg",
    "liberaton paris",
    "1944",
    "the battle of caen",
    "parachutistes américains",
    "town hall ceremony",
    "siege of brest",
    "armée allemande reddition",
    '"cherbourg" OR * -paris',
    "NEAR(paris, caen)",
    "'; DROP TABLE discovery_searchentry; --",
    "zzzzqx",
    "🎉 Paris",
]


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))
    return ordered[index]


def _stories(wanted: int) -> float | None:
    """Published stories up to `wanted`, indexed through the site's source; the seconds
    their indexing took (None when none was missing)."""
    from liberation.collection.factories import story_make
    from liberation.collection.models import Story
    from liberation.discovery.indexing import index_documents
    from liberation.site.documents import SOURCE

    published = Story.objects.filter(state=Story.State.PUBLISHED)
    missing = wanted - published.count()
    if missing <= 0:
        return None
    words = [q for q in QUERIES if q.isascii() and q.replace(" ", "").isalnum()]
    for n in range(missing):
        a, b, c = (words[(n * k) % len(words)] for k in (1, 7, 3))
        story_make(
            state=Story.State.PUBLISHED,
            title=f"Témoignage {n}: {a}",
            summary=f"Souvenirs de {b} et de {c}.",
        )
    keys = list(published.values_list("public_id", flat=True))
    start = time.perf_counter()
    for i in range(0, len(keys), 500):
        index_documents(SOURCE, keys[i : i + 500])
    return time.perf_counter() - start


def _events(wanted: int) -> float | None:
    """Labelled projects up to `wanted` (`generate_programme`), indexed through the
    site's event source; the seconds their indexing took (None when none was missing)."""
    from django.core.management import call_command

    from liberation.agenda.selectors import labelled_public_ids
    from liberation.discovery.indexing import index_documents
    from liberation.site.programme_documents import SOURCE

    missing = wanted - len(list(labelled_public_ids()))
    if missing <= 0:
        return None
    call_command("generate_programme", events=missing, seed=wanted, stdout=sys.stderr)
    keys = sorted(labelled_public_ids())
    start = time.perf_counter()
    for i in range(0, len(keys), 1000):
        index_documents(SOURCE, keys[i : i + 1000])
        print(f"events indexed: {min(i + 1000, len(keys))}/{len(keys)}", file=sys.stderr)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=int, default=20000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--reindex", action="store_true")
    parser.add_argument(
        "--no-freeze",
        action="store_true",
        help="do not gc.freeze() before the timings (liberation/wsgi.py freezes once loaded)",
    )
    parser.add_argument("--embed", action="store_true", help="embed pages not embedded yet")
    parser.add_argument(
        "--stories",
        type=int,
        default=0,
        help="published collection stories to have in the index (created and indexed as "
        "missing; the index then holds pages and stories)",
    )
    parser.add_argument(
        "--events",
        type=int,
        default=0,
        help="labelled projects (agenda events) to have in the index (generated and "
        "indexed as missing: documents of the 'event' source)",
    )
    args = parser.parse_args()

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client, override_settings

    from liberation.content.models import ContentPage
    from liberation.discovery.indexing import rebuild_index
    from liberation.discovery.models import SearchEntry, SearchPosting
    from liberation.discovery.selectors import search_hybrid, search_rank
    from liberation.semantic import embeddings
    from liberation.semantic.models import DocumentEmbedding, PageEmbedding
    from liberation.semantic.selectors import semantic_rank

    call_command("migrate", verbosity=0)
    missing = args.pages - ContentPage.objects.count()
    if missing > 0:
        call_command("generate_corpus", pages=missing, no_index=True)
    index_seconds = embed_seconds = documents_embed_seconds = None
    if args.reindex or not SearchEntry.objects.exists():
        start = time.perf_counter()
        rebuild_index()
        index_seconds = time.perf_counter() - start
    stories_seconds = None
    if args.stories:
        stories_seconds = _stories(args.stories)
    events_seconds = _events(args.events) if args.events else None
    if args.embed:
        start = time.perf_counter()
        call_command("embed_pages")
        embed_seconds = time.perf_counter() - start
        start = time.perf_counter()
        call_command("embed_documents")
        documents_embed_seconds = time.perf_counter() - start
    entries = SearchEntry.objects.count()
    pages = SearchEntry.objects.filter(page__isnull=False).count()
    postings = SearchPosting.objects.count()
    embedded = PageEmbedding.objects.count() + DocumentEmbedding.objects.count()
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    else:
        with connection.cursor() as cursor:
            # VACUUM sets the visibility map: index-only scans of the postings.
            cursor.execute("VACUUM ANALYZE discovery_searchposting")
            cursor.execute("VACUUM ANALYZE discovery_searchentry")
            cursor.execute("VACUUM ANALYZE semantic_pageembedding")
            cursor.execute("VACUUM ANALYZE semantic_documentembedding")

    client = Client()
    if not args.no_freeze:
        # As a web process runs (liberation/wsgi.py): what is loaded by now is out of the
        # cyclic collector's reach; without it a full collection paused this process
        # 120-135 ms every ~35 pages, and those pauses made the page's p95
        # (docs/benchmarks.md, "Garbage collection pauses").
        gc.collect()
        gc.freeze()
    names = ("lexical", "semantic", "embed", "hybrid", "api", "page")
    timings: dict[str, list[float]] = {name: [] for name in names}
    cold: dict[str, list[float]] = {name: [] for name in names}
    with override_settings(ROOT_URLCONF="liberation.discovery.tests.urls"):
        for round_ in range(args.rounds + 1):  # the first round is the cold one
            for query in QUERIES:
                for name, call in (
                    ("lexical", lambda q=query: search_rank(query=q, lang="fr", limit=10)),
                    ("semantic", lambda q=query: semantic_rank(query=q, lang=None, limit=50)),
                    ("embed", lambda q=query: embeddings.encode([q])),
                    ("hybrid", lambda q=query: search_hybrid(query=q, lang="fr")),
                    ("api", lambda q=query: client.get("/api/search/", {"q": q, "lang": "en"})),
                    ("page", lambda q=query: client.get("/fr/recherche/", {"q": q})),
                ):
                    start = time.perf_counter()
                    response = call()
                    elapsed = (time.perf_counter() - start) * 1000
                    status = getattr(response, "status_code", 200)
                    if status >= 500:
                        raise SystemExit(f"{name} {query!r}: HTTP {status}")
                    (timings if round_ else cold)[name].append(elapsed)
    ranking = search_hybrid(query="cherbourg", lang="fr").method
    figures = {
        "vendor": connection.vendor,
        "entries": entries,
        "pages_indexed": pages,
        "stories_indexed": SearchEntry.objects.filter(source="testimony").count(),
        "stories_index_seconds": round(stories_seconds, 2) if stories_seconds else None,
        "events_indexed": SearchEntry.objects.filter(source="event").count(),
        "events_index_seconds": round(events_seconds, 1) if events_seconds else None,
        "postings": postings,
        "embedded": embedded,
        "ranking": ranking,
        "queries": len(QUERIES),
        "rounds": args.rounds,
        "index_seconds": round(index_seconds, 1) if index_seconds is not None else None,
        "embed_seconds": round(embed_seconds, 1) if embed_seconds is not None else None,
        "documents_embed_seconds": (
            round(documents_embed_seconds, 1) if documents_embed_seconds is not None else None
        ),
        "loadavg": [round(x, 2) for x in os.getloadavg()],
        "gc_frozen": not args.no_freeze,
    }
    print(
        f"{entries} index entries ({pages} pages), {postings} postings, {embedded} embedded;"
        f" ranking: {ranking}"
    )
    for name, values in timings.items():
        figures[f"{name}_p50_ms"] = round(statistics.median(values), 1)
        figures[f"{name}_p95_ms"] = round(percentile(values, 0.95), 1)
        figures[f"cold_{name}_p50_ms"] = round(statistics.median(cold[name]), 1)
        figures[f"cold_{name}_p95_ms"] = round(percentile(cold[name], 0.95), 1)
        p50, p95 = figures[f"{name}_p50_ms"], figures[f"{name}_p95_ms"]
        c50, c95 = figures[f"cold_{name}_p50_ms"], figures[f"cold_{name}_p95_ms"]
        print(
            f"{name:8} p50 {p50:7.1f} ms   p95 {p95:7.1f} ms"
            f"   (cold round: p50 {c50:7.1f} ms   p95 {c95:7.1f} ms)"
        )
    if index_seconds is not None:
        print(f"index of the pages in {index_seconds:.1f} s")
    if embed_seconds is not None:
        print(f"embed_pages in {embed_seconds:.1f} s")
    if documents_embed_seconds is not None:
        print(f"embed_documents in {documents_embed_seconds:.1f} s")
    print(f"load average {figures['loadavg']}")
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
