"""Memory of one server process holding the in-memory search (lexical, then hybrid).

Runs in-process on the database of DATABASE_URL (e.g. the 20,000-page corpus of
`bench/search.py`): prints VmRSS after Django setup, after loading the index entries,
and after searches of common words with the hybrid off (`--lexical`) or on (default),
then PSS (shared pages divided among the processes mapping them), the peak
(VmHWM) of each phase (setup, loading the entries, the first searches: the postings of
each word, and the model and the matrix when hybrid) and the time of the same searches
once warm and the time to reload the entries (what each process pays once after an
index change), then a final JSON line.
Run it once per mode: a process cannot unload the model.

The embedding matrices (pages, and the documents of the search sources) are files
mapped by every process when SEMANTIC_SHARED_DIR is set (the production settings'
default: var/semantic): the figures then split the RSS into anonymous memory (this
process's own) and file pages (shared). `--companions N` starts N more processes that
do the same searches, then reads this process's PSS while they hold their memory: what
each of N + 1 web processes costs the machine.

    DATABASE_URL=sqlite:////tmp/bench-search-20k.sqlite3 python bench/search_memory.py --lexical
    DATABASE_URL=sqlite:////tmp/bench-search-20k.sqlite3 python bench/search_memory.py
"""

import argparse
import contextlib
import gc
import json
import os
import sys
import time
from pathlib import Path

WORDS = [
    "cherbourg", "libération", "guerre", "paris", "bataille", "résistance", "débarquement",
    "normandie", "déportation", "armistice", "mai", "1944", "1945", "ville", "soldats",
    "the", "war", "liberation", "france", "de",
]  # fmt: skip


def _field_mb(path: str, name: str) -> int:
    for line in Path(path).read_text().splitlines():
        if line.startswith(name + ":"):
            return int(line.split()[1]) // 1024
    return 0


def rss_mb() -> int:
    return _field_mb("/proc/self/status", "VmRSS")


def peak_mb() -> int:
    """The most this process has held (VmHWM), including transient copies."""
    return _field_mb("/proc/self/status", "VmHWM")


def reset_peak() -> None:
    """Start VmHWM again from the current RSS (Linux ≥ 4.0), so that each phase's peak
    is its own."""
    with contextlib.suppress(OSError):
        Path("/proc/self/clear_refs").write_text("5")


def pss_mb() -> int:
    """Proportional set size: shared pages (libraries, the model's file) divided among
    the processes mapping them; what a process costs on a machine running several."""
    return _field_mb("/proc/self/smaps_rollup", "Pss")


def status_mb(name: str) -> int:
    """A line of /proc/self/status in MB (RssAnon: this process's own memory; RssFile:
    pages of mapped files, shared with every process mapping them)."""
    return _field_mb("/proc/self/status", name)


def mapped_files_mb(minimum_mb: float = 1.0) -> dict[str, float]:
    """Resident MB of each mapped file (from /proc/self/smaps), the largest first."""
    resident: dict[str, int] = {}
    name = None
    for line in Path("/proc/self/smaps").read_text().splitlines():
        fields = line.split()
        if "-" in fields[0] and len(fields) >= 5 and not line.endswith(":"):
            name = fields[5] if len(fields) > 5 and fields[5].startswith("/") else None
        elif fields[0] == "Rss:" and name:
            resident[name] = resident.get(name, 0) + int(fields[1])
    kept = {k: round(v / 1024, 1) for k, v in resident.items() if v / 1024 >= minimum_mb}
    return dict(sorted(kept.items(), key=lambda kv: -kv[1]))


def _companions(count: int, lexical: bool) -> list:
    """Processes that load the same search and wait (their stdin closed: they exit)."""
    import subprocess

    command = [sys.executable, __file__, "--hold"] + (["--lexical"] if lexical else [])
    started = [
        subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        for _ in range(count)
    ]
    for process in started:
        if process.stdout.readline().strip() != "ready":
            raise SystemExit("a companion process failed")
    return started


def _full_collections() -> list[float]:
    """The duration (ms) of each full (generation 2) garbage collection from now on: a
    pause of the whole process, proportional to the objects it tracks."""
    pauses: list[float] = []
    started: list[float] = []

    def callback(phase: str, info: dict) -> None:
        if info["generation"] != 2:
            return
        if phase == "start":
            started[:] = [time.perf_counter()]
        elif started:
            pauses.append(round((time.perf_counter() - started[0]) * 1000, 1))

    gc.callbacks.append(callback)
    return pauses


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lexical", action="store_true", help="hybrid off (SEARCH_HYBRID)")
    parser.add_argument(
        "--warm-rounds", type=int, default=1, help="times the warm searches are repeated"
    )
    parser.add_argument(
        "--freeze", action="store_true", help="gc.freeze() before the warm searches"
    )
    parser.add_argument(
        "--companions", type=int, default=0, help="other processes holding the same search"
    )
    parser.add_argument("--hold", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "liberation.settings.production")
    import django

    django.setup()
    from django.conf import settings

    from liberation.discovery import postings
    from liberation.discovery.selectors import SearchFilters, search_pages

    settings.SEARCH_HYBRID = not args.lexical
    figures = {"ranking": "lexical" if args.lexical else "hybrid", "setup_mb": rss_mb()}
    figures["setup_peak_mb"] = peak_mb()
    reset_peak()
    figures["entries"] = len(postings.snapshot_get().ids)
    from liberation.semantic.models import DocumentEmbedding, PageEmbedding

    figures["pages_embedded"] = PageEmbedding.objects.count()
    figures["documents_embedded"] = DocumentEmbedding.objects.count()
    figures["entries_loaded_mb"] = rss_mb()
    figures["entries_peak_mb"] = peak_mb()
    reset_peak()
    for word in WORDS:
        search_pages(query=word, lang="fr", filters=SearchFilters(), sort="relevance")
    if args.hold:  # a companion: hold the memory until the measuring process is done
        print("ready", flush=True)
        sys.stdin.read()
        return 0
    figures["after_searches_mb"] = rss_mb()
    figures["after_searches_anon_mb"] = status_mb("RssAnon")
    figures["after_searches_file_mb"] = status_mb("RssFile")
    figures["after_searches_pss_mb"] = pss_mb()
    figures["mapped_files_mb"] = mapped_files_mb()
    figures["shared_dir"] = str(getattr(settings, "SEMANTIC_SHARED_DIR", "") or "")
    figures["companions"] = args.companions
    if args.companions:
        held = _companions(args.companions, args.lexical)
        figures["pss_with_companions_mb"] = pss_mb()
        for process in held:
            process.communicate("")
    figures["searches_peak_mb"] = peak_mb()
    figures["peak_mb"] = max(
        figures["setup_peak_mb"], figures["entries_peak_mb"], figures["searches_peak_mb"]
    )
    if args.freeze:  # what gc.freeze() after the loading would change (not done by the site)
        gc.collect()
        gc.freeze()
    pauses = _full_collections()
    times = []
    for _ in range(args.warm_rounds):
        for word in WORDS:
            start = time.perf_counter()
            search_pages(query=word, lang="fr", filters=SearchFilters(), sort="relevance")
            times.append((time.perf_counter() - start) * 1000)
    times.sort()
    figures["warm_searches"] = len(times)
    figures["full_gc_pauses_ms"] = pauses
    figures["tracked_objects"] = len(gc.get_objects())
    figures["frozen_objects"] = gc.get_freeze_count()
    reloads = []
    for _ in range(3):  # what every process pays once after an index change
        start = time.perf_counter()
        postings._load_entries(0)
        reloads.append((time.perf_counter() - start) * 1000)
    figures["entries_reload_ms_median"] = round(sorted(reloads)[1], 1)
    figures["warm_search_ms_p50"] = round(times[len(times) // 2], 1)
    figures["warm_search_ms_max"] = round(times[-1], 1)
    figures["load_average"] = round(os.getloadavg()[0], 2)
    print(f"{figures['entries']} index entries, ranking {figures['ranking']}")
    print(f"VmRSS after setup          {figures['setup_mb']} MB")
    print(f"      after loading entries {figures['entries_loaded_mb']} MB")
    print(f"      after {len(WORDS)} searches     {figures['after_searches_mb']} MB")
    print(
        f"      of which anonymous {figures['after_searches_anon_mb']} MB, mapped files "
        f"{figures['after_searches_file_mb']} MB (shared dir: {figures['shared_dir'] or 'none'})"
    )
    for path, size in figures["mapped_files_mb"].items():
        print(f"        {size:6.1f} MB  {path}")
    print(f"PSS after the searches      {figures['after_searches_pss_mb']} MB")
    if args.companions:
        print(
            f"PSS with {args.companions} other process(es) holding the same search: "
            f"{figures['pss_with_companions_mb']} MB"
        )
    print(
        f"peak (VmHWM)                {figures['peak_mb']} MB: setup "
        f"{figures['setup_peak_mb']}, loading entries {figures['entries_peak_mb']}, "
        f"first searches {figures['searches_peak_mb']} MB"
    )
    print(
        f"the same {len(WORDS)} searches again ×{args.warm_rounds}: "
        f"p50 {figures['warm_search_ms_p50']} ms, "
        f"max {figures['warm_search_ms_max']} ms (load {figures['load_average']})"
    )
    print(
        f"full garbage collections during the {figures['warm_searches']} warm searches: "
        f"{figures['full_gc_pauses_ms']} ms ({figures['tracked_objects']} objects tracked, "
        f"{figures['frozen_objects']} frozen)"
    )
    print(f"reloading the entries        {figures['entries_reload_ms_median']} ms (median of 3)")
    print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
