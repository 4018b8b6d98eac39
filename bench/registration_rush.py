"""Registration rush: many browsers register for one ceremony at the same time.

It starts nothing: run the server of `make run` first (any port, any database), create
the ceremony with `manage.py bench_ceremony --capacity 500` against the same database,
then, with the same DATABASE_URL in the environment:

    python bench/registration_rush.py --base http://127.0.0.1:8100 --ceremony ID

Each attempt is a new browser (its own cookie jar): GET the form page
`/<lang>/r/inscription/<ID>/`, read `csrfmiddlewaretoken` and the `csrftoken` cookie,
POST the form with a unique email (waiting list not ticked). A 303 to the management
page (`/<lang>/r/<REFERENCE>-<hmac>/`) is a success; a 409 once the seats are gone is
the expected refusal. `--warm` loads every form first (people waiting on the open page
for the minute registration opens), then fires the POSTs.

`--staff-edits 0.1` adds a staff member who saves the ceremony's settings through the
admin's edit form every 100 ms during the rush (a superuser `bench-staff` is created
with a new random password through `manage.py shell`: benchmark databases only);
`--staff-add-seats 10` makes every second save add 10 seats.

Afterwards it reads the database (`manage.py shell -c`, with the environment's
DATABASE_URL) and checks what the answers promised:
- oversold: seats of confirmed registrations, seats held (confirmed and offered) and
  seats_taken, each against the capacity at the end (staff may have added seats);
- the counter: seats_taken equal to the seats held;
- lost: a 303 whose reference (or email) has no stored registration;
- 5xx answers, and transport errors (connection refused or reset, timeouts).

confirmed/s is measured from the first POST to the capacity-th 303 (or the last 303
when fewer seats were taken). Server CPU per request comes from /proc/<pid>/stat of
the processes listening on the port and their children; the CPU of every process on
the machine during the rush, by role (nodes, Varnish, PostgreSQL, Redis, this client…),
from bench/cpu_roles.py.

The last line of output is one JSON object. Exit status: 0 when the run kept every
promise (0 oversold, the counter equal to the seats held, 0 lost, 0 5xx, 0 transport
errors, no staff save that failed), 1 otherwise, 2 on a setup error.
Standard library only.
"""

from __future__ import annotations

import argparse
import json
import queue
import sys
import threading
import time
import urllib.parse
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))  # its sibling modules, below

import cpu_roles  # noqa: E402
from rush_http import (  # noqa: E402
    CLK_TCK,
    Browser,
    Response,
    cpu_seconds,
    form_fields,
    server_pids,
)
from rush_inprocess import in_process  # noqa: E402
from rush_report import rush_kept, rush_print  # noqa: E402
from rush_staff import (  # noqa: E402
    FormReader,
    StaffEditor,
    read_database,
    read_form,
    settings_edit_path,
    staff_user_ensure,
)

__all__ = [
    "CLK_TCK",
    "Browser",
    "FormReader",
    "Response",
    "StaffEditor",
    "cpu_seconds",
    "form_fields",
    "in_process",
    "read_database",
    "read_form",
    "rush_kept",
    "rush_print",
    "server_pids",
    "settings_edit_path",
    "staff_user_ensure",
]


# -- the rush ----------------------------------------------------------------------------


class Results:
    def __init__(self, capacity: int = 0):
        self.lock = threading.Lock()
        # the machine's CPU (cpu_roles.snapshot) at the first POST and at the
        # capacity-th confirmation: what the confirmed/s window cost, every process
        self.capacity = capacity
        self.marks: dict[str, dict] = {}
        self.get_ms: list[float] = []
        self.post_ms: list[float] = []
        self.statuses: dict[str, int] = {}
        self.first_post: float | None = None
        self.confirm_times: list[float] = []
        self.answered: list[tuple[str, str]] = []  # (reference, email) of each 303
        self.errors: list[str] = []

    def count(self, key: str):
        with self.lock:
            self.statuses[key] = self.statuses.get(key, 0) + 1


def load_form(browser: Browser, path: str, results: Results) -> tuple[str, str]:
    started = time.perf_counter()
    status, _, body = browser.request("GET", path, headers={"Accept": "text/html"})
    elapsed = (time.perf_counter() - started) * 1000
    with results.lock:
        results.get_ms.append(elapsed)
    results.count(f"GET {status}")
    if status != 200:
        raise RuntimeError(f"GET {path} answered {status}")
    token, action = form_fields(body.decode("utf-8", "replace"))
    if not token:
        raise RuntimeError(f"GET {path}: no csrfmiddlewaretoken (is registration open?)")
    return token, action or path


def post_form(browser: Browser, action: str, token: str, n: int, run_id: str, base, results):
    email = f"rush-{run_id}-{n}@example.org"
    fields = {
        "csrfmiddlewaretoken": token,
        "given_name": "Camille",
        "surname": f"Rush{n}",
        "email": email,
        "consent": "on",
        "homepage": "",
    }
    body = urllib.parse.urlencode(fields).encode()
    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        "Origin": f"{base.scheme}://{base.netloc}",
        "Referer": f"{base.scheme}://{base.netloc}{action}",
        "Accept": "text/html",
    }
    started = time.perf_counter()
    with results.lock:
        first = results.first_post is None
        if first:
            results.first_post = started
    if first:  # read outside the lock: /proc of every process takes milliseconds
        results.marks["first_post"] = cpu_roles.snapshot()
    status, response, _ = browser.request("POST", action, body=body, headers=headers)
    done = time.perf_counter()
    with results.lock:
        results.post_ms.append((done - started) * 1000)
    results.count(f"POST {status}")
    if status == 303:
        location = urllib.parse.urlsplit(response.getheader("Location") or "").path
        parts = [p for p in location.split("/") if p]
        # /<lang>/r/<REFERENCE>-<hmac>/
        if len(parts) == 3 and parts[1] == "r" and "-" in parts[2]:
            with results.lock:
                results.confirm_times.append(done)
                results.answered.append((parts[2].split("-", 1)[0], email))
                sold_out = len(results.confirm_times) == results.capacity
            if sold_out:
                results.marks["sold_out"] = cpu_roles.snapshot()
        else:
            results.count("303 elsewhere")
            with results.lock:
                results.errors.append(f"303 to {location}")


def percentile(values: list[float], p: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(p / 100 * len(ordered) + 0.5) - 1))
    return ordered[index]


def run_rush(args, base, capacity: int = 0) -> tuple[Results, float]:
    path = f"/{args.lang}/r/inscription/{args.ceremony}/"
    run_id = uuid.uuid4().hex[:8]
    results = Results(capacity)
    work: queue.Queue[int] = queue.Queue()
    for n in range(args.attempts):
        work.put(n)
    warm_forms: queue.Queue = queue.Queue()
    start_posts = threading.Event()

    def transport_error(n, error):
        results.count("transport error")
        with results.lock:
            results.errors.append(f"attempt {n}: {type(error).__name__}: {error}")

    def warm_worker():
        while True:
            try:
                n = work.get_nowait()
            except queue.Empty:
                return
            browser = Browser(base, args.timeout)
            try:
                token, action = load_form(browser, path, results)
                warm_forms.put((n, browser, token, action))
            except Exception as error:  # noqa: BLE001 (counted, reported)
                transport_error(n, error)

    def post_worker():
        start_posts.wait()
        while True:
            try:
                n, browser, token, action = warm_forms.get_nowait()
            except queue.Empty:
                return
            try:
                post_form(browser, action, token, n, run_id, base, results)
            except Exception as error:  # noqa: BLE001
                transport_error(n, error)
            finally:
                browser.close()

    def browser_worker():
        while True:
            try:
                n = work.get_nowait()
            except queue.Empty:
                return
            browser = Browser(base, args.timeout)
            try:
                token, action = load_form(browser, path, results)
                post_form(browser, action, token, n, run_id, base, results)
            except Exception as error:  # noqa: BLE001
                transport_error(n, error)
            finally:
                browser.close()

    if args.warm:
        threads = [threading.Thread(target=warm_worker) for _ in range(args.concurrency)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        workers = [threading.Thread(target=post_worker) for _ in range(args.concurrency)]
        for t in workers:
            t.start()
        wall_start = time.perf_counter()
        start_posts.set()
    else:
        workers = [threading.Thread(target=browser_worker) for _ in range(args.concurrency)]
        wall_start = time.perf_counter()
        for t in workers:
            t.start()
    for t in workers:
        t.join()
    return results, time.perf_counter() - wall_start


def run_gets(args, base) -> tuple[Results, float]:
    """Only the form page: `--gets N` requests, each from a new browser."""
    path = f"/{args.lang}/r/inscription/{args.ceremony}/"
    results = Results()
    work: queue.Queue[int] = queue.Queue()
    for n in range(args.gets):
        work.put(n)

    def worker():
        while True:
            try:
                work.get_nowait()
            except queue.Empty:
                return
            browser = Browser(base, args.timeout)
            try:
                load_form(browser, path, results)
            except Exception as error:  # noqa: BLE001
                results.count("transport error")
                with results.lock:
                    results.errors.append(f"{type(error).__name__}: {error}")
            finally:
                browser.close()

    threads = [threading.Thread(target=worker) for _ in range(args.concurrency)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results, time.perf_counter() - started


# -- main --------------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base", default="http://127.0.0.1:8000")
    parser.add_argument("--ceremony", type=int, help="RegistrationSettings id")
    parser.add_argument("--attempts", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--lang", default="fr")
    parser.add_argument("--timeout", type=float, default=60.0)
    parser.add_argument(
        "--warm", action="store_true", help="load every form first, then fire all the POSTs"
    )
    parser.add_argument(
        "--gets", type=int, default=0, help="measure only N GETs of the form page, then stop"
    )
    parser.add_argument(
        "--manage",
        default=f"{sys.executable} manage.py",
        help="how to run manage.py (the environment's DATABASE_URL is passed on)",
    )
    parser.add_argument(
        "--staff-edits",
        type=float,
        default=0.0,
        metavar="SECONDS",
        help="a staff user saves the settings through the admin's edit form every SECONDS "
        "during the rush (creates a superuser bench-staff: benchmark databases only)",
    )
    parser.add_argument(
        "--staff-add-seats",
        type=int,
        default=0,
        metavar="N",
        help="with --staff-edits: add N seats to the capacity on every second save",
    )
    parser.add_argument(
        "--in-process",
        type=int,
        default=0,
        metavar="N",
        help="no server: N form GETs and POSTs in-process (CPU, queries, locked time)",
    )
    return parser


def parse(argv=None) -> argparse.Namespace:
    """The command line's options (also what bench/read_tier.py builds for its rush)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.ceremony is None and not args.in_process:
        parser.error("--ceremony is required (the id `manage.py bench_ceremony` prints)")
    args.manage = args.manage.split()
    return args


def main(argv=None) -> int:
    args = parse(argv)
    if args.in_process:
        return in_process(args)
    base = urllib.parse.urlsplit(args.base)
    pids = server_pids(base.port or 80)
    if not pids:
        print(f"Nothing listens on {args.base}: start the server first.", file=sys.stderr)
        return 2

    if args.gets:
        cpu_before = cpu_seconds(pids)
        results, wall = run_gets(args, base)
        cpu = cpu_seconds(pids) - cpu_before
        ok = results.statuses.get("GET 200", 0)
        summary = {
            "mode": "form GET only",
            "requests": args.gets,
            "ok": ok,
            "concurrency": args.concurrency,
            "get_per_s": round(ok / wall, 1),
            "get_p50_ms": round(percentile(results.get_ms, 50), 1),
            "get_p99_ms": round(percentile(results.get_ms, 99), 1),
            "server_cpu_ms_per_get": round(cpu * 1000 / max(1, ok), 2),
            "statuses": results.statuses,
        }
        print(
            f"form GET: {ok}/{args.gets} ok, {summary['get_per_s']}/s, p50 "
            f"{summary['get_p50_ms']} ms, p99 {summary['get_p99_ms']} ms, server CPU "
            f"{summary['server_cpu_ms_per_get']} ms/request"
        )
        print(json.dumps(summary))
        return 0 if ok == args.gets else 1

    try:
        summary, details = rush_run(args, base, pids)
    except RuntimeError as error:
        print(error, file=sys.stderr)
        return 2
    rush_print(args, summary, details)
    print(json.dumps(summary))
    return 0 if rush_kept(summary, details) else 1


class SetupError(RuntimeError):
    """The rush could not start (database unreadable, ceremony not empty, staff login)."""


def rush_run(args, base, pids: set[int], *, on_start=None, on_end=None) -> tuple[dict, dict]:
    """One rush as `args` says (see the module's docstring), the database read before
    and after: (summary, details), the summary a JSON-able dict of every figure, the
    details what `rush_print` and `rush_kept` need (lost answers, errors, the staff
    editor). `on_start()` and `on_end()`, if given, are called when the first browsers
    start (after the database was read) and when the last one is done (before the
    database is read again). Raises SetupError when it cannot start. Used by
    bench/read_tier.py too (reads measured during a rush)."""
    before = read_database(args)
    capacity = before["capacity"]
    if before["rows"] or before["seats_taken"]:
        raise SetupError(
            f"Ceremony {args.ceremony} already holds {len(before['rows'])} registrations: "
            "reset it with `manage.py bench_ceremony`."
        )

    editor, stop_edits, edits = None, threading.Event(), None
    if args.staff_edits:
        try:
            username, password = staff_user_ensure(args)
            editor = StaffEditor(
                base,
                ceremony=args.ceremony,
                username=username,
                password=password,
                timeout=args.timeout,
            )
            editor.log_in()
            editor.load()
        except (RuntimeError, OSError) as error:
            raise SetupError(f"Staff edits: {error}") from error
        edits = threading.Thread(
            target=editor.run,
            kwargs={
                "interval": args.staff_edits,
                "stop": stop_edits,
                "add_seats": args.staff_add_seats,
            },
        )
        edits.start()

    cpu_before, client_before = cpu_seconds(pids), time.process_time()
    roles_before = cpu_roles.snapshot()
    if on_start is not None:
        on_start()
    results, wall = run_rush(args, base, capacity)
    if on_end is not None:
        on_end()
    roles = cpu_roles.since(roles_before)
    stop_edits.set()
    if edits is not None:
        edits.join()
    cpu = cpu_seconds(pids) - cpu_before
    client_cpu = time.process_time() - client_before
    after = read_database(args)

    rows = after["rows"]
    confirmed_rows = [r for r in rows if r[2] == "confirmed"]
    confirmed_seats = sum(r[3] for r in confirmed_rows)
    seats_held = sum(r[3] for r in rows if r[2] in ("confirmed", "offered"))
    final_capacity = after["capacity"]  # staff edits may have added seats
    oversold = max(
        0,
        confirmed_seats - final_capacity,
        seats_held - final_capacity,
        after["seats_taken"] - final_capacity,
    )
    counter_matches = after["seats_taken"] == seats_held
    stored_refs = {r[0] for r in rows}
    stored_emails = {r[1] for r in rows}
    lost = [
        (ref, email)
        for ref, email in results.answered
        if ref not in stored_refs or email not in stored_emails
    ]
    errors_5xx = sum(v for k, v in results.statuses.items() if k.split()[-1].startswith("5"))
    transport = results.statuses.get("transport error", 0)

    times = sorted(results.confirm_times)
    if times and results.first_post is not None:
        last = times[min(len(times), capacity) - 1]
        window = max(1e-9, last - results.first_post)
        per_s = min(len(times), capacity) / window
    else:
        window, per_s = 0.0, 0.0
    requests = len(results.get_ms) + len(results.post_ms)

    summary = {
        "confirmed_per_s": round(per_s, 1),
        "oversold": oversold,
        "lost": len(lost),
        "errors_5xx": errors_5xx,
        "transport_errors": transport,
        "attempts": args.attempts,
        "concurrency": args.concurrency,
        "warm": args.warm,
        "capacity": capacity,
        "answered_303": len(results.answered),
        "confirmed": len(confirmed_rows),
        "seats_taken": after["seats_taken"],
        "seats_held": seats_held,
        "counter_matches": counter_matches,
        "capacity_after": final_capacity,
        "refused_409": results.statuses.get("POST 409", 0),
        "window_s": round(window, 3),
        "wall_s": round(wall, 3),
        "post_p50_ms": round(percentile(results.post_ms, 50), 1),
        "post_p99_ms": round(percentile(results.post_ms, 99), 1),
        "get_p50_ms": round(percentile(results.get_ms, 50), 1),
        "get_p99_ms": round(percentile(results.get_ms, 99), 1),
        "server_cpu_s": round(cpu, 2),
        "server_cpu_ms_per_request": round(cpu * 1000 / max(1, requests), 2),
        "client_cpu_s": round(client_cpu, 2),
        "client_cpu_ms_per_request": round(client_cpu * 1000 / max(1, requests), 2),
        "statuses": results.statuses,
        "cpu_by_role": roles,
        # every process's CPU from the first POST to the last seat (the window of
        # confirmed/s), and the machine's CPU per confirmation in that window
        "confirming_cpu": cpu_roles.between(
            results.marks.get("first_post"), results.marks.get("sold_out")
        ),
    }
    if summary["confirming_cpu"]:
        summary["machine_cpu_ms_per_confirmation"] = round(
            summary["confirming_cpu"]["busy_s"] * 1000 / capacity, 2
        )
    if editor is not None:
        summary.update(
            staff_edits_every_s=args.staff_edits,
            staff_add_seats=args.staff_add_seats,
            staff_saves=editor.saves,
            staff_refused=editor.refused,
            staff_errors=len(editor.errors),
            staff_post_p50_ms=round(percentile(editor.posts_ms, 50), 1),
        )
    details = {"lost": lost, "errors": results.errors, "editor": editor, "times": times}
    return summary, details


if __name__ == "__main__":
    sys.exit(main())
