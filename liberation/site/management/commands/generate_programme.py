"""Generate a programme of labelled projects for benchmarks and demos.

    manage.py generate_programme --events 20000 [--applications 5000] [--seed 1]
                                 [--start 2026-06-01] [--days 365]

Projects are spread over the communes that have a point (the sample communes when the
referential is not loaded), with 1 to 3 sessions each (an exhibition: one long one)
within the window. Rows are written with bulk_create. Never run this on a production
database."""

import datetime as dt
import time

from django.core.management.base import BaseCommand, CommandError

from liberation.site.demo.programme import generate_programme


class Command(BaseCommand):
    help = "Generate labelled projects (and other applications) for benchmarks."

    def add_arguments(self, parser):
        parser.add_argument("--events", type=int, default=1000, help="labelled projects")
        parser.add_argument(
            "--applications", type=int, default=0, help="projects in other states (review)"
        )
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--start", type=dt.date.fromisoformat, default=None)
        parser.add_argument("--days", type=int, default=365)

    def handle(self, *args, events, applications, seed, start, days, **options):
        if events < 0 or applications < 0 or days < 1:
            raise CommandError("--events and --applications must be >= 0, --days >= 1")
        began = time.perf_counter()
        out = generate_programme(
            events=events, applications=applications, seed=seed, start=start, days=days
        )
        self.stdout.write(
            f"Generated {out.labelled} labelled projects ({out.sessions} sessions in all) "
            f"and {out.applications} other applications in {time.perf_counter() - began:.1f} s."
        )
