"""Build the demo content: site structure, then the bundled JSON Lines file.

Idempotent: a second run finds everything in place and writes nothing.
"""

from pathlib import Path

from django.core.management.base import BaseCommand

from liberation.content.exchange import ImportFailed, import_content
from liberation.core.services import site_ensure_structure

DEMO_FILE = Path(__file__).resolve().parents[2] / "demo" / "content.jsonl"


class Command(BaseCommand):
    help = "Create the site structure and load the demo content (idempotent)."

    def handle(self, *args, **options):
        site_ensure_structure()
        try:
            report = import_content(path=DEMO_FILE)
        except ImportFailed as failure:
            for error in failure.errors:
                self.stderr.write(str(error))
            raise SystemExit(1) from failure
        self.stdout.write(f"Demo content: {report.summary()}")
