"""`manage.py import_content FILE [--dry-run] [--draft]`: load a JSON Lines file.

The file imports whole or not at all; on failure every error is listed (line, key,
field, what is wrong) and the command exits with status 1.
"""

from pathlib import Path

from django.core.management.base import BaseCommand

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

    def handle(self, *args, file: Path, dry_run: bool, draft: bool, **options):
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
        self.stdout.write(self.style.SUCCESS(f"{file}: {report.summary()}"))
