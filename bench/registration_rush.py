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
the processes listening on the port and their children.

The last line of output is one JSON object. Exit status: 0 when the run kept every
promise (0 oversold, the counter equal to the seats held, 0 lost, 0 5xx, 0 transport
errors, no staff save that failed), 1 otherwise, 2 on a setup error.
Standard library only.
"""

from __future__ import annotations

import argparse
import html
import html.parser
import json
import os
import queue
import re
import secrets
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CLK_TCK = os.sysconf("SC_CLK_TCK")


# -- HTTP, like a browser ----------------------------------------------------------------


# The form's action and its CSRF token, found with two patterns rather than a full HTML
# parse: html.parser spent ~1 ms per form page, most of this load generator's CPU on
# the same cores as the server (a browser parses on its own machine).
FORM_ACTION = re.compile(r'<form\b[^>]*\baction="([^"]*/r/inscription/[^"]*)"')
CSRF_INPUT = re.compile(
    r'<input\b[^>]*\bname="csrfmiddlewaretoken"[^>]*\bvalue="([^"]*)"'
    r'|<input\b[^>]*\bvalue="([^"]*)"[^>]*\bname="csrfmiddlewaretoken"'
)


def form_fields(page: str) -> tuple[str, str]:
    """(csrfmiddlewaretoken, action) of the registration form; empty strings if absent."""
    token = CSRF_INPUT.search(page)
    action = FORM_ACTION.search(page)
    return (
        html.unescape(token.group(1) or token.group(2) or "") if token else "",
        html.unescape(action.group(1)) if action else "",
    )


class Response:
    """What a browser keeps of an answer: status, headers (lower-case names), body."""

    def __init__(self, status: int, headers: list[tuple[str, str]], body: bytes):
        self.status = status
        self.headers = headers
        self.body = body

    def getheader(self, name: str) -> str | None:
        name = name.lower()
        return next((v for k, v in self.headers if k == name), None)


class Browser:
    """One cookie jar and one keep-alive connection (reopened when the server closes it).

    HTTP/1.1 over a plain socket rather than http.client: this load generator runs on
    the server's cores, and http.client's parsing cost about twice as much CPU per
    request. It reads what a browser needs here: status, Set-Cookie, Location,
    Connection, and the body by Content-Length or chunks."""

    def __init__(self, base: urllib.parse.SplitResult, timeout: float):
        self.host = base.hostname
        self.port = base.port or 80
        self.timeout = timeout
        self.cookies: dict[str, str] = {}
        self.sock: socket.socket | None = None
        self.buffer = b""

    def request(self, method: str, path: str, body: bytes | None = None, headers=None):
        if self.sock is None:
            self.sock = socket.create_connection((self.host, self.port), timeout=self.timeout)
            self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            self.buffer = b""
        lines = [
            f"{method} {path} HTTP/1.1",
            f"Host: {self.host}:{self.port}",
            "User-Agent: registration-rush/1",
            "Accept-Language: fr",
        ]
        lines += [f"{k}: {v}" for k, v in (headers or {}).items()]
        if self.cookies:
            lines.append("Cookie: " + "; ".join(f"{k}={v}" for k, v in self.cookies.items()))
        if body is not None:
            lines.append(f"Content-Length: {len(body)}")
        try:
            self.sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode() + (body or b""))
            response, close = self._read_response()
        except Exception:
            self.close()
            raise
        for name, value in response.headers:
            if name == "set-cookie":
                pair = value.split(";", 1)[0]
                if "=" in pair:
                    key, val = pair.split("=", 1)
                    self.cookies[key.strip()] = val.strip()
        if close:
            self.close()
        return response.status, response, response.body

    def _recv(self) -> None:
        chunk = self.sock.recv(65536)
        if not chunk:
            raise ConnectionError("the server closed the connection mid-answer")
        self.buffer += chunk

    def _read_until(self, marker: bytes) -> bytes:
        while (end := self.buffer.find(marker)) < 0:
            self._recv()
        head, self.buffer = self.buffer[:end], self.buffer[end + len(marker) :]
        return head

    def _read_exactly(self, size: int) -> bytes:
        while len(self.buffer) < size:
            self._recv()
        data, self.buffer = self.buffer[:size], self.buffer[size:]
        return data

    def _read_response(self) -> tuple[Response, bool]:
        head = self._read_until(b"\r\n\r\n").decode("latin-1").split("\r\n")
        version, status = head[0].split(" ", 2)[:2]
        headers = []
        for line in head[1:]:
            name, _, value = line.partition(":")
            headers.append((name.strip().lower(), value.strip()))
        response = Response(int(status), headers, b"")
        length = response.getheader("content-length")
        connection = (response.getheader("connection") or "").lower()
        close = connection == "close" or (version == "HTTP/1.0" and connection != "keep-alive")
        if length is not None:
            response.body = self._read_exactly(int(length))
        elif (response.getheader("transfer-encoding") or "").lower() == "chunked":
            parts = []
            while size := int(self._read_until(b"\r\n").split(b";")[0], 16):
                parts.append(self._read_exactly(size))
                self._read_until(b"\r\n")
            self._read_until(b"\r\n")  # no trailers are sent here
            response.body = b"".join(parts)
        elif response.status not in (204, 304) and not 100 <= response.status < 200:
            while True:  # until the server closes
                try:
                    self._recv()
                except ConnectionError:
                    break
            response.body, self.buffer, close = self.buffer, b"", True
        return response, close

    def close(self):
        if self.sock is not None:
            self.sock.close()
            self.sock = None


# -- server CPU --------------------------------------------------------------------------


def _listening_inodes(port: int) -> set[str]:
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            if fields[3] == "0A" and int(fields[1].rsplit(":", 1)[1], 16) == port:
                inodes.add(fields[9])
    return inodes


def server_pids(port: int) -> set[int]:
    """Processes holding a listening socket on the port, their parents' other children
    (gunicorn's master and workers), and all their descendants."""
    inodes = _listening_inodes(port)
    found = set()
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            for fd in (proc / "fd").iterdir():
                target = os.readlink(fd)
                if target.startswith("socket:[") and target[8:-1] in inodes:
                    found.add(int(proc.name))
                    break
        except OSError:
            continue
    children: dict[int, list[int]] = {}
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            try:
                ppid = int((proc / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(proc.name))
    todo, pids = list(found), set()
    while todo:
        pid = todo.pop()
        if pid not in pids:
            pids.add(pid)
            todo.extend(children.get(pid, []))
    return pids


def cpu_seconds(pids: set[int]) -> float:
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime + stime
    return total / CLK_TCK


# -- the rush ----------------------------------------------------------------------------


class Results:
    def __init__(self):
        self.lock = threading.Lock()
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
        if results.first_post is None:
            results.first_post = started
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


def run_rush(args, base) -> tuple[Results, float]:
    path = f"/{args.lang}/r/inscription/{args.ceremony}/"
    run_id = uuid.uuid4().hex[:8]
    results = Results()
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


# -- staff edits during the rush ---------------------------------------------------------


class FormReader(html.parser.HTMLParser):
    """The fields of one form (found by its id or a class) as a browser would post them:
    text, number, hidden and password inputs; checkboxes only when checked; a select's
    selected option (else its first); textareas."""

    def __init__(self, marker: str):
        super().__init__(convert_charrefs=True)
        self.marker = marker
        self.inside = False
        self.fields: dict[str, str] = {}
        self.select: str | None = None
        self.first_option: str | None = None
        self.textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        attrs = {k: (v if v is not None else "") for k, v in attrs}
        if tag == "form":
            self.inside = (
                self.marker == attrs.get("id") or self.marker in (attrs.get("class") or "").split()
            )
        if not self.inside:
            return
        name = attrs.get("name")
        if tag == "input" and name:
            kind = attrs.get("type", "text")
            if kind in ("submit", "button", "image", "file", "reset"):
                return
            if kind in ("checkbox", "radio"):
                if "checked" in attrs:
                    self.fields[name] = attrs.get("value") or "on"
                return
            self.fields[name] = attrs.get("value", "")
        elif tag == "select" and name:
            self.select, self.first_option = name, None
        elif tag == "option" and self.select:
            value = attrs.get("value", "")
            if self.first_option is None:
                self.first_option = value
            if "selected" in attrs:
                self.fields[self.select] = value
        elif tag == "textarea" and name:
            self.textarea = name
            self.fields[name] = ""

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False
        elif tag == "select" and self.select:
            if self.select not in self.fields and self.first_option is not None:
                self.fields[self.select] = self.first_option
            self.select = None
        elif tag == "textarea":
            self.textarea = None

    def handle_data(self, data):
        if self.textarea:
            self.fields[self.textarea] += data


def read_form(page: str, *, marker: str) -> dict[str, str]:
    reader = FormReader(marker)
    reader.feed(page)
    return reader.fields


def settings_edit_path(ceremony: int) -> str:
    return f"/admin/snippets/events/registrationsettings/edit/{ceremony}/"


class StaffEditor:
    """A staff member who saves the ceremony's settings through the admin's edit form
    (the Wagtail snippet editor) again and again while the rush runs: logs in, loads the
    form once, then posts it every `interval` seconds, adding `add_seats` to the
    capacity on every second save. A 302 is a save; a 200 is the form sent back with
    errors (a refusal); anything else, or a transport error, is an error."""

    def __init__(self, base, *, ceremony: int, username: str, password: str, timeout: float):
        self.base = base
        self.browser = Browser(base, timeout)
        self.path = settings_edit_path(ceremony)
        self.username, self.password = username, password
        self.fields: dict[str, str] = {}
        self.saves = 0
        self.refused = 0
        self.errors: list[str] = []
        self.posts_ms: list[float] = []

    def _post(self, path: str, fields: dict, referer: str):
        headers = {
            "Content-Type": "application/x-www-form-urlencoded",
            "Origin": f"{self.base.scheme}://{self.base.netloc}",
            "Referer": f"{self.base.scheme}://{self.base.netloc}{referer}",
            "Accept": "text/html",
        }
        body = urllib.parse.urlencode(fields).encode()
        return self.browser.request("POST", path, body=body, headers=headers)

    def log_in(self) -> None:
        status, _, body = self.browser.request("GET", "/admin/login/")
        form = read_form(body.decode("utf-8", "replace"), marker="login-form")
        if status != 200 or "csrfmiddlewaretoken" not in form:
            raise RuntimeError(f"admin login page answered {status} without its form")
        form.update(username=self.username, password=self.password)
        status, response, _ = self._post("/admin/login/", form, "/admin/login/")
        if status != 302 or "sessionid" not in self.browser.cookies:
            raise RuntimeError(f"admin login refused ({status})")

    def load(self) -> None:
        status, _, body = self.browser.request("GET", self.path)
        self.fields = read_form(body.decode("utf-8", "replace"), marker="w-editor-form")
        if status != 200 or "capacity" not in self.fields:
            raise RuntimeError(f"GET {self.path} answered {status} without the settings form")

    def save(self, add_seats: int = 0) -> int:
        if add_seats and (self.saves + self.refused) % 2 == 1:
            self.fields["capacity"] = str(int(self.fields["capacity"]) + add_seats)
        started = time.perf_counter()
        status, _, _ = self._post(self.path, self.fields, self.path)
        self.posts_ms.append((time.perf_counter() - started) * 1000)
        if status == 302:
            self.saves += 1
        elif status == 200:
            self.refused += 1
        else:
            self.errors.append(f"POST {self.path} answered {status}")
        return status

    def run(self, *, interval: float, stop: threading.Event, add_seats: int = 0) -> None:
        try:
            if not self.fields:
                self.log_in()
                self.load()
            while not stop.wait(interval):
                self.save(add_seats)
        except Exception as error:  # noqa: BLE001 (reported in the summary)
            self.errors.append(f"{type(error).__name__}: {error}")
        finally:
            self.browser.close()


STAFF_SCRIPT = r"""
import os
from django.contrib.auth import get_user_model
user, _ = get_user_model().objects.get_or_create(
    username="bench-staff", defaults={"email": "bench-staff@example.org"}
)
user.is_active = user.is_staff = user.is_superuser = True
user.set_password(os.environ["BENCH_STAFF_PASSWORD"])
user.save()
print("@@STAFF@@" + user.username)
"""


def staff_user_ensure(args) -> tuple[str, str]:
    """A superuser `bench-staff` with a new random password (the benchmark's database
    only: never run this against a production database)."""
    password = secrets.token_urlsafe(18)
    env = dict(os.environ, BENCH_STAFF_PASSWORD=password)
    env.setdefault("DJANGO_SETTINGS_MODULE", "liberation.settings.production")
    command = [*args.manage, "shell", "-c", STAFF_SCRIPT]
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    for line in done.stdout.splitlines():
        if line.startswith("@@STAFF@@"):
            return line[9:], password
    raise RuntimeError(f"creating the staff user failed:\n{done.stderr[-2000:]}")


# -- the database ------------------------------------------------------------------------

DB_SCRIPT = r"""
import json
from liberation.events.models import RegistrationSettings
from liberation.registrations.models import Registration
c = RegistrationSettings.objects.get(pk=%(id)d)
fields = ("reference", "email", "status", "seats")
rows = list(Registration.objects.filter(ceremony=c).values_list(*fields))
print("@@DB@@" + json.dumps({"capacity": c.capacity, "seats_taken": c.seats_taken, "rows": rows}))
"""


def read_database(args) -> dict:
    command = [*args.manage, "shell", "-c", DB_SCRIPT % {"id": args.ceremony}]
    env = dict(os.environ)
    env.setdefault("DJANGO_SETTINGS_MODULE", "liberation.settings.production")
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    for line in done.stdout.splitlines():
        if line.startswith("@@DB@@"):
            return json.loads(line[6:])
    raise RuntimeError(f"reading the database failed:\n{done.stderr[-2000:]}")


# -- in-process: CPU and queries of one GET and one POST ------------------------------


def in_process(args) -> int:
    """CPU, queries and locked time of the form GET and the registering POST, in-process.

    Django's test client with the settings of `make run` (production, DEBUG off, the
    environment's DATABASE_URL, CSRF checked): no server, no network, no load generator,
    only what a worker spends. It resets the benchmark ceremony (`bench_ceremony`) with
    room for every POST. The locked time runs from the statement that takes the lock
    (SQLite: `BEGIN IMMEDIATE`, the database write lock; PostgreSQL: the first statement
    on the ceremony row, `SELECT … FOR UPDATE` or `UPDATE`) to the end of the COMMIT;
    for PostgreSQL's single-statement registration, in autocommit, the statement itself.
    """
    import io
    import statistics

    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "liberation.settings.production")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    requests = args.in_process
    out = io.StringIO()
    call_command("bench_ceremony", capacity=requests + 20, stdout=out)
    ceremony = int(out.getvalue().strip())
    path = f"/{args.lang}/r/inscription/{ceremony}/"
    vendor = connection.vendor

    state = {"queries": 0, "lock_wall": None, "lock_cpu": None, "locked": []}

    def takes_lock(sql: str) -> bool:
        if vendor == "sqlite":
            return sql.startswith("BEGIN")
        return '"events_registrationsettings"' in sql and (
            sql.startswith("UPDATE") or "FOR UPDATE" in sql
        )

    def counting(execute, sql, params, many, context):
        state["queries"] += 1
        if sql.startswith("WITH seat AS (UPDATE") and not connection.in_atomic_block:
            # PostgreSQL's single statement, in autocommit: the lock lasts this statement.
            wall, cpu = time.perf_counter(), time.process_time()
            try:
                return execute(sql, params, many, context)
            finally:
                state["locked"].append(
                    (
                        (time.perf_counter() - wall) * 1000,
                        (time.process_time() - cpu) * 1000,
                    )
                )
        if state["lock_wall"] is None and takes_lock(sql):
            state["lock_wall"], state["lock_cpu"] = time.perf_counter(), time.process_time()
        return execute(sql, params, many, context)

    original_commit, original_rollback = connection.commit, connection.rollback

    def end_of_transaction(original):
        def wrapped(*a, **kw):
            state["queries"] += 1
            try:
                return original(*a, **kw)
            finally:
                if state["lock_wall"] is not None:
                    state["locked"].append(
                        (
                            (time.perf_counter() - state["lock_wall"]) * 1000,
                            (time.process_time() - state["lock_cpu"]) * 1000,
                        )
                    )
                    state["lock_wall"] = None

        return wrapped

    connection.commit = end_of_transaction(original_commit)
    connection.rollback = end_of_transaction(original_rollback)
    run_id = uuid.uuid4().hex[:8]
    # cpu ms, wall ms, queries
    figures = {"GET": ([], [], []), "POST": ([], [], []), "GET, cache emptied": ([], [], [])}
    warm = 5
    # One client (its handler loads the middleware once, WhiteNoise's file scan included);
    # no cookies carried over: each pair is a new browser.
    client = Client(enforce_csrf_checks=True, SERVER_NAME="127.0.0.1")
    with connection.execute_wrapper(counting):
        for n in range(requests + warm):
            client.cookies.clear()
            measured = n >= warm
            for method in ("GET", "POST"):
                state["queries"] = 0
                started, cpu_started = time.perf_counter(), time.process_time()
                if method == "GET":
                    response = client.get(path)
                    expected = 200
                else:
                    token = re.search(
                        rb'name="csrfmiddlewaretoken" value="([^"]+)"', response.content
                    ).group(1)
                    response = client.post(
                        path,
                        urllib.parse.urlencode(
                            {
                                "csrfmiddlewaretoken": token.decode(),
                                "given_name": "Camille",
                                "surname": f"Rush{n}",
                                "email": f"inproc-{run_id}-{n}@example.org",
                                "consent": "on",
                                "homepage": "",
                            }
                        ),
                        content_type="application/x-www-form-urlencoded",  # as browsers do
                    )
                    expected = 303
                cpu = (time.process_time() - cpu_started) * 1000
                wall = (time.perf_counter() - started) * 1000
                if response.status_code != expected:
                    print(f"{method} {path} answered {response.status_code}", file=sys.stderr)
                    return 1
                if measured:
                    figures[method][0].append(cpu)
                    figures[method][1].append(wall)
                    figures[method][2].append(state["queries"])
            if not measured:
                state["locked"].clear()
        # The same GET with the cache emptied first: what a cache miss costs.
        from django.core.cache import cache

        for _n in range(min(requests, 30)):
            client.cookies.clear()
            cache.clear()
            state["queries"] = 0
            started, cpu_started = time.perf_counter(), time.process_time()
            client.get(path)
            figures["GET, cache emptied"][0].append((time.process_time() - cpu_started) * 1000)
            figures["GET, cache emptied"][1].append((time.perf_counter() - started) * 1000)
            figures["GET, cache emptied"][2].append(state["queries"])
    connection.commit, connection.rollback = original_commit, original_rollback

    summary = {"mode": "in-process", "vendor": vendor, "requests": requests}
    print(f"in-process, {vendor}, {requests} GET + POST pairs (production settings)")
    for method, (cpu, wall, queries) in figures.items():
        key = method.lower().replace(", cache emptied", "_uncached")
        summary[f"{key}_cpu_ms_mean"] = round(statistics.mean(cpu), 2)
        summary[f"{key}_cpu_ms_median"] = round(statistics.median(cpu), 2)
        summary[f"{key}_wall_ms_median"] = round(statistics.median(wall), 2)
        summary[f"{key}_queries"] = statistics.median(queries)
        print(
            f"{method:<18} CPU mean {statistics.mean(cpu):6.2f} ms, median "
            f"{statistics.median(cpu):6.2f} ms; wall median {statistics.median(wall):6.2f} ms;"
            f" queries {statistics.median(queries):g} (counted: statements + COMMIT)"
        )
    if state["locked"]:
        walls = [w for w, _ in state["locked"]]
        cpus = [c for _, c in state["locked"]]
        summary["locked_wall_ms_median"] = round(statistics.median(walls), 2)
        summary["locked_cpu_ms_median"] = round(statistics.median(cpus), 2)
        print(
            f"locked section: wall median {statistics.median(walls):.2f} ms, CPU median "
            f"{statistics.median(cpus):.2f} ms ({len(walls)} transactions)"
        )
    print(json.dumps(summary))
    return 0


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
    if on_start is not None:
        on_start()
    results, wall = run_rush(args, base)
    if on_end is not None:
        on_end()
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
    }
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


def rush_print(args, summary: dict, details: dict) -> None:
    """The rush's figures, one per line, as `main` prints them."""
    lost, editor = details["lost"], details["editor"]
    final_capacity, seats_taken = summary["capacity_after"], summary["seats_taken"]
    counter_matches = summary["counter_matches"]
    print(
        f"attempts            {args.attempts} ({args.concurrency} concurrent clients"
        f"{', forms loaded first' if args.warm else ''})"
    )
    print(
        f"confirmed           {summary['confirmed']} stored, {summary['answered_303']} answered"
        f" 303, seats_taken {seats_taken} / {final_capacity}"
    )
    print(
        f"confirmed/s         {summary['confirmed_per_s']} (first POST to confirmation "
        f"#{min(len(details['times']), summary['capacity'])}: {summary['window_s']} s)"
    )
    print(f"POST latency        p50 {summary['post_p50_ms']} ms, p99 {summary['post_p99_ms']} ms")
    print(f"form GET latency    p50 {summary['get_p50_ms']} ms, p99 {summary['get_p99_ms']} ms")
    print(f"refused (409)       {summary['refused_409']}")
    print(f"oversold seats      {summary['oversold']}")
    print(
        f"seat counter        {seats_taken}, seats held {summary['seats_held']}"
        f" ({'equal' if counter_matches else 'MISMATCH'}), capacity at the end {final_capacity}"
    )
    if editor is not None:
        print(
            f"staff edits         {editor.saves} saves, {editor.refused} refused, "
            f"{len(editor.errors)} errors (every {args.staff_edits} s"
            + (
                f", +{args.staff_add_seats} seats every second save)"
                if args.staff_add_seats
                else ")"
            )
        )
        for error in editor.errors[:3]:
            print(f"  {error}", file=sys.stderr)
    print(f"lost submissions    {len(lost)}" + (f" e.g. {lost[:3]}" if lost else ""))
    print(f"5xx answers         {summary['errors_5xx']}")
    print(f"transport errors    {summary['transport_errors']}")
    print(
        f"server CPU          {summary['server_cpu_s']} s, "
        f"{summary['server_cpu_ms_per_request']} ms per request (GET or POST)"
    )
    print(
        f"client CPU          {summary['client_cpu_s']} s, "
        f"{summary['client_cpu_ms_per_request']} ms per request (this load generator, same cores)"
    )
    print(f"statuses            {summary['statuses']}")
    for error in details["errors"][:5]:
        print(f"  {error}", file=sys.stderr)


def rush_kept(summary: dict, details: dict) -> bool:
    """0 oversold, the counter equal to the seats held, 0 lost, 0 5xx, 0 transport
    errors, no staff save that failed."""
    staff_failed = details["editor"] is not None and bool(details["editor"].errors)
    return not (
        summary["oversold"]
        or details["lost"]
        or summary["errors_5xx"]
        or summary["transport_errors"]
        or not summary["counter_matches"]
        or staff_failed
    )


if __name__ == "__main__":
    sys.exit(main())
