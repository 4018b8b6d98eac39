"""Embed every public document of the search sources (unchanged texts skip the model),
forget the embeddings of documents no longer public; prints progress and timings.

The tasks enqueued by the index keep the embeddings in step one document at a time;
this command catches up at once (a first deployment, a restore, a queue that lost
work)."""

import sys
import time

from django.core.management.base import BaseCommand

from liberation.semantic import embeddings, services
from liberation.semantic.models import DocumentEmbedding

from ...meaning import documents_meaning_update
from ...sources import sources_all


class Command(BaseCommand):
    help = "Embed the public documents of the search sources (events, testimonies)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--batch", type=int, default=512, help="documents read at a time (progress)"
        )

    def handle(self, *args, batch: int, **options):
        started = time.perf_counter()
        registered = sources_all()
        gone, _ = DocumentEmbedding.objects.exclude(
            source__in=[source.name for source in registered]
        ).delete()
        embeddings.encode(["warm-up"])
        embedded = total = 0
        cpu0 = time.process_time()
        for source in registered:
            keys = sorted(source.keys())
            known = set(
                DocumentEmbedding.objects.filter(source=source.name).values_list("key", flat=True)
            )
            stale = sorted(known - set(keys))
            gone += services.documents_forget(source=source.name, keys=stale)
            for start in range(0, len(keys), batch):
                embedded += documents_meaning_update(source.name, keys[start : start + batch])
                done = min(start + batch, len(keys))
                elapsed = time.perf_counter() - started
                sys.stderr.write(
                    f"\r{source.name}: {done}/{len(keys)}  {embedded} embedded  "
                    f"{(total + done) / elapsed if elapsed else 0:.0f} documents/s"
                )
                sys.stderr.flush()
            total += len(keys)
            sys.stderr.write("\n")
        elapsed = time.perf_counter() - started
        self.stdout.write(
            self.style.SUCCESS(
                f"{total} documents: {embedded} embedded, {total - embedded} unchanged, "
                f"{gone} removed; {elapsed:.1f} s ({time.process_time() - cpu0:.1f} s CPU)"
            )
        )
