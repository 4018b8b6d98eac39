"""Page benchmark: load one article from the running server with `wrk`, uncached.

It does not start a server: run `make run` (or any server on the same database) first,
then `make bench` or `python bench/pages.py [--url URL] [-c 1,2,8,64] [--repeat 3]`.

- The page defaults to the Cherbourg article, found in /sitemap.xml (a <loc> that
  contains "cherbourg"); `--url` names any other page.
- "Uncached" holds by construction: every request carries a unique query string
  (`?bench=<thread>-<n>`, added by a wrk Lua script), so no URL-keyed cache (Django's
  cache middleware, a proxy) can answer it; and the first response is checked for the
  headers a cache adds (`Age`, `X-Cache`, `Cache-Control: max-age>0`).
- Server CPU per request is read from /proc/<pid>/stat of the processes that listen on
  the port, and their children, before and after each run (or `--server-pids`).
- Each concurrency runs `--repeat` times after a short warm-up; the table and the JSON
  show the median run (by requests/s) and every sample.

The last line of output is one JSON object, for scripts and docs/benchmarks.md.
Exit status: 0 when measured, 1 when the page or wrk failed, 2 when wrk is missing or
no page was found.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request

from page_profile import profile  # bench/ is the script's directory: on sys.path

TARGET_P50_MS = 25.0
CLK_TCK = os.sysconf("SC_CLK_TCK")

# Runs in each wrk thread. request() makes every URL unique; done() prints exact
# figures as one line that starts with a marker, so that parsing does not depend on
# wrk's human-readable units.
WRK_SCRIPT = r"""
local counter = 0
local thread_id = 0
local threads = {}
local bust = %(bust)s
local sep = "%(sep)s"

function setup(thread)
  thread:set("tid", #threads + 1)
  table.insert(threads, thread)
end

function init(args)
  thread_id = tid
end

function request()
  if not bust then
    return wrk.format(nil, wrk.path)
  end
  counter = counter + 1
  return wrk.format(nil, wrk.path .. sep .. "bench=" .. thread_id .. "-" .. counter)
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "BENCH_JSON {\"requests\":%%d,\"duration_us\":%%d,\"bytes\":%%d," ..
    "\"p50_us\":%%d,\"p75_us\":%%d,\"p90_us\":%%d,\"p99_us\":%%d,\"max_us\":%%d," ..
    "\"mean_us\":%%.1f,\"errors\":{\"connect\":%%d,\"read\":%%d,\"write\":%%d," ..
    "\"status\":%%d,\"timeout\":%%d}}\n",
    summary.requests, summary.duration, summary.bytes,
    latency:percentile(50), latency:percentile(75), latency:percentile(90),
    latency:percentile(99), latency.max, latency.mean,
    e.connect, e.read, e.write, e.status, e.timeout))
end
"""

CACHE_HEADERS = ("age", "x-cache", "x-cache-status", "cf-cache-status", "x-varnish")


def fetch(url: str, timeout: float = 10.0) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(url, headers={"User-Agent": "liberation-bench"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            headers = {k.lower(): v for k, v in response.headers.items()}
            return response.status, headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, {k.lower(): v for k, v in error.headers.items()}, b""


def find_page(base: str, match: str) -> str | None:
    """The first <loc> of the sitemap that contains `match`, French first."""
    try:
        status, _headers, body = fetch(urllib.parse.urljoin(base, "/sitemap.xml"))
    except (urllib.error.URLError, OSError):
        return None
    if status != 200:
        return None
    locs = re.findall(r"<loc>\s*([^<\s]+)\s*</loc>", body.decode("utf-8", "replace"))
    hits = [loc for loc in locs if match.lower() in loc.lower()]
    hits.sort(key=lambda loc: "/fr/" not in loc)
    return hits[0] if hits else None


def cache_signals(headers: dict[str, str]) -> list[str]:
    """Headers that would show the response came from (or may be kept by) a cache."""
    found = [f"{name}: {headers[name]}" for name in CACHE_HEADERS if name in headers]
    cache_control = headers.get("cache-control", "")
    match = re.search(r"(?:s-)?max-age=(\d+)", cache_control)
    if match and int(match.group(1)) > 0:
        found.append(f"cache-control: {cache_control}")
    return found


# --- server processes and their CPU time -------------------------------------------


def _ppid(pid: int) -> int | None:
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as f:
            return int(f.read().rsplit(")", 1)[1].split()[1])
    except (OSError, IndexError, ValueError):
        return None


def _cmdline(pid: int) -> str:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return f.read().replace(b"\0", b" ").decode("utf-8", "replace").strip()
    except OSError:
        return ""


def listening_pids(port: int) -> list[int]:
    """Processes that hold the listening socket of `port` (master and workers)."""
    if not shutil.which("ss"):
        return []
    out = subprocess.run(
        ["ss", "-Hltnp", f"sport = :{port}"], capture_output=True, text=True, check=False
    ).stdout
    return sorted({int(pid) for pid in re.findall(r"pid=(\d+)", out)})


def with_descendants(pids: list[int]) -> list[int]:
    """`pids` and every process below them (a server's workers)."""
    parents: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            ppid = _ppid(int(entry))
            if ppid is not None:
                parents[int(entry)] = ppid
    result = set(pids)
    grew = True
    while grew:
        grew = False
        for pid, ppid in parents.items():
            if ppid in result and pid not in result:
                result.add(pid)
                grew = True
    return sorted(result)


def cpu_ticks(pids: list[int]) -> int:
    """utime + stime of `pids`, in clock ticks (processes that died count as 0)."""
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])  # utime, stime
        except (OSError, IndexError, ValueError):
            pass
    return total


def describe_server(pids: list[int], headers: dict[str, str]) -> str:
    """The `Server` header and the command line of the top process, shortened."""
    roots = [pid for pid in pids if _ppid(pid) not in pids]
    cmd = _cmdline(roots[0]) if roots else ""
    cmd = re.sub(r"\S*/(python3?[\d.]*|gunicorn|granian)\b", r"\1", cmd)
    label = headers.get("server", "unknown")
    return f"{label} ({cmd})" if cmd else label


# --- wrk -----------------------------------------------------------------------------


def run_wrk(
    url: str, connections: int, threads: int, duration: str, script: str, timeout: str
) -> dict:
    cmd = [
        "wrk",
        f"-t{min(threads, connections)}",
        f"-c{connections}",
        f"-d{duration}",
        f"--timeout={timeout}",
        "--latency",
        "-s",
        script,
        url,
    ]
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    line = next((ln for ln in proc.stdout.splitlines() if ln.startswith("BENCH_JSON ")), None)
    if proc.returncode != 0 or line is None:
        raise RuntimeError(f"wrk failed ({proc.returncode}): {proc.stderr or proc.stdout}")
    raw = json.loads(line.split(" ", 1)[1])
    # Cross-check with wrk's own summary line.
    match = re.search(r"Requests/sec:\s*([\d.]+)", proc.stdout)
    seconds = raw["duration_us"] / 1e6
    return {
        "connections": connections,
        "requests": raw["requests"],
        "rps": round(raw["requests"] / seconds, 1) if seconds else 0.0,
        "wrk_rps": float(match.group(1)) if match else None,
        "p50_ms": round(raw["p50_us"] / 1000, 2),
        "p75_ms": round(raw["p75_us"] / 1000, 2),
        "p90_ms": round(raw["p90_us"] / 1000, 2),
        "p99_ms": round(raw["p99_us"] / 1000, 2),
        "max_ms": round(raw["max_us"] / 1000, 2),
        "errors": sum(raw["errors"].values()),
        "error_detail": raw["errors"],
        "command": " ".join(cmd[:-3] + [url]),
    }


def machine_busy_seconds() -> float:
    """CPU seconds spent by every process of the machine since boot (all cores)."""
    with open("/proc/stat", encoding="ascii") as f:
        fields = [int(x) for x in f.readline().split()[1:]]
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle + iowait
    return (sum(fields[:8]) - idle) / CLK_TCK


def wait_for_quiet(max_wait: float, threshold: float = 0.3, window: float = 3.0) -> float:
    """Wait (up to `max_wait` s) until the machine uses < `threshold` cores; the last load."""
    deadline = time.monotonic() + max_wait
    while True:
        busy_before = machine_busy_seconds()
        time.sleep(window)
        load = (machine_busy_seconds() - busy_before) / window
        if load < threshold or time.monotonic() >= deadline:
            return load


def measure(args: argparse.Namespace, url: str, script: str, pids: list[int], c: int) -> dict:
    """Warm up, then `--repeat` runs at `c` connections; the median of each figure.

    Besides the server's CPU per request, each run records `other_cores`: the cores
    used meanwhile by processes other than the server and wrk (other people's tests on
    a shared machine). Runs with other_cores well above 0 had less than 2 cores.
    """
    if args.warmup:
        run_wrk(url, c, args.threads, args.warmup, script, args.timeout)
    samples: list[dict] = []
    discarded = 0
    for _attempt in range(args.repeat * (1 + args.retries)):
        if len(samples) == args.repeat:
            break
        if args.wait_quiet:
            wait_for_quiet(args.wait_quiet)
        tracked = with_descendants(pids) if pids else []
        server_before = cpu_ticks(tracked)
        busy_before, started = machine_busy_seconds(), time.monotonic()
        wrk_before = resource.getrusage(resource.RUSAGE_CHILDREN)
        sample = run_wrk(url, c, args.threads, args.duration, script, args.timeout)
        wrk_after = resource.getrusage(resource.RUSAGE_CHILDREN)
        busy, elapsed = machine_busy_seconds() - busy_before, time.monotonic() - started
        server = (cpu_ticks(tracked) - server_before) / CLK_TCK
        wrk = (wrk_after.ru_utime + wrk_after.ru_stime) - (
            wrk_before.ru_utime + wrk_before.ru_stime
        )
        if tracked and sample["requests"]:
            sample["server_cpu_ms_per_req"] = round(server * 1000 / sample["requests"], 2)
            sample["other_cores"] = round(max(0.0, busy - server - wrk) / elapsed, 2)
        else:
            sample["server_cpu_ms_per_req"] = sample["other_cores"] = None
        sample["wrk_cores"] = round(wrk / elapsed, 2)
        others = sample["other_cores"]
        if args.max_others is not None and others is not None and others > args.max_others:
            discarded += 1  # someone else used the machine meanwhile: measure again
            continue
        samples.append(sample)
    if not samples:
        raise RuntimeError(
            f"c={c}: every run had other processes above {args.max_others} cores; "
            "try later or raise --max-others"
        )
    figures = ("rps", "p50_ms", "p90_ms", "p99_ms", "server_cpu_ms_per_req", "other_cores")
    median = dict(samples[0])
    for key in figures:
        values = [s[key] for s in samples if s[key] is not None]
        median[key] = round(statistics.median(values), 2) if values else None
    median["errors"] = sum(s["errors"] for s in samples)
    median["discarded_runs"] = discarded
    median["samples"] = [{k: s[k] for k in (*figures, "wrk_cores", "errors")} for s in samples]
    return median


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", help="page to load (default: the Cherbourg article)")
    parser.add_argument("--base", default="http://127.0.0.1:8000", help="server of `make run`")
    parser.add_argument("--match", default="cherbourg", help="sitemap <loc> to look for")
    parser.add_argument("-c", "--connections", default="1,2,8,64", help="comma-separated")
    parser.add_argument("-t", "--threads", type=int, default=2)
    parser.add_argument("-d", "--duration", default="10s")
    parser.add_argument("--warmup", default="2s", help="wrk run before each concurrency")
    parser.add_argument("--repeat", type=int, default=1, help="runs per concurrency")
    parser.add_argument("--timeout", default="10s", help="wrk's request timeout")
    parser.add_argument(
        "--wait-quiet",
        type=float,
        default=0,
        metavar="SECONDS",
        help="before each run, wait up to SECONDS for the machine to be idle (shared machines)",
    )
    parser.add_argument(
        "--max-others",
        type=float,
        metavar="CORES",
        help="discard and redo a run during which other processes used more than CORES",
    )
    parser.add_argument("--retries", type=int, default=5, help="redo budget per run")
    parser.add_argument("--server-pids", help="comma-separated pids (default: by port)")
    parser.add_argument(
        "--no-cache-bust", action="store_true", help="send the bare URL (no ?bench=N)"
    )
    parser.add_argument(
        "--profile",
        action="store_true",
        help="no wrk: profile requests in-process with Django's test client (needs .venv)",
    )
    parser.add_argument("--requests", type=int, default=50, help="requests for --profile")
    parser.add_argument("--top", type=int, default=25, help="lines for --profile")
    args = parser.parse_args(argv)

    if args.profile:
        url = args.url or find_page(args.base, args.match)
        if not url:
            print("No page found in the sitemap; pass --url.", file=sys.stderr)
            return 2
        return profile(url, args.requests, args.top)

    if not shutil.which("wrk"):
        print("wrk is not installed: apt-get install wrk", file=sys.stderr)
        return 2

    url = args.url or find_page(args.base, args.match)
    if not url:
        print(
            f"No <loc> containing {args.match!r} in {args.base}/sitemap.xml; "
            "is the server running with the demo content? Pass --url.",
            file=sys.stderr,
        )
        return 2
    try:
        status, headers, body = fetch(url)
    except (urllib.error.URLError, OSError) as error:
        print(f"{url}: {error}", file=sys.stderr)
        return 1
    if status != 200:
        print(f"{url} answered {status}, not 200.", file=sys.stderr)
        return 1
    signals = cache_signals(headers)
    bust = not args.no_cache_bust
    if signals and not bust:
        print(f"{url} looks cached ({'; '.join(signals)}); drop --no-cache-bust.", file=sys.stderr)
        return 1

    port = urllib.parse.urlsplit(url).port or 80
    if args.server_pids:
        pids = [int(p) for p in args.server_pids.split(",") if p.strip()]
    else:
        pids = listening_pids(port)
    server = describe_server(with_descendants(pids), headers) if pids else headers.get("server")
    uncached = (
        "unique query string per request; no cache headers"
        if bust and not signals
        else ("unique query string per request; " + "; ".join(signals))
        if bust
        else "no cache headers (bare URL)"
    )
    print(f"url      {url} ({len(body)} bytes)")
    print(f"server   {server}; pids {','.join(map(str, pids)) or '?'}")
    print(f"uncached {uncached}")

    sep = "&" if urllib.parse.urlsplit(url).query else "?"
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as f:
        f.write(WRK_SCRIPT % {"bust": "true" if bust else "false", "sep": sep})
        script = f.name
    runs = []
    try:
        print(
            f"\n{'conn':>5} {'req/s':>8} {'p50 ms':>8} {'p90 ms':>8} {'p99 ms':>8} "
            f"{'errors':>7} {'CPU ms/req':>10} {'others':>6}"
        )
        for c in [int(x) for x in args.connections.split(",") if x.strip()]:
            started = time.monotonic()
            run = measure(args, url, script, pids, c)
            runs.append(run)
            cpu = run["server_cpu_ms_per_req"]
            print(
                f"{c:>5} {run['rps']:>8.1f} {run['p50_ms']:>8.2f} {run['p90_ms']:>8.2f} "
                f"{run['p99_ms']:>8.2f} {run['errors']:>7} "
                f"{'-' if cpu is None else f'{cpu:.2f}':>10} "
                f"{'-' if run['other_cores'] is None else run['other_cores']:>6}"
                f"   (median of {len(run['samples'])}, {run['discarded_runs']} discarded, "
                f"{time.monotonic() - started:.0f} s)",
                flush=True,
            )
    except RuntimeError as error:
        print(error, file=sys.stderr)
        return 1
    finally:
        os.unlink(script)

    at_2 = next((r["p50_ms"] for r in runs if r["connections"] == 2), None)
    result = {
        "url": url,
        "server": server,
        "uncached": uncached,
        "nproc": os.cpu_count(),
        "duration": args.duration,
        "threads": args.threads,
        "repeat": args.repeat,
        "runs": [
            {
                k: r[k]
                for k in (
                    "connections",
                    "rps",
                    "p50_ms",
                    "p90_ms",
                    "p99_ms",
                    "errors",
                    "server_cpu_ms_per_req",
                    "other_cores",
                    "discarded_runs",
                    "samples",
                )
            }
            for r in runs
        ],
        "p50_ms_at_2": at_2,
        "target_p50_ms": TARGET_P50_MS,
        "meets_target": None if at_2 is None else at_2 < TARGET_P50_MS,
    }
    print()
    print(json.dumps(result, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
