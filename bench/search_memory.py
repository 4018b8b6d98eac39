"""Memory of one server process holding the in-memory search (lexical, then hybrid).

Runs in-process on the database of DATABASE_URL (e.g. the 20,000-page corpus of
`bench/search.py`): prints VmRSS after Django setup, after loading the index entries,
and after searches of common words with the hybrid off (`--lexical`) or on (default),
then a final JSON line. Run it once per mode: a process cannot unload the model.

    DATABASE_URL=sqlite:////tmp/bench-search-20k.sqlite3 python bench/search_memory.py --lexical
    DATABASE_URL=sqlite:////tmp/bench-search-20k.sqlite3 python bench/search_memory.py
"""

import argparse
import json
import os
import sys
from pathlib import Path

WORDS = [
    "cherbourg", "libération", "guerre", "paris", "bataille", "résistance", "débarquement",
    "normandie", "déportation", "armistice", "mai", "1944", "1945", "ville", "soldats",
    "the", "war", "liberation", "france", "de",
]  # fmt: skip


def rss_mb() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS"):
            return int(line.split()[1]) // 1024
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lexical", action="store_true", help="hybrid off (SEARCH_HYBRID)")
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
    figures["entries"] = len(postings.snapshot_get().ids)
    figures["entries_loaded_mb"] = rss_mb()
    for word in WORDS:
        search_pages(query=word, lang="fr", filters=SearchFilters(), sort="relevance")
    figures["after_searches_mb"] = rss_mb()
    print(f"{figures['entries']} index entries, ranking {figures['ranking']}")
    print(f"VmRSS after setup          {figures['setup_mb']} MB")
    print(f"      after loading entries {figures['entries_loaded_mb']} MB")
    print(f"      after {len(WORDS)} searches     {figures['after_searches_mb']} MB")
    print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
