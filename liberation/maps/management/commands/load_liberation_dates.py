"""Load the Liberation day by day (liberation/maps/data/liberation_dates.csv); idempotent."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from liberation.maps.services import DATA_FILE, LoadFailed, liberation_dates_load


class Command(BaseCommand):
    help = "Load the dates of liberation of communes and départements (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("--file", type=Path, default=DATA_FILE, help="CSV file to load")

    def handle(self, *args, file: Path, **options):
        try:
            report = liberation_dates_load(path=file)
        except LoadFailed as failure:
            raise CommandError("\n".join(failure.errors)) from failure
        self.stdout.write(f"Liberation dates: {report.summary()}")
