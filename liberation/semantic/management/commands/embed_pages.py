"""Embed every live content page (unchanged ones are skipped), then recompute the
related content of all of them; prints progress and timings.

`--workers N` embeds in N processes (this command again, each on every N-th page, with
`--shard`), then recomputes related content once: the model runs on one BLAS thread per
process, so this is how a full rebuild uses several cores."""

import argparse
import os
import subprocess
import sys
import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

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
        parser.add_argument("--workers", type=int, default=1, help="embedding processes")
        parser.add_argument("--shard", default="", help=argparse.SUPPRESS)

    def _workers(self, workers: int, batch: int) -> None:
        manage = str(settings.BASE_DIR / "manage.py")
        command = [sys.executable, manage, "embed_pages", "--batch", str(batch)]
        children = [
            subprocess.Popen([*command, "--shard", f"{i}/{workers}"], env=os.environ.copy())
            for i in range(workers)
        ]
        if any(child.wait() for child in children):
            raise CommandError("an embedding process failed")

    def handle(self, *args, batch: int, force: bool, workers: int, shard: str, **options):
        started = time.perf_counter()
        live = ContentPage.objects.live()
        gone = 0
        if not shard:
            gone, _ = PageEmbedding.objects.exclude(page_id__in=live.values("pk")).delete()
            if force:
                PageEmbedding.objects.update(content_hash="")
        total = live.count()
        if workers > 1 and not shard:
            t0 = time.perf_counter()
            self._workers(workers, batch)
            embed_s = time.perf_counter() - t0
            t1 = time.perf_counter()
            refreshed = services.related_refresh()
            self.stdout.write(
                self.style.SUCCESS(
                    f"{total} pages in {workers} processes (see their lines): embedding "
                    f"{embed_s:.1f} s wall ({total / embed_s if embed_s else 0:.1f} pages/s), "
                    f"related content of {refreshed} pages {time.perf_counter() - t1:.1f} s"
                )
            )
            return
        embeddings.encode(["warm-up"])
        load_s = time.perf_counter() - started
        ids = list(live.order_by("pk").values_list("pk", flat=True))
        if shard:
            index, count = (int(n) for n in shard.split("/"))
            ids = ids[index::count]
        embedded, t0, cpu0 = self._embed(ids, batch)
        embed_s = time.perf_counter() - t0
        # CPU seconds of this process (all threads): a figure that a busy machine does
        # not inflate the way it inflates the wall-clock time.
        embed_cpu = time.process_time() - cpu0
        if shard:
            self.stdout.write(
                f"shard {shard}: {embedded} of {len(ids)} pages embedded in "
                f"{embed_s:.1f} s ({embed_cpu:.1f} s CPU)"
            )
            return
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

    def _embed(self, ids: list[int], batch: int) -> tuple[int, float, float]:
        pages = ContentPage.objects.live().specific().prefetch_related("themes", "places")
        embedded = done = 0
        total = len(ids)
        t0, cpu0 = time.perf_counter(), time.process_time()
        for start in range(0, total, batch):
            chunk = list(pages.filter(pk__in=ids[start : start + batch]).order_by("pk"))
            embedded += services.pages_embed(pages=chunk)
            done += len(chunk)
            elapsed = time.perf_counter() - t0
            self.stdout.write(
                f"  {done}/{total} pages  {embedded} embedded  "
                f"{done / elapsed if elapsed else 0:.0f} pages/s",
                ending="\r" if done < total else "\n",
            )
            self.stdout.flush()
        return embedded, t0, cpu0
