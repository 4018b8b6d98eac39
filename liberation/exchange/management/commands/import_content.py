"""`manage.py import_content FILE [--dry-run] [--draft] [--wait]`: load a JSON Lines file.

The file imports whole or not at all; on failure every error is listed (line, key,
field, what is wrong) and the command exits with status 1.

The published pages are indexed (search, meaning, related content) by the task worker
after the import, in a few batch tasks (`core/bulk.py`). `--wait` follows them and
prints their progress until they are done; it exits with status 1 if one failed.
"""

import time
from pathlib import Path

from django.core.management.base import BaseCommand

from liberation.core.bulk import progress
from liberation.exchange.items import ImportFailed
from liberation.exchange.write import import_content


class Command(BaseCommand):
    help = "Import content from a JSON Lines file (see content-format.md)."

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path, help="the .jsonl file to import")
        parser.add_argument(
            "--dry-run", action="store_true", help="check the file and report, write nothing"
        )
        parser.add_argument(
            "--draft", action="store_true", help="save new revisions as drafts, do not publish"
        )
        parser.add_argument(
            "--wait",
            action="store_true",
            help="then follow the indexing by the task worker until it is done",
        )
        parser.add_argument(
            "--interval", type=float, default=2.0, help="seconds between progress lines"
        )

    def handle(self, *args, file: Path, dry_run: bool, draft: bool, wait: bool, **options):
        started = time.monotonic()
        try:
            report = import_content(path=file, draft=draft, dry_run=dry_run)
        except ImportFailed as failure:
            for error in failure.errors:
                self.stderr.write(str(error))
            count = len(failure.errors)
            self.stderr.write(
                self.style.ERROR(
                    f"{file}: {count} error{'s' if count > 1 else ''}, nothing imported."
                )
            )
            raise SystemExit(1) from failure
        self.stdout.write(
            self.style.SUCCESS(f"{file}: {report.summary()} in {time.monotonic() - started:.1f} s")
        )
        if report.indexing is None or not report.indexing.units:
            return
        self.stdout.write(f"Indexing enqueued: {self._line(report.indexing)}")
        if wait:
            self._follow(report.indexing, options["interval"], time.monotonic())

    def _line(self, indexing) -> str:
        return "; ".join(
            f"{work.name} {work.pages}/{work.total} pages"
            + (" (done)" if work.finished else "")
            + (f" ({work.failed} tasks failed)" if work.failed else "")
            for work in progress(indexing)
        )

    def _follow(self, indexing, interval: float, since: float) -> None:
        while True:
            works = progress(indexing)
            if all(work.finished for work in works):
                break
            time.sleep(interval)
            self.stdout.write(f"  {time.monotonic() - since:6.1f} s  {self._line(indexing)}")
        failed = sum(work.failed for work in works)
        elapsed = time.monotonic() - since
        if failed:
            self.stderr.write(
                self.style.ERROR(f"Indexing: {failed} tasks failed ({elapsed:.1f} s).")
            )
            raise SystemExit(1)
        self.stdout.write(self.style.SUCCESS(f"Indexing done in {elapsed:.1f} s."))
