"""The read tier (`make serve`): reads through Varnish against nginx serving the same
bytes from a file, and how long a publish takes to be visible through the tier.

It starts nothing of the site: run `make serve` first (any PORT, any database), then,
with the same DATABASE_URL (and REDIS_URL) in the environment:

    python bench/read_tier.py --base http://127.0.0.1:8080

1. The Cherbourg article (first sitemap <loc> containing `--match`) is read once
   through Varnish; its bytes are written to a temporary folder served by nginx
   (nginx-light, its own configuration on a free port, two workers, `sendfile`).
2. `wrk -t2 -c64 -d{--seconds}s` on each; the ratio Varnish / nginx (target ≥ 70 %).
3. `--publishes 100` title changes of the article, published in this process with
   Wagtail (revision, publish: the purge goes through the task queue and the purge
   worker of `make serve`); after each commit, the article is read through Varnish
   every 5 ms until it shows the new title: p50, p99, max (target p99 ≤ 1 s). The
   title is restored at the end.

`publish` sub-command (used by tests/test_read_tier.py): one title (and slug) change
of the page matching `--match`, printed as one JSON line.

The last line is JSON with every figure. Needs `wrk` and `nginx` on PATH.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NGINX_CONF = """
worker_processes 2;
pid {folder}/nginx.pid;
error_log {folder}/error.log warn;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    sendfile on;
    tcp_nopush on;
    keepalive_requests 100000;
    types {{ text/html html; }}
    server {{
        listen 127.0.0.1:{port};
        root {folder}/www;
        location / {{ try_files /page.html =404; }}
    }}
}}
"""


def fetch(url: str, timeout: float = 10) -> tuple[int, dict, bytes]:
    request = urllib.request.Request(url, headers={"User-Agent": "read-tier-bench"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def find_page(base: str, match: str) -> str | None:
    status, _headers, body = fetch(urllib.parse.urljoin(base, "/sitemap.xml"))
    if status != 200:
        return None
    locs = re.findall(r"<loc>\s*([^<\s]+)\s*</loc>", body.decode("utf-8", "replace"))
    hits = sorted(
        (loc for loc in locs if match.lower() in loc.lower()), key=lambda u: "/fr/" not in u
    )
    return hits[0] if hits else None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wrk(url: str, seconds: int) -> dict:
    out = subprocess.run(
        ["wrk", "-t2", "-c64", f"-d{seconds}s", "--latency", url],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)", out)
    scale = {"us": 0.001, "ms": 1.0, "s": 1000.0}
    return {
        "rps": rate,
        "non_2xx": int(errors.group(1)) if errors else 0,
        "p99_ms": float(p99.group(1)) * scale[p99.group(2)] if p99 else None,
    }


def nginx_serving(body: bytes, folder: Path) -> tuple[subprocess.Popen, str]:
    folder.chmod(0o755)  # nginx's workers run as another user
    (folder / "www").mkdir(mode=0o755)
    (folder / "www" / "page.html").write_bytes(body)
    (folder / "www" / "page.html").chmod(0o644)
    port = free_port()
    conf = folder / "nginx.conf"
    conf.write_text(NGINX_CONF.format(folder=folder, port=port), encoding="utf-8")
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    process = subprocess.Popen(
        [nginx, "-p", str(folder), "-c", str(conf), "-g", "daemon off;"], start_new_session=True
    )
    url = f"http://127.0.0.1:{port}/"
    for _ in range(100):
        try:
            if fetch(url, timeout=1)[0] == 200:
                return process, url
        except OSError:
            time.sleep(0.05)
    os.killpg(process.pid, 15)
    raise SystemExit("nginx did not answer")


# -- publishing, in this process -----------------------------------------------------------


def django_setup(base: str) -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "liberation.settings.production")
    os.environ["PURGE_URLS"] = base
    import django

    django.setup()


def page_for(url: str):
    from wagtail.models import Page

    path = urllib.parse.urlsplit(url).path
    slug = path.rstrip("/").rsplit("/", 1)[-1]
    candidates = [p for p in Page.objects.filter(slug=slug).specific() if p.url == path]
    if not candidates:
        raise SystemExit(f"no page at {path}")
    return candidates[0]


def publish_title(page, title: str, *, slug: str | None = None) -> float:
    """Publish a new title (and slug); the time.monotonic() of the commit."""
    page.title = title
    if slug:
        page.slug = slug
    page.save_revision().publish()
    return time.monotonic()


def visible_after(url: str, text: str, committed: float, limit: float = 10.0) -> float:
    while True:
        status, _headers, body = fetch(url)
        if status == 200 and text.encode() in body:
            return time.monotonic() - committed
        if time.monotonic() - committed > limit:
            return float("inf")
        time.sleep(0.005)


def publishes(base: str, url: str, count: int) -> dict:
    django_setup(base)
    from django.utils.html import escape

    page = page_for(url)
    original = page.title
    delays = []
    try:
        for number in range(count):
            title = f"{original} ({number})"
            committed = publish_title(page, title)
            delays.append(visible_after(url, escape(title), committed))
    finally:
        publish_title(page, original)
    delays.sort()
    return {
        "publishes": count,
        "visible_p50_s": round(statistics.median(delays), 3),
        "visible_p99_s": round(delays[max(0, int(len(delays) * 0.99) - 1)], 3),
        "visible_max_s": round(delays[-1], 3),
    }


def publish_command(args) -> int:
    django_setup(args.base)
    url = find_page(args.base, args.match)
    page = page_for(url)
    publish_title(page, args.title, slug=args.slug)
    page.refresh_from_db()
    print(json.dumps({"page_id": page.pk, "url": page.url, "title": page.title}))
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("command", nargs="?", default="bench", choices=["bench", "publish"])
    parser.add_argument("--base", default="http://127.0.0.1:8080")
    parser.add_argument("--match", default="cherbourg")
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--publishes", type=int, default=100)
    parser.add_argument("--title", help="publish: the new title")
    parser.add_argument("--slug", help="publish: the new slug")
    args = parser.parse_args(argv)
    if args.command == "publish":
        return publish_command(args)

    url = find_page(args.base, args.match)
    if url is None:
        print(f"No <loc> containing {args.match!r} in {args.base}/sitemap.xml", file=sys.stderr)
        return 1
    url = urllib.parse.urljoin(args.base, urllib.parse.urlsplit(url).path)
    status, headers, body = fetch(url)
    fetch(url)
    status, headers, body = fetch(url)
    print(f"{url}: {status}, {len(body)} bytes, X-Cache {headers.get('X-Cache')}")
    with tempfile.TemporaryDirectory() as folder:
        nginx, nginx_url = nginx_serving(body, Path(folder))
        try:
            file = wrk(nginx_url, args.seconds)
            print(f"nginx (file): {file['rps']:.0f} req/s")
            tier = wrk(url, args.seconds)
            print(f"Varnish (tier): {tier['rps']:.0f} req/s")
        finally:
            os.killpg(nginx.pid, 15)
            nginx.wait(timeout=10)
    ratio = tier["rps"] / file["rps"]
    print(f"ratio: {ratio:.1%} (target ≥ 70 %)")
    visible = publishes(args.base, url, args.publishes) if args.publishes else {}
    if visible:
        print(
            f"publish to visible over {visible['publishes']} publishes: "
            f"p50 {visible['visible_p50_s']} s, p99 {visible['visible_p99_s']} s, "
            f"max {visible['visible_max_s']} s (target p99 ≤ 1 s)"
        )
    result = {
        "bench": "read_tier",
        "url": urllib.parse.urlsplit(url).path,
        "bytes": len(body),
        "nginx_rps": round(file["rps"]),
        "tier_rps": round(tier["rps"]),
        "tier_non_2xx": tier["non_2xx"],
        "tier_p99_ms": tier["p99_ms"],
        "ratio": round(ratio, 3),
        **visible,
    }
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
