"""How soon a published or imported page is found, and its related content recomputed
(issue 14, item 5), with the processes of `make run`.

    flock /tmp/bench.lock .venv/bin/python bench/freshness.py --publishes 20 --import-pages 2000

It starts its own site: `liberation/run.py` (production settings, granian and the task
worker as `make run` starts them) on a free loopback port, on a new SQLite file in a
temporary folder (or on DATABASE_URL=postgres://… when given: a throwaway database,
migrated and loaded with the demo content). Then, this process writing to the same
database as an editor's would:

1. **publish**: `--publishes` title changes of a demo article (Wagtail revision,
   publish), each with a new word; after the commit, the search API is asked every
   20 ms until that word finds the page: p50, p95, max (target ≤ 2 s).
2. **related**: one article imported (`import_content`) whose text is a demo
   article's, reworded: the time until it is searchable, until its own page shows
   related content stored, and until the article it resembles shows it in its
   "Related content" cards (read over HTTP; target ≤ 60 s).
3. **import**: `--import-pages` articles (the demo articles' texts, numbered) imported
   by `manage.py import_content --wait`, which prints the indexing's progress: the
   import's time, the indexing's (search, meaning, related content), and a sample of
   the imported pages asked to the search API.

Prints the load average beside each phase; the last line is JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT / "liberation" / "site" / "demo" / "content.jsonl"
PASSWORD = "freshness-bench-password"


def load() -> str:
    return Path("/proc/loadavg").read_text().split()[0]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def get(url: str, timeout: float = 10) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()
    except OSError:
        return 0, b""


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered)) - 1))]


class Site:
    """liberation/run.py on a free port, its database and media in `folder`."""

    def __init__(self, folder: Path, database_url: str | None) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = folder / "run.log"
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "liberation.settings.production",
            "SECRET_KEY": "freshness-bench-secret-not-for-production-0123456789",
            "DATABASE_URL": database_url or f"sqlite:///{folder / 'db.sqlite3'}",
            "REDIS_URL": os.environ.get("REDIS_URL", ""),
            "MEDIA_ROOT": str(folder / "media"),
            "STATIC_ROOT": str(folder / "static"),
            "HOST": "127.0.0.1",
            "PORT": str(self.port),
            "ALLOWED_HOSTS": "127.0.0.1",
            "ADMIN_USERNAME": "admin",
            "ADMIN_PASSWORD": PASSWORD,
            "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
            "LOG_LEVEL": "WARNING",
        }
        self.process: subprocess.Popen | None = None

    def start(self) -> float:
        started = time.monotonic()
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "liberation.run"],
                cwd=ROOT,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        while get(f"{self.base}/fr/", timeout=5)[0] != 200:
            if self.process.poll() is not None or time.monotonic() - started > 600:
                raise SystemExit(f"the site did not start:\n{self.log.read_text()[-3000:]}")
            time.sleep(0.5)
        return time.monotonic() - started

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)

    def django(self) -> None:
        """This process on the same database and task queue as the site."""
        os.environ.update(self.env)
        sys.path.insert(0, str(ROOT))
        import django

        django.setup()

    def search(self, query: str, lang: str = "fr") -> list[dict]:
        q = urllib.parse.urlencode({"q": query, "lang": lang, "limit": 10})
        status, body = get(f"{self.base}/api/search/?{q}")
        return json.loads(body)["results"] if status == 200 else []

    def wait_queue_idle(self, limit: float = 900) -> float:
        """Seconds until no task waits or runs (the demo content's follow-up work)."""
        from django_tasks_db.models import DBTaskResult

        started = time.monotonic()
        while DBTaskResult.objects.filter(status__in=["READY", "RUNNING"]).exists():
            if time.monotonic() - started > limit:
                raise SystemExit("the task queue did not drain")
            time.sleep(0.5)
        return time.monotonic() - started


def until(condition, limit: float, poll: float = 0.02) -> float:
    """Seconds until condition() is true, measured from now (inf past `limit`)."""
    started = time.monotonic()
    while not condition():
        if time.monotonic() - started > limit:
            return float("inf")
        time.sleep(poll)
    return time.monotonic() - started


def demo_articles() -> list[dict]:
    lines = [json.loads(line) for line in DEMO.read_text(encoding="utf-8").splitlines()]
    return [d for d in lines if d["type"] == "article" and d.get("body")]


def article_line(template: dict, *, key: str, title: str) -> dict:
    line = {
        k: template[k]
        for k in ("type", "lang", "lead", "body", "themes", "places", "history")
        if k in template
    }
    return {**line, "key": key, "title": title, "published": "2026-12-01"}


def phase_publish(site: Site, count: int) -> dict:
    from django.utils import timezone
    from django_tasks_db.models import DBTaskResult
    from wagtail.models import Page

    from liberation.content.models import ArticlePage

    page = ArticlePage.objects.live().filter(locale__language_code="fr").order_by("pk").first()
    original = page.title
    since = timezone.now()
    run = random.randrange(10**6)
    delays = []
    try:
        for n in range(count):
            word = f"fraicheur{run}x{n}"
            page = Page.objects.get(pk=page.pk).specific
            page.title = f"{original} {word}"
            page.save_revision().publish()
            delays.append(
                until(lambda w=word: any(r["title"].endswith(w) for r in site.search(w)), 30)
            )
    finally:
        page = Page.objects.get(pk=page.pk).specific
        page.title = original
        page.save_revision().publish()
    # Where the time goes: the wait in the queue and the run of each search index task.
    tasks = DBTaskResult.objects.filter(
        task_path="liberation.discovery.indexing.reindex_page", enqueued_at__gte=since
    ).values_list("enqueued_at", "started_at", "finished_at")
    waits = [(s - e).total_seconds() for e, s, _f in tasks if s]
    runs = [(f - s).total_seconds() for _e, s, f in tasks if f]
    return {
        "publishes": count,
        "queue_wait_p50_s": round(statistics.median(waits), 3) if waits else None,
        "queue_wait_max_s": round(max(waits), 3) if waits else None,
        "task_run_p50_s": round(statistics.median(runs), 3) if runs else None,
        "searchable_p50_s": round(statistics.median(delays), 3),
        "searchable_p95_s": round(percentile(delays, 95), 3),
        "searchable_max_s": round(max(delays), 3),
    }


def _import(path: Path, *, wait: bool) -> tuple[float, str]:
    command = [sys.executable, str(ROOT / "manage.py"), "import_content", str(path)]
    started = time.monotonic()
    done = subprocess.run(
        command + (["--wait"] if wait else []),
        cwd=ROOT,
        env=os.environ.copy(),
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode:
        raise SystemExit(f"import failed:\n{done.stdout}\n{done.stderr}")
    return time.monotonic() - started, done.stdout


def _related_urls(html: bytes) -> set[str]:
    """The links of the page's "related content" section."""
    match = re.search(rb'<section[^>]*aria-labelledby="related-heading"(.*?)</section>', html, re.S)
    return set(re.findall(rb'href="([^"]+)"', match.group(1))) if match else set()


def phase_related(site: Site, folder: Path) -> dict:
    from liberation.content.models import ContentKey
    from liberation.semantic.models import PageEmbedding

    # A French article without editors' picks: its cards are all computed.
    template = next(d for d in demo_articles() if d["lang"] == "fr" and not d.get("related"))
    resembled = ContentKey.objects.get(key=template["key"]).page.specific
    word = f"jumeau{random.randrange(10**6)}"
    line = article_line(template, key=word, title=f"{template['title']} ({word})")
    path = folder / "one.jsonl"
    path.write_text(json.dumps(line, ensure_ascii=False) + "\n", encoding="utf-8")
    from liberation.exchange.write import import_content

    started = time.monotonic()
    import_content(path=path)  # in this process: the clock starts at its commit
    import_s = time.monotonic() - started
    committed = time.monotonic()
    page = ContentKey.objects.get(key=word).page.specific
    new_path = urllib.parse.urlsplit(page.url).path.encode()
    searchable = until(lambda: any(r["key"] == word for r in site.search(word)), 60)
    own_cards = until(
        lambda: bool(
            PageEmbedding.objects.filter(page_id=page.pk)
            .values_list("related_ids", flat=True)
            .first()
        ),
        120,
        poll=0.25,
    )
    listed = until(
        lambda: any(new_path in url for url in _related_urls(get(site.base + resembled.url)[1])),
        120,
        poll=0.25,
    )
    since_commit = time.monotonic() - committed
    return {
        "import_one_s": round(import_s, 3),
        "searchable_s": round(searchable, 3),
        "own_related_stored_s": round(searchable + own_cards, 3),
        "listed_by_resembled_page_s": round(since_commit, 3) if listed != float("inf") else None,
    }


def phase_import(site: Site, folder: Path, pages: int) -> dict:
    templates = demo_articles()
    run = random.randrange(10**6)
    lines = [
        article_line(
            templates[n % len(templates)],
            key=f"lot-{run}-{n}",
            title=f"{templates[n % len(templates)]['title']} — lot {run} n° {n}",
        )
        for n in range(pages)
    ]
    path = folder / "lot.jsonl"
    path.write_text(
        "\n".join(json.dumps(line, ensure_ascii=False) for line in lines) + "\n",
        encoding="utf-8",
    )
    load_before = load()
    total_s, out = _import(path, wait=True)
    import_s = float(re.search(r"in ([\d.]+) s\n", out).group(1))
    indexing_s = float(re.search(r"Indexing done in ([\d.]+) s", out).group(1))
    progress_lines = len(re.findall(r"^\s+[\d.]+ s\s+", out, re.M))
    sample = random.sample(range(pages), min(10, pages))
    found = sum(
        any(r["key"] == f"lot-{run}-{n}" for r in site.search(f"lot {run} n° {n}")) for n in sample
    )
    print(out.strip())  # the command's own progress report
    return {
        "import_pages": pages,
        "import_s": round(import_s, 1),
        "indexing_s": round(indexing_s, 1),
        "import_and_indexing_s": round(total_s, 1),
        "progress_lines": progress_lines,
        "sample_found": f"{found}/{len(sample)}",
        "load_before": load_before,
        "load_after": load(),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--publishes", type=int, default=20)
    parser.add_argument("--import-pages", type=int, default=2000)
    args = parser.parse_args()
    figures: dict = {"load_start": load()}
    with tempfile.TemporaryDirectory(prefix="freshness-") as name:
        folder = Path(name)
        site = Site(folder, os.environ.get("DATABASE_URL"))
        try:
            figures["site_start_s"] = round(site.start(), 1)
            site.django()
            figures["demo_queue_drained_s"] = round(site.wait_queue_idle(), 1)
            site.search("warm-up")  # the web process loads the query model once
            print(f"site up on {site.base} (load {load()})", flush=True)
            figures["publish"] = {**phase_publish(site, args.publishes), "load": load()}
            print("publish:", figures["publish"], flush=True)
            figures["related"] = {**phase_related(site, folder), "load": load()}
            print("related:", figures["related"], flush=True)
            if args.import_pages:
                figures["import"] = phase_import(site, folder, args.import_pages)
                print("import:", figures["import"], flush=True)
        finally:
            site.stop()
    print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
