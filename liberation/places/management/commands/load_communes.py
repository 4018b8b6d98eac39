"""Load the commune referential (régions, départements, communes with their points).

    manage.py load_communes [--file F] [--force] [--prune]

Idempotent: a second run with the same file is skipped (the file's SHA-256 is kept);
--force loads anyway. Communes missing from the file are kept unless --prune, and a
commune another row refers to is never deleted."""

import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from liberation.places.services import DEFAULT_FILE, ReferentialFileError, referential_load


class Command(BaseCommand):
    help = "Load régions, départements and communes from the referential file (COG)."

    def add_arguments(self, parser):
        parser.add_argument("--file", type=Path, default=DEFAULT_FILE, help="CSV or CSV.gz")
        parser.add_argument("--force", action="store_true", help="load even if unchanged")
        parser.add_argument(
            "--prune",
            action="store_true",
            help="delete communes missing from the file (never one still referred to)",
        )

    def handle(self, *args, file: Path, force: bool, prune: bool, **options):
        started = time.perf_counter()
        try:
            report = referential_load(path=file, force=force, prune=prune)
        except ReferentialFileError as exc:
            raise CommandError(f"Referential not loaded: {exc}") from None
        seconds = time.perf_counter() - started
        if report.skipped:
            self.stdout.write(
                f"Communes already loaded from this file ({report.version[:12]}): "
                f"skipped in {seconds:.2f} s."
            )
            return
        self.stdout.write(
            f"Loaded {report.regions} régions, {report.departements} départements, "
            f"{report.communes} communes ({report.created} new, {report.unplaced} without "
            f"a point) in {seconds:.1f} s."
        )
        if report.stale or report.deleted:
            self.stdout.write(
                f"Communes not in the file: {report.deleted} deleted, {report.stale} kept"
                + (f" ({report.kept_referenced} referred to)" if prune else " (use --prune)")
                + "."
            )
