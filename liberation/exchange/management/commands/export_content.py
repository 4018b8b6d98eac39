"""`manage.py export_content FILE`: write every content page as JSON Lines.

Local video files are copied into a `media/` folder next to FILE, so that the output
re-imports as it is (see content-format.md).
"""

from pathlib import Path

from django.core.management.base import BaseCommand

from liberation.exchange.export import export_content


class Command(BaseCommand):
    help = "Export every content page to a JSON Lines file (see content-format.md)."

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path, help="the .jsonl file to write")

    def handle(self, *args, file: Path, **options):
        count = export_content(path=file)
        self.stdout.write(self.style.SUCCESS(f"{file}: {count} items exported."))
