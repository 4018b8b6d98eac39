"""Embed every live content page (unchanged ones are skipped), then recompute the
related content of all of them; prints progress and timings."""

import time
from itertools import islice

from django.core.management.base import BaseCommand

from liberation.content.models import ContentPage
from liberation.semantic import embeddings, services
from liberation.semantic.models import PageEmbedding


class Command(BaseCommand):
    help = "Embed all live content pages and recompute related content by meaning."

    def add_arguments(self, parser):
        parser.add_argument(
            "--batch", type=int, default=64, help="pages per model call and progress line"
        )
        parser.add_argument(
            "--force", action="store_true", help="re-embed even when the text is unchanged"
        )

    def handle(self, *args, batch: int, force: bool, **options):
        started = time.perf_counter()
        embeddings.encode(["warm-up"])
        load_s = time.perf_counter() - started
        if force:
            PageEmbedding.objects.update(content_hash="")
        live = ContentPage.objects.live().specific().prefetch_related("themes", "places")
        gone, _ = PageEmbedding.objects.exclude(page_id__in=live.values("pk")).delete()
        total = live.count()
        embedded = done = 0
        t0, cpu0 = time.perf_counter(), time.process_time()
        pages = live.iterator(chunk_size=batch)
        while chunk := list(islice(pages, batch)):
            embedded += services.pages_embed(pages=chunk)
            done += len(chunk)
            elapsed = time.perf_counter() - t0
            self.stdout.write(
                f"  {done}/{total} pages  {embedded} embedded  "
                f"{done / elapsed if elapsed else 0:.0f} pages/s",
                ending="\r" if done < total else "\n",
            )
            self.stdout.flush()
        embed_s = time.perf_counter() - t0
        # CPU seconds of this process (all threads): a figure that a busy machine does
        # not inflate the way it inflates the wall-clock time.
        embed_cpu = time.process_time() - cpu0
        t1 = time.perf_counter()
        refreshed = services.related_refresh()
        related_s = time.perf_counter() - t1
        self.stdout.write(
            self.style.SUCCESS(
                f"{total} pages: {embedded} embedded, {total - embedded} unchanged, "
                f"{gone} removed; model load {load_s:.1f} s, embedding {embed_s:.1f} s "
                f"({embedded / embed_s if embed_s else 0:.1f} pages/s, {embed_cpu:.1f} s CPU), "
                f"related content of {refreshed} pages {related_s:.1f} s"
            )
        )
