"""Rebuild the discovery search index from every live, public content page."""

import sys
import time

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Empty and rebuild the discovery search index (pages and registered document sources)."

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=500)

    def handle(self, *args, batch_size, **options):
        from ...indexing import rebuild_index

        start = time.monotonic()

        def progress(done: int, total: int) -> None:
            sys.stderr.write(f"\rindexed {done}/{total}")
            sys.stderr.flush()

        count = rebuild_index(batch_size=batch_size, progress=progress)
        sys.stderr.write("\n")
        elapsed = time.monotonic() - start
        self.stdout.write(
            f"indexed {count} entries (pages and documents: testimonies, events) in {elapsed:.1f} s"
        )
