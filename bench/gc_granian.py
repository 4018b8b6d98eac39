"""`gc.freeze()` measured through granian: one node as `make serve` starts it, once
with `liberation.wsgi:application` (frozen) and once with a module that imports it and
then calls `gc.unfreeze()` (as before the freeze existed), served uncached pages.

Run it in the environment of `make serve` (DATABASE_URL, REDIS_URL, SECRET_KEY,
ALLOWED_HOSTS with 127.0.0.1; production settings), one benchmark at a time:

    flock /tmp/bench.lock python bench/gc_granian.py [--pairs 5] [--seconds 20]

For each pair, each server in turn (the order alternates from pair to pair): granian
started on a free port (`--workers 1 --blocking-threads 2 --no-ws`), 20 warming
requests, then `wrk -t1 -c{--connections} -d{--seconds}s --latency` on the page of the
sitemap matching `--match` (the Cherbourg article), made uncached by a unique query
string per request (a wrk Lua script); the server is stopped before the next starts.
Prints req/s, p50, p99 and the worst wait (wrk's max) per run, the medians per side,
and a final JSON line. Needs `wrk` on PATH.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from read_tier import fetch, find_page, free_port, wrk  # noqa: E402 (bench/, next to this file)

ROOT = Path(__file__).resolve().parent.parent
UNFROZEN = "import gc\nfrom liberation.wsgi import application  # noqa: F401\ngc.unfreeze()\n"
# A unique query string per request: the page is rendered every time (the app's own
# page cache keys on the full URL).
UNIQUE_LUA = """
counter = 0
request = function()
  counter = counter + 1
  return wrk.format("GET", wrk.path .. "&bench=" .. math.random(1, 1e9) .. "-" .. counter)
end
"""
FIGURES = ("rps", "p50_ms", "p99_ms", "max_ms")
SIDES = {"frozen": "liberation.wsgi:application", "not frozen": "unfrozen_wsgi:application"}


def start_node(module: str, port: int, folder: Path) -> subprocess.Popen:
    command = [
        sys.executable,
        "-m",
        "granian",
        "--interface",
        "wsgi",
        module,
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        "1",
        "--blocking-threads",
        "2",
        "--no-ws",
        "--log-level",
        "warning",
    ]
    env = {
        "DJANGO_SETTINGS_MODULE": "liberation.settings.production",
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(folder), str(ROOT)]),
    }
    node = subprocess.Popen(command, cwd=ROOT, env=env, start_new_session=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if node.poll() is not None:
            raise SystemExit(f"granian ({module}) stopped: exit {node.returncode}")
        try:
            if fetch(f"http://127.0.0.1:{port}/robots.txt", timeout=2)[0] == 200:
                return node
        except OSError:
            pass
        time.sleep(0.2)
    stop_node(node)
    raise SystemExit(f"granian ({module}) did not answer on :{port} within 60 s")


def stop_node(node: subprocess.Popen) -> None:
    try:
        os.killpg(node.pid, signal.SIGTERM)
        node.wait(timeout=20)
    except ProcessLookupError:
        pass
    except subprocess.TimeoutExpired:
        os.killpg(node.pid, signal.SIGKILL)
        node.wait()


def run_side(side: str, folder: Path, args, path: str | None) -> tuple[dict, str]:
    port = free_port()
    node = start_node(SIDES[side], port, folder)
    try:
        base = f"http://127.0.0.1:{port}"
        if path is None:
            loc = find_page(base, args.match)
            if loc is None:
                raise SystemExit(f"No <loc> containing {args.match!r} in {base}/sitemap.xml")
            path = urllib.parse.urlsplit(loc).path
        url = f"{base}{path}?gc=1"
        for n in range(20):
            status = fetch(f"{url}&warm={n}")[0]
            if status != 200:
                raise SystemExit(f"{url}: {status}")
        result = wrk(
            url, args.seconds, threads=1, connections=args.connections, script=folder / "unique.lua"
        )
        figures = {key: round(result[key], 1) for key in FIGURES}
        return {**figures, "non_2xx": result["non_2xx"]}, path
    finally:
        stop_node(node)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--match", default="cherbourg")
    parser.add_argument("--pairs", type=int, default=5)
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument("--connections", type=int, default=2)
    args = parser.parse_args(argv)
    load_before = Path("/proc/loadavg").read_text().split()[:3]
    runs: dict[str, list[dict]] = {side: [] for side in SIDES}
    path = None
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        (folder / "unfrozen_wsgi.py").write_text(UNFROZEN)
        (folder / "unique.lua").write_text(UNIQUE_LUA)
        for pair in range(args.pairs):
            order = list(SIDES) if pair % 2 == 0 else list(reversed(SIDES))
            for side in order:
                result, path = run_side(side, folder, args, path)
                runs[side].append(result)
                print(
                    f"pair {pair + 1} {side:<10} {result['rps']:7.1f} req/s  p50 "
                    f"{result['p50_ms']:6.1f} ms  p99 {result['p99_ms']:6.1f} ms  max "
                    f"{result['max_ms']:6.1f} ms  non-2xx {result['non_2xx']}",
                    flush=True,
                )
    summary = {"bench": "gc_granian", "path": path, "pairs": args.pairs}
    for side, results in runs.items():
        key = side.replace(" ", "_")
        for figure in FIGURES:
            values = [r[figure] for r in results]
            summary[f"{key}_{figure}"] = values
            summary[f"{key}_{figure}_median"] = round(statistics.median(values), 1)
        summary[f"{key}_non_2xx"] = sum(r["non_2xx"] for r in results)
        print(
            f"{side:<10} median: {summary[f'{key}_rps_median']} req/s, p99 "
            f"{summary[f'{key}_p99_ms_median']} ms, max {summary[f'{key}_max_ms_median']} ms"
        )
    summary["load_before"] = " ".join(load_before)
    summary["load_after"] = " ".join(Path("/proc/loadavg").read_text().split()[:3])
    print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    sys.exit(main())
