"""`manage.py collection_purge`: the collection's retention schedule, once
(liberation/collection/retention.py). Run every hour by the clock of `make run`
(liberation/run.py); safe to run by hand or from cron, even twice at the same time."""

from django.core.management.base import BaseCommand
from django.utils import timezone

from liberation.collection.retention import collection_purge


class Command(BaseCommand):
    help = (
        "Erase the personal data of rejected and withdrawn stories past their retention, "
        "delete abandoned drafts, re-enqueue uploads the worker missed."
    )

    def handle(self, *args, **options):
        report = collection_purge(now=timezone.now())
        if options["verbosity"] > 1 or any(report.values()):
            self.stdout.write(
                "collection purge: " + ", ".join(f"{k}={v}" for k, v in report.items())
            )
