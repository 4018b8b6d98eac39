"""The read tier (`make serve`): reads through Varnish against nginx serving the same
bytes from a file, and how long a publish takes to be visible through the tier.

It starts nothing of the site: run `make serve` first (any PORT, any database), then,
with the same DATABASE_URL (and REDIS_URL) in the environment:

    python bench/read_tier.py --base http://127.0.0.1:8080

1. The Cherbourg article (first sitemap <loc> containing `--match`) is read through
   Varnish twice: as browsers ask for it (`Accept-Encoding: gzip, deflate, br`: the
   tier gives the copy it stored compressed) and without Accept-Encoding (the tier
   decompresses it on the way out). Both answers' bytes are written to a temporary
   folder served by nginx (nginx-light, its own configuration on a free port, two
   workers, `sendfile`; the compressed one with `Content-Encoding: gzip`).
2. `wrk -t2 -c64 -d{--seconds}s` on each, for each kind of client: the ratio Varnish /
   nginx as browsers read (`ratio`, target ≥ 70 %) and without Accept-Encoding
   (`ratio_identity`). Beside each phase (and the rush of 3), the CPU of every process
   by role (bench/cpu_roles.py): where the two cores went; for these phases also the
   server's and wrk's CPU per request (`cpu_us_per_request`).
3. The same reads during a registration rush on another ceremony (the benchmark
   ceremony of `manage.py bench_ceremony --capacity {--rush-capacity}`, reset first):
   bench/registration_rush.py's rush (`--rush-attempts` new browsers, `--rush-concurrency`
   at a time, through the tier: Varnish passes the forms and POSTs to the nodes) runs
   in this process while `wrk` reads the article through Varnish in 1-second runs, one
   after the other, until the rush is over, as browsers do (Accept-Encoding). Reads
   req/s during the rush, their ratio to nginx serving the same bytes (target ≥ 50 %),
   confirmed/s (target ≥ 500) and the seats counted after (0 oversold).
   Before it, the same rush with no reads: what a confirmation costs the whole machine
   (every process's CPU from the first POST to the last seat, bench/cpu_roles.py), and
   from it and the reads' cost in 2 the cores the second figure needs (`budget`:
   reads at 50 % of nginx plus 500 confirmed/s, each at its measured cost, against the
   machine's cores). `--rush-attempts 0` skips both. The nodes must not rate-limit the
   rush's single address: `REGISTRATION_RATE_LIMIT=0` in `make serve`'s environment.
4. `--publishes 100` title changes of the article, published in this process with
   Wagtail (revision, publish: the purge goes through the task queue and the purge
   worker of `make serve`); after each commit, the article is read through Varnish
   every 5 ms until it shows the new title: p50, p99, max (target p99 ≤ 1 s). The
   title is restored at the end.

`publish` sub-command (used by tests/test_read_tier.py): one title (and slug) change
of the page matching `--match`, printed as one JSON line.

The last line is JSON with every figure. Needs `wrk` and `nginx` on PATH. nginx listens
on `--nginx-port` (or READ_TIER_NGINX_PORT; a free port otherwise).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))
import cpu_roles  # noqa: E402 (bench/cpu_roles.py, next to this file)
import registration_rush  # noqa: E402 (bench/registration_rush.py, next to this file)

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
        location /gzip {{
            default_type text/html;
            add_header Content-Encoding gzip;
            add_header Vary Accept-Encoding;
            try_files /page.html.gz =404;
        }}
    }}
}}
"""


# What every browser sends; wrk sends no Accept-Encoding unless told.
BROWSER = {"Accept-Encoding": "gzip, deflate, br"}


def fetch(url: str, timeout: float = 10, headers: dict | None = None) -> tuple[int, dict, bytes]:
    """One GET; the body as it came (not decompressed)."""
    headers = {"User-Agent": "read-tier-bench", **(headers or {})}
    request = urllib.request.Request(url, headers=headers)
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


UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}
MEASURE = r"([\d.]+)(us|ms|s|m)\b"


def _ms(found: re.Match | None, group: int = 1) -> float | None:
    return float(found.group(group)) * UNITS_MS[found.group(group + 1)] if found else None


def wrk(
    url: str,
    seconds: int,
    headers: dict | None = None,
    *,
    threads: int = 2,
    connections: int = 64,
    script: Path | None = None,
) -> dict:
    """One `wrk --latency` run: req/s, requests, seconds, non-2xx/3xx answers, and the
    latency's p50, p99 and max in ms (also used by bench/gc_granian.py)."""
    options = [f"--header={name}: {value}" for name, value in (headers or {}).items()]
    if script is not None:
        options += ["-s", str(script)]
    out = subprocess.run(
        ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--latency", *options, url],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    done = re.search(r"(\d+) requests in " + MEASURE, out)
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
        "requests": int(done.group(1)),
        "seconds": _ms(done, 2) / 1000,
        "non_2xx": int(errors.group(1)) if errors else 0,
        "p50_ms": _ms(re.search(r"50%\s+" + MEASURE, out)),
        "p99_ms": _ms(re.search(r"99%\s+" + MEASURE, out)),
        # the thread stats' line: average, standard deviation, max
        "max_ms": _ms(re.search(rf"Latency\s+{MEASURE}\s+{MEASURE}\s+{MEASURE}", out), 5),
    }


# -- reads during a registration rush ------------------------------------------------------


def ceremony_reset(capacity: int) -> int:
    """The benchmark ceremony, emptied, with `capacity` seats (`manage.py bench_ceremony`)."""
    done = subprocess.run(
        [sys.executable, "manage.py", "bench_ceremony", "--capacity", str(capacity)],
        cwd=ROOT,
        env={"DJANGO_SETTINGS_MODULE": "liberation.settings.production", **os.environ},
        capture_output=True,
        text=True,
        check=True,
    )
    return int(done.stdout.split()[-1])


def _rush_args(args) -> argparse.Namespace:
    """bench/registration_rush.py's arguments for a rush on the benchmark ceremony,
    emptied first."""
    ceremony = ceremony_reset(args.rush_capacity)
    return registration_rush.parse(
        [
            "--base",
            args.base,
            "--ceremony",
            str(ceremony),
            "--attempts",
            str(args.rush_attempts),
            "--concurrency",
            str(args.rush_concurrency),
            "--manage",
            f"{sys.executable} manage.py",
        ]
    )


def one_rush(args, **hooks) -> dict:
    """bench/registration_rush.py's rush through the tier on the benchmark ceremony,
    emptied first; its figures printed; the summary with `kept` (every promise kept).
    `hooks`: rush_run's on_start and on_end. Run alone, it is what a confirmation costs
    the whole machine (every process, from the first POST to the last seat)."""
    rush_args = _rush_args(args)
    base = urllib.parse.urlsplit(args.base)
    pids = registration_rush.server_pids(base.port or 80)
    summary, details = registration_rush.rush_run(rush_args, base, pids, **hooks)
    registration_rush.rush_print(rush_args, summary, details)
    summary["kept"] = registration_rush.rush_kept(summary, details)
    return summary


def budget(nginx: dict, tier: dict, alone: dict, target_ratio=0.5, target_rate=500) -> dict:
    """The cores the second figure needs at the costs this run measured: reads at
    `target_ratio` of nginx's rate, each costing what a read cost the machine when the
    tier alone was read (Varnish, wrk, the kernel: busy time / requests), plus
    `target_rate` confirmations a second, each costing what one cost the machine in the
    rush alone (nodes, Varnish's passes, PostgreSQL, Redis, the rush's clients; the
    confirmation emails mostly wait for the rush's end, so this is a lower bound). A
    first-order sum: costs per request are taken as constant."""
    per_read_ms = tier["cpu"]["busy_s"] * 1000 / max(1, tier["requests"])
    per_confirmation_ms = alone.get("machine_cpu_ms_per_confirmation")
    if per_confirmation_ms is None:
        return {}
    reads = target_ratio * nginx["rps"] * per_read_ms / 1000
    rush = target_rate * per_confirmation_ms / 1000
    return {
        "machine_cpu_us_per_read": round(per_read_ms * 1000, 1),
        "machine_cpu_ms_per_confirmation": per_confirmation_ms,
        "cores_for_reads": round(reads, 2),
        "cores_for_rush": round(rush, 2),
        "cores_needed": round(reads + rush, 2),
        "cores": os.cpu_count(),
    }


def reads_during_rush(args, url: str) -> dict:
    """wrk on `url` in 1-second runs, as browsers read (Accept-Encoding), while
    bench/registration_rush.py's rush runs (`one_rush`)."""
    started, ended, outcome = threading.Event(), threading.Event(), {}

    def rush() -> None:
        try:
            outcome["rush"] = one_rush(args, on_start=started.set, on_end=ended.set)
        except Exception as error:  # noqa: BLE001 (reported below)
            outcome["error"] = error
        finally:
            started.set()
            ended.set()

    thread = threading.Thread(target=rush)
    thread.start()
    started.wait()
    runs, reads_started = [], time.monotonic()
    while not ended.is_set():  # the last run may end up to a second after the rush
        runs.append(wrk(url, 1, BROWSER))
    reads_wall = time.monotonic() - reads_started
    thread.join()
    if "error" in outcome:
        raise SystemExit(f"the rush failed: {outcome['error']}")
    requests = sum(run["requests"] for run in runs)
    seconds = sum(run["seconds"] for run in runs)
    return {
        "rps": requests / seconds if seconds else 0.0,
        "runs": len(runs),
        "seconds": round(seconds, 2),
        "wall_s": round(reads_wall, 2),
        "non_2xx": sum(run["non_2xx"] for run in runs),
        "p99_ms": max((run["p99_ms"] or 0 for run in runs), default=None),
        "rush": outcome["rush"],
        "kept": outcome["rush"]["kept"],
    }


def nginx_serving(
    body: bytes, gzipped: bytes, folder: Path, port: int = 0
) -> tuple[subprocess.Popen, str]:
    """nginx serving `body` at / and the `gzipped` bytes at /gzip (with
    `Content-Encoding: gzip`), from files; its URL."""
    folder.chmod(0o755)  # nginx's workers run as another user
    (folder / "www").mkdir(mode=0o755)
    for name, data in (("page.html", body), ("page.html.gz", gzipped)):
        (folder / "www" / name).write_bytes(data)
        (folder / "www" / name).chmod(0o644)
    port = port or free_port()
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
        "visible_p99_s": round(nearest_rank(delays, 99), 3),
        "visible_max_s": round(delays[-1], 3),
    }


def nearest_rank(ordered: list[float], p: float) -> float:
    """The p-th percentile of sorted values, by nearest rank: the smallest value with at
    least p % of the values at or below it (of 100, the 99th for p = 99; of 2, the
    larger)."""
    return ordered[max(0, math.ceil(len(ordered) * p / 100) - 1)]


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
    parser.add_argument(
        "--nginx-port",
        type=int,
        default=int(os.environ.get("READ_TIER_NGINX_PORT", "0")),
        help="nginx's port (READ_TIER_NGINX_PORT; default: a free port)",
    )
    parser.add_argument("--rush-attempts", type=int, default=2000, help="0: no rush phase")
    parser.add_argument("--rush-capacity", type=int, default=500)
    parser.add_argument("--rush-concurrency", type=int, default=32)
    parser.add_argument("--title", help="publish: the new title")
    parser.add_argument("--slug", help="publish: the new slug")
    args = parser.parse_args(argv)
    if args.command == "publish":
        return publish_command(args)

    load_before = Path("/proc/loadavg").read_text().split()[:3]
    url = find_page(args.base, args.match)
    if url is None:
        print(f"No <loc> containing {args.match!r} in {args.base}/sitemap.xml", file=sys.stderr)
        return 1
    url = urllib.parse.urljoin(args.base, urllib.parse.urlsplit(url).path)
    status, headers, body = fetch(url)
    fetch(url)
    status, headers, body = fetch(url)
    print(f"{url}: {status}, {len(body)} bytes, X-Cache {headers.get('X-Cache')}")
    fetch(url, headers=BROWSER)
    _status, browser_headers, browser_body = fetch(url, headers=BROWSER)
    encoding = browser_headers.get("Content-Encoding")
    print(f"as browsers read it: {len(browser_body)} bytes, Content-Encoding {encoding}")
    phases = {}
    with tempfile.TemporaryDirectory() as folder:
        nginx, nginx_url = nginx_serving(body, browser_body, Path(folder), args.nginx_port)
        # nginx serves the bytes the tier gives each kind of client, from a file.
        targets = {
            "identity": (nginx_url, url, None),
            "browser": (nginx_url + ("gzip" if encoding == "gzip" else ""), url, BROWSER),
        }
        try:
            for kind, (file_url, tier_url, request_headers) in targets.items():
                for server, target in (("nginx", file_url), ("tier", tier_url)):
                    before = cpu_roles.snapshot()
                    result = wrk(target, args.seconds, request_headers)
                    result["cpu"] = cpu_roles.since(before)
                    roles = result["cpu"]["roles"]
                    role = "varnish" if server == "tier" else "nginx"
                    # CPU per request: the server's, and wrk's (the bench's ended children)
                    result["server_us"], result["wrk_us"] = (
                        round(roles.get(name, 0.0) * 1e6 / max(1, result["requests"]), 1)
                        for name in (role, cpu_roles.ENDED_CHILDREN)
                    )
                    phases[kind, server] = result
                    print(
                        f"{kind}: {server} {result['rps']:.0f} req/s; CPU a request: "
                        f"{role} {result['server_us']} µs, wrk {result['wrk_us']} µs"
                    )
                    cpu_roles.print_share(result["cpu"], f"CPU by role, {kind}, {server}")
        finally:
            os.killpg(nginx.pid, 15)
            nginx.wait(timeout=10)
    file, tier = phases["browser", "nginx"], phases["browser", "tier"]
    ratio = tier["rps"] / file["rps"]
    ratio_identity = phases["identity", "tier"]["rps"] / phases["identity", "nginx"]["rps"]
    print(
        f"ratio, as browsers read (Accept-Encoding, {len(browser_body)} bytes): {ratio:.1%} "
        f"(target ≥ 70 %); without Accept-Encoding ({len(body)} bytes): {ratio_identity:.1%}"
    )
    during = {}
    if args.rush_attempts:
        alone = one_rush(args)  # the rush with no reads: its cost
        needs = budget(file, tier, alone)
        during = {
            "alone_confirmed_per_s": alone["confirmed_per_s"],
            "alone_kept": alone["kept"],
            "alone_confirming_cpu": alone["confirming_cpu"],
            "budget": needs,
        }
        print(
            f"the rush alone: {alone['confirmed_per_s']} confirmed/s, "
            f"{alone.get('machine_cpu_ms_per_confirmation')} ms of the machine's CPU a "
            "confirmation (first POST to last seat)"
        )
        if needs:
            print(
                f"the second figure at these costs: reads at 50 % of nginx "
                f"({needs['machine_cpu_us_per_read']} µs a read) {needs['cores_for_reads']} "
                f"cores + 500 confirmed/s {needs['cores_for_rush']} cores = "
                f"{needs['cores_needed']} cores, on {needs['cores']}"
            )
        reads = reads_during_rush(args, url)
        rush = reads["rush"]
        during |= {
            "rush_tier_rps": round(reads["rps"]),
            "rush_tier_non_2xx": reads["non_2xx"],
            "rush_tier_p99_ms": reads["p99_ms"],
            "rush_ratio": round(reads["rps"] / file["rps"], 3),
            "rush_reads_s": reads["seconds"],
            "rush_confirmed_per_s": rush["confirmed_per_s"],
            "rush_confirmed": rush["confirmed"],
            "rush_capacity": rush["capacity"],
            "rush_seats_taken": rush["seats_taken"],
            "rush_oversold": rush["oversold"],
            "rush_counter_matches": rush["counter_matches"],
            "rush_lost": rush["lost"],
            "rush_5xx": rush["errors_5xx"],
            "rush_transport_errors": rush["transport_errors"],
            "rush_attempts": rush["attempts"],
            "rush_concurrency": rush["concurrency"],
            "rush_wall_s": rush["wall_s"],
            "rush_kept": reads["kept"],
            "rush_cpu_by_role": rush["cpu_by_role"],
            "rush_confirming_cpu": rush["confirming_cpu"],
        }
        print(
            f"during the rush: Varnish (tier) {reads['rps']:.0f} req/s over {reads['runs']} "
            f"wrk runs ({reads['seconds']} s), {during['rush_ratio']:.1%} of nginx "
            f"(target ≥ 50 %); rush {rush['confirmed_per_s']} confirmed/s (target ≥ 500), "
            f"{rush['confirmed']} confirmed for {rush['capacity']} seats, "
            f"{rush['oversold']} oversold"
        )
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
        "browser_bytes": len(browser_body),
        "browser_encoding": encoding,
        "nginx_rps": round(file["rps"]),
        "tier_rps": round(tier["rps"]),
        "tier_non_2xx": tier["non_2xx"],
        "tier_p99_ms": tier["p99_ms"],
        "ratio": round(ratio, 3),
        "nginx_identity_rps": round(phases["identity", "nginx"]["rps"]),
        "tier_identity_rps": round(phases["identity", "tier"]["rps"]),
        "tier_identity_non_2xx": phases["identity", "tier"]["non_2xx"],
        "ratio_identity": round(ratio_identity, 3),
        "cpu_by_role": {f"{kind}_{server}": r["cpu"] for (kind, server), r in phases.items()},
        "cpu_us_per_request": {
            f"{kind}_{server}": {"server": r["server_us"], "wrk": r["wrk_us"]}
            for (kind, server), r in phases.items()
        },
        **during,
        **visible,
        "load_before": " ".join(load_before),
        "load_after": " ".join(Path("/proc/loadavg").read_text().split()[:3]),
    }
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
