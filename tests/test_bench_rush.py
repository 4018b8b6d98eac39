"""The registration-rush load generator's own HTTP client and form reading
(bench/registration_rush.py): a wrong reading there would skew every figure."""

import http.server
import importlib.util
import os
import subprocess
import sys
import threading
import time
import urllib.parse
from pathlib import Path

import pytest

SPEC = importlib.util.spec_from_file_location(
    "registration_rush", Path(__file__).resolve().parent.parent / "bench" / "registration_rush.py"
)
rush = importlib.util.module_from_spec(SPEC)
SPEC.loader.exec_module(rush)

PAGE = (
    '<html><body><form method="post" action="/fr/r/inscription/7/" id="f" novalidate>'
    '<input type="hidden" name="csrfmiddlewaretoken" value="tok&amp;en">'
    "</form></body></html>"
)


LOGIN_PAGE = (
    '<form class="search"><input name="q" value="x"></form>'
    '<form class="login-form" action="/admin/login/" method="post">'
    '<input type="hidden" name="csrfmiddlewaretoken" value="login-token">'
    '<input type="hidden" name="next" value="/admin/" />'
    '<input type="text" name="username" required><input type="password" name="password">'
    '<input type="checkbox" name="remember"><button type="submit">Log in</button></form>'
)
EDIT_PAGE = (
    '<form id="w-editor-form" action="/admin/snippets/events/registrationsettings/edit/7/"'
    ' method="POST" data-edit-form>'
    '<input type="hidden" name="csrfmiddlewaretoken" value="edit-token">'
    '<input type="text" name="name" value="Cérémonie &amp; dépôt" maxlength="255">'
    '<input type="number" name="capacity" value="300" min="0">'
    '<input type="text" name="opens_at" value="2026-12-04 17:24">'
    '<select name="mode" id="id_mode"><option value="first_come">First</option>'
    '<option value="draw" selected>Draw</option></select>'
    '<select name="other"><option value="a">A</option><option value="b">B</option></select>'
    '<input type="checkbox" name="screening_required" checked>'
    '<input type="checkbox" name="ask_birth_date">'
    '<textarea name="notes">Line one</textarea>'
    '<input type="checkbox" name="is_editing" value="1" hidden />'
    "</form>"
)
EDIT_PATH = "/admin/snippets/events/registrationsettings/edit/7/"


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    connections: list = []
    posted: list = []  # (path, fields, cookie) of the admin POSTs

    def log_message(self, *args):
        pass

    def _answer(self, status: int, body: bytes = b"", headers=()):
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        Handler.connections.append(id(self.connection))
        if self.path == "/admin/login/":
            return self._answer(200, LOGIN_PAGE.encode(), [("Set-Cookie", "csrftoken=c1; Path=/")])
        if self.path == EDIT_PATH:
            if "sessionid=s1" not in self.headers.get("Cookie", ""):
                return self._answer(302, headers=[("Location", "/admin/login/")])
            return self._answer(200, EDIT_PAGE.encode())
        if self.path == "/chunked":
            self.send_response(200)
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            for part in (b"Hello, ", b"chunked world"):
                self.wfile.write(b"%x\r\n%s\r\n" % (len(part), part))
            self.wfile.write(b"0\r\n\r\n")
            return
        body = PAGE.encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Set-Cookie", "csrftoken=abc123; Path=/; SameSite=Lax")
        if self.path == "/close":
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self):
        length = int(self.headers["Content-Length"])
        fields = urllib.parse.parse_qs(self.rfile.read(length).decode())
        cookie = self.headers.get("Cookie", "")
        if self.path.startswith("/admin/"):
            Handler.posted.append((self.path, fields, cookie))
            if self.path == "/admin/login/":
                ok = fields.get("password") == ["secret"]
                cookies = [("Set-Cookie", "sessionid=s1; Path=/; HttpOnly")] if ok else []
                return self._answer(302 if ok else 200, headers=cookies)
            # The edit form: refused (200, the form with errors) below 300 seats.
            return self._answer(302 if int(fields["capacity"][0]) >= 300 else 200)
        self.send_response(303)
        n = (fields.get("n") or fields["surname"])[0]  # the tests' posts, or post_form's
        self.send_header("Location", f"/fr/r/REF-{n}/?c={cookie}")
        self.send_header("Content-Length", "0")
        self.end_headers()


@pytest.fixture
def server():
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    Handler.connections = []
    Handler.posted = []
    yield urllib.parse.urlsplit(f"http://127.0.0.1:{httpd.server_address[1]}")
    httpd.shutdown()
    httpd.server_close()


def test_form_fields_reads_token_and_action():
    assert rush.form_fields(PAGE) == ("tok&en", "/fr/r/inscription/7/")
    reordered = '<input value="v1" type="hidden" name="csrfmiddlewaretoken">'
    assert rush.form_fields(reordered) == ("v1", "")
    assert rush.form_fields("<p>closed</p>") == ("", "")


def test_browser_keeps_cookies_and_the_connection(server):
    browser = rush.Browser(server, timeout=5)
    status, _, body = browser.request("GET", "/form")
    assert status == 200 and body == PAGE.encode()
    assert browser.cookies == {"csrftoken": "abc123"}
    status, response, body = browser.request(
        "POST", "/form", body=b"n=42", headers={"Content-Type": "application/x-www-form-urlencoded"}
    )
    assert status == 303 and body == b""
    assert response.getheader("Location") == "/fr/r/REF-42/?c=csrftoken=abc123"
    assert len(set(Handler.connections)) == 1  # GET and POST on one kept-alive connection
    browser.close()


def test_browser_reads_chunks_and_reconnects_after_close(server):
    browser = rush.Browser(server, timeout=5)
    assert browser.request("GET", "/chunked")[2] == b"Hello, chunked world"
    assert browser.request("GET", "/close")[0] == 200
    assert browser.sock is None  # the server said Connection: close
    assert browser.request("GET", "/form")[0] == 200
    browser.close()


def test_read_form_takes_what_a_browser_posts():
    assert rush.read_form(EDIT_PAGE, marker="w-editor-form") == {
        "csrfmiddlewaretoken": "edit-token",
        "name": "Cérémonie & dépôt",
        "capacity": "300",
        "opens_at": "2026-12-04 17:24",
        "mode": "draw",
        "other": "a",  # no option selected: the first
        "screening_required": "on",
        "notes": "Line one",
    }
    login = rush.read_form(LOGIN_PAGE, marker="login-form")
    assert login == {
        "csrfmiddlewaretoken": "login-token",
        "next": "/admin/",
        "username": "",
        "password": "",
    }  # not the search form before it


def test_staff_editor_logs_in_then_saves_the_form_again_and_again(server):
    editor = rush.StaffEditor(
        server, ceremony=7, username="bench-staff", password="secret", timeout=5
    )
    assert editor.path == EDIT_PATH
    stop = threading.Event()
    thread = threading.Thread(
        target=editor.run, kwargs={"interval": 0.01, "stop": stop, "add_seats": 10}
    )
    thread.start()
    deadline = time.monotonic() + 10
    while len(Handler.posted) < 6 and time.monotonic() < deadline:
        thread.join(timeout=0.01)
    stop.set()
    thread.join(timeout=5)
    assert editor.errors == []
    login_path, login, _ = Handler.posted[0]
    assert login_path == "/admin/login/"
    assert login["username"] == ["bench-staff"] and login["csrfmiddlewaretoken"] == ["login-token"]
    edits = Handler.posted[1:]
    assert {path for path, _, _ in edits} == {EDIT_PATH}
    assert all("sessionid=s1" in cookie for _, _, cookie in edits)
    assert edits[0][1]["csrfmiddlewaretoken"] == ["edit-token"]
    assert edits[0][1]["mode"] == ["draw"] and "ask_birth_date" not in edits[0][1]
    capacities = [int(fields["capacity"][0]) for _, fields, _ in edits[:4]]
    assert capacities == [300, 310, 310, 320]  # +10 seats on every second save
    assert editor.saves == len(edits) and editor.refused == 0


def test_staff_editor_counts_refusals_and_reports_a_refused_login(server):
    editor = rush.StaffEditor(server, ceremony=7, username="s", password="secret", timeout=5)
    editor.log_in()
    editor.load()
    editor.fields["capacity"] = "10"
    assert editor.save() == 200 and editor.refused == 1 and editor.saves == 0
    wrong = rush.StaffEditor(server, ceremony=7, username="s", password="wrong", timeout=5)
    with pytest.raises(RuntimeError, match="admin login refused"):
        wrong.log_in()


CPU_SPEC = importlib.util.spec_from_file_location(
    "cpu_roles", Path(__file__).resolve().parent.parent / "bench" / "cpu_roles.py"
)
cpu_roles = importlib.util.module_from_spec(CPU_SPEC)
CPU_SPEC.loader.exec_module(cpu_roles)


def test_cpu_roles_name_each_process_of_the_topology():
    role = cpu_roles.role_of
    granian = "/srv/.venv/bin/python -m granian --interface wsgi liberation.wsgi:application"
    assert role(1, "python", granian) == "app nodes (granian)"
    assert role(1, "python", "python manage.py db_worker") == "task workers"
    purge = "python manage.py db_worker --queue-name purge --interval 0.1"
    assert role(1, "python", purge) == "purge worker"
    assert role(1, "cache-main", "/usr/sbin/varnishd -F") == "varnish"
    assert role(1, "postgres", "postgres: 15/main: postgres h_rush 127.0.0.1(1) idle") == (
        "postgresql"
    )
    assert role(1, "redis-server", "redis-server 127.0.0.1:6379") == "redis"
    assert role(1, "wrk", "wrk -t2 -c64 -d1s http://127.0.0.1:8300/") == "wrk"
    assert role(1, "nginx", "nginx: worker process") == "nginx"
    assert role(1, "bash", "bash") == "other"
    assert role(os.getpid(), "python", granian) == "bench client"


def _spin(seconds: float) -> None:
    end = time.process_time() + seconds
    while time.process_time() < end:
        pass


def test_cpu_roles_count_the_phase_only_and_a_process_started_in_it(monkeypatch):
    marker = "cpu-roles-test-child"
    monkeypatch.setattr(
        cpu_roles, "ROLES", (("child", lambda pid, comm, args: marker in args), *cpu_roles.ROLES)
    )
    _spin(0.5)  # this process's CPU before the phase: not counted
    before = cpu_roles.snapshot()
    started = time.process_time()
    # a process started during the phase, that spins 0.6 s of CPU and stays alive
    spin = "import time\nend = time.process_time() + 0.6\nwhile time.process_time() < end: pass"
    child = subprocess.Popen(
        [sys.executable, "-c", f"{spin}\nimport sys; sys.stdin.read()  # {marker}"],
        stdin=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            _spin(0.05)
            share = cpu_roles.since(before)
            if share["roles"].get("child", 0) >= 0.55:
                break
        own = time.process_time() - started
    finally:
        child.communicate("")
    assert 0.55 <= share["roles"]["child"] < 1.0  # the child's time, from zero
    assert share["roles"]["bench client"] <= own + 0.1  # since the snapshot only
    assert share["busy_s"] >= share["roles"]["child"]
    # once ended, the child is in no role: its time is only in the machine's busy time
    assert "child" not in cpu_roles.since(before)["roles"]


def test_the_rush_marks_the_machine_at_the_first_post_and_at_the_last_seat(server):
    """The window of confirmed/s (first POST to the capacity-th confirmation) gets the
    CPU of every process (bench/read_tier.py's budget divides it by the seats)."""
    results = rush.Results(capacity=2)
    for n in range(3):
        browser = rush.Browser(server, 5)
        rush.post_form(browser, "/fr/r/inscription/7/", "tok", n, "run", server, results)
        browser.close()
        if n == 0:
            assert set(results.marks) == {"first_post"}
    assert set(results.marks) == {"first_post", "sold_out"}
    assert len(results.confirm_times) == 3
    window = cpu_roles.between(results.marks["first_post"], results.marks["sold_out"])
    assert window["cores"] == os.cpu_count() and window["busy_s"] >= 0
    # Not sold out (more seats than confirmations): no window, no figure.
    unsold = rush.Results(capacity=5)
    browser = rush.Browser(server, 5)
    rush.post_form(browser, "/fr/r/inscription/7/", "tok", 9, "run", server, unsold)
    browser.close()
    assert cpu_roles.between(unsold.marks.get("first_post"), unsold.marks.get("sold_out")) == {}


def _read_tier():
    spec = importlib.util.spec_from_file_location(
        "read_tier", Path(__file__).resolve().parent.parent / "bench" / "read_tier.py"
    )
    read_tier = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(read_tier)
    return read_tier


def test_the_budget_adds_the_reads_and_the_confirmations_at_their_measured_costs():
    read_tier = _read_tier()
    # The tier alone: 400,000 reads for 20 s of the machine's CPU, 50 µs each; reads at
    # half of nginx's 80,000/s need 2 cores; 500 confirmations of 8 ms each, 4 more.
    needs = read_tier.budget(
        {"rps": 80000.0},
        {"cpu": {"busy_s": 20.0}, "requests": 400000},
        {"machine_cpu_ms_per_confirmation": 8.0},
    )
    assert needs == {
        "machine_cpu_us_per_read": 50.0,
        "machine_cpu_ms_per_confirmation": 8.0,
        "cores_for_reads": 2.0,
        "cores_for_rush": 4.0,
        "cores_needed": 6.0,
        "cores": os.cpu_count(),
    }
    # A rush that did not sell out measured no cost per confirmation: no budget.
    assert read_tier.budget({"rps": 1.0}, {"cpu": {"busy_s": 1.0}, "requests": 1}, {}) == {}


def test_publish_delays_p99_is_by_nearest_rank_never_below_the_median():
    read_tier = _read_tier()
    hundred = [float(n) for n in range(1, 101)]
    assert read_tier.nearest_rank(hundred, 99) == 99.0
    assert read_tier.nearest_rank(hundred, 50) == 50.0
    assert read_tier.nearest_rank([0.089, 0.097], 99) == 0.097  # was the smaller one
    assert read_tier.nearest_rank([0.5], 99) == 0.5


def test_cpu_roles_charge_the_children_that_ended_to_the_bench():
    before = cpu_roles.snapshot()
    spin = "import time\nend = time.process_time() + 0.4\nwhile time.process_time() < end: pass"
    subprocess.run([sys.executable, "-c", spin], check=True)  # like one wrk run
    share = cpu_roles.since(before)
    assert 0.35 <= share["roles"][cpu_roles.ENDED_CHILDREN] < 1.0


WRK_OUTPUT = """Running 10s test @ http://127.0.0.1:8300/
  2 threads and 64 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     1.52ms    2.10ms    1.20s    91.23%
    Req/Sec    20.1k     1.2k   23.0k    70.00%
  Latency Distribution
     50%  812.00us
     75%    1.50ms
     90%    2.80ms
     99%   10.20ms
  400123 requests in 10.04s, 2.34GB read
  Non-2xx or 3xx responses: 3
Requests/sec:  39852.10
"""


def test_wrk_output_is_read_in_milliseconds_whatever_its_units(monkeypatch):
    """bench/read_tier.py's wrk run (also gc_granian.py's): each unit wrk prints."""
    read_tier = _read_tier()
    commands = []

    def run(command, **kwargs):
        commands.append(command)
        return subprocess.CompletedProcess(command, 0, stdout=WRK_OUTPUT)

    monkeypatch.setattr(read_tier.subprocess, "run", run)
    result = read_tier.wrk(
        "http://x/", 10, {"Accept-Encoding": "gzip"}, threads=1, script=Path("u.lua")
    )
    assert result == {
        "rps": 39852.1,
        "requests": 400123,
        "seconds": 10.04,
        "non_2xx": 3,
        "p50_ms": 0.812,
        "p99_ms": 10.2,
        "max_ms": 1200.0,
    }
    assert commands[0][:4] == ["wrk", "-t1", "-c64", "-d10s"]
    assert "--header=Accept-Encoding: gzip" in commands[0] and "u.lua" in commands[0]
