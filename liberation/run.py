"""`make run`: prepare the site, then run the web server and the task worker.

Steps, each idempotent so that a second run starts in seconds and changes nothing:
a `.env` with a generated SECRET_KEY (first run only), then `manage.py prepare`
(liberation/site: migrations, static files, the site with the demo content unless
DEMO_CONTENT=false, an admin account); then granian, the django-tasks worker and the
scheduled-publishing clock run side by side until Ctrl-C (or SIGTERM).

A child process that stops (a crash, a kill, an error it could not survive) is
started again after a pause that grows while it keeps stopping, at a capped rate, and
each stop and start is logged: the rest of the site runs on meanwhile (`Child`).
"""

import os
import secrets
import signal
import subprocess
import sys
import threading
import time
import traceback
from collections import deque
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ENV_FILE = ROOT / ".env"
PY = sys.executable


def ensure_env_file() -> None:
    if ENV_FILE.exists() or os.environ.get("SECRET_KEY"):
        return  # a secret given by the environment needs no file
    ENV_FILE.write_text(
        "# Written by `make run` on its first start; see .env.example for every setting.\n"
        f"SECRET_KEY={secrets.token_urlsafe(50)}\n",
        encoding="utf-8",
    )
    ENV_FILE.chmod(0o600)


def manage(*args: str) -> None:
    subprocess.run([PY, str(ROOT / "manage.py"), *args], check=True, cwd=ROOT)


CLOCK_COMMANDS = ("publish_scheduled", "registrations_tick", "newsletter_tick")
# Run every N minutes rather than every minute: the collection's retention schedule
# (hourly, docs/collection.md), the press erasure (hourly, docs/press.md) and the audit
# of the seat counters
# (`check_seats` reports a counter that disagrees with the seats held, and logs it).
CLOCK_EVERY = {"check_seats": 5, "collection_purge": 60, "erase_press_data": 60}


def clock_tick(minute: int = 1) -> None:
    """One minute's scheduled work: Wagtail's scheduled publishing, then the
    registrations' (expired offers, reminders, erasure of personal data, the email
    outbox), and on the minutes that are a multiple of their period, the commands of
    CLOCK_EVERY. One after the other, in this process: a subprocess per command set
    Django up each time (1.3 s of CPU each, every minute, on the server's cores). A
    failing command is reported and does not stop the next one, nor the clock."""
    from django.core.management import call_command
    from django.db import close_old_connections

    every = tuple(name for name, period in CLOCK_EVERY.items() if minute % period == 0)
    for command in CLOCK_COMMANDS + every:
        try:
            call_command(command)
        except Exception:  # noqa: BLE001 (reported; the next minute tries again)
            traceback.print_exc()
        finally:
            close_old_connections()


def publish_clock(stop: threading.Event) -> None:
    """Every minute, `clock_tick`; a slow run delays the next instead of overlapping it."""
    import django

    django.setup()
    minute = 0
    while not stop.wait(60):
        minute += 1
        clock_tick(minute)


def web_server_command(host: str, port: str, workers: str) -> list[str]:
    """granian (WSGI), one worker process per core, two Python threads each.

    Measured against gunicorn sync workers on these machines (docs/benchmarks.md,
    "Server"): the same CPU for an uncached page, less per cached page and per small
    POST (its HTTP layer is Rust, and it keeps connections alive). Two threads, not
    one: granian accepts connections whatever its Python thread is doing, so with one
    thread two keep-alive clients could queue on one worker while the other idled;
    not more: threads fight over the GIL (MEASURED.md)."""
    command = [
        PY,
        "-m",
        "granian",
        "--interface",
        "wsgi",
        "liberation.wsgi:application",
        "--host",
        host,
        "--port",
        port,
        "--workers",
        workers,
        "--blocking-threads",
        "2",
        "--no-ws",
        "--respawn-failed-workers",
        "--log-level",
        "warning",
    ]
    if os.environ.get("ACCESS_LOG"):
        command.append("--access-log")
    return command


# Restarts: a child that stops is started again after RESTART_DELAY seconds, twice as
# long at each stop in a row up to RESTART_MAX_DELAY; one that ran STABLE_AFTER seconds
# starts from the first delay again. Whatever the delays, at most RESTART_LIMIT
# restarts per child in RESTART_WINDOW seconds.
RESTART_DELAY = 1.0
RESTART_MAX_DELAY = 30.0
STABLE_AFTER = 60.0
RESTART_LIMIT = 10
RESTART_WINDOW = 600.0


def log(message: str) -> None:
    print(f"[run {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


class Child:
    """One supervised process: started, watched, started again after a pause when it
    stops (until `main` stops them all)."""

    def __init__(
        self, name: str, command: list[str], *, group: bool = False, env: dict | None = None
    ) -> None:
        self.name = name
        self.command = command
        self.group = group  # its own process group: stopped with everything it started
        self.env = env
        self.process: subprocess.Popen | None = None
        self.started_at = 0.0
        self.restart_at: float | None = None
        self.delay = RESTART_DELAY
        self.restarts: deque[float] = deque()  # when it was restarted, within the window

    def start(self, now: float) -> None:
        options = {}
        if self.group:
            options["start_new_session"] = True
        if self.env is not None:
            options["env"] = self.env
        self.process = subprocess.Popen(self.command, cwd=ROOT, **options)
        self.started_at, self.restart_at = now, None
        log(f"{self.name} started (pid {self.process.pid}).")

    def watch(self, now: float) -> None:
        """Notice that the process stopped and choose when to start it again; start it
        when that time has come."""
        if self.restart_at is not None:
            if now >= self.restart_at:
                self.restarts.append(now)
                self.start(now)
            return
        if self.process is None or self.process.poll() is None:
            return
        ran = now - self.started_at
        if ran >= STABLE_AFTER:
            self.delay = RESTART_DELAY
        pause, self.delay = self.delay, min(self.delay * 2, RESTART_MAX_DELAY)
        while self.restarts and now - self.restarts[0] >= RESTART_WINDOW:
            self.restarts.popleft()
        if len(self.restarts) >= RESTART_LIMIT:
            pause = max(pause, self.restarts[0] + RESTART_WINDOW - now)
        self.restart_at = now + pause
        log(
            f"{self.name} stopped (exit code {self.process.returncode}) after {ran:.0f} s; "
            f"starting it again in {pause:.0f} s."
        )

    def terminate(self) -> None:
        if self.process is not None and self.process.poll() is None:
            if self.group:
                os.killpg(self.process.pid, signal.SIGTERM)
            else:
                self.process.terminate()

    def wait(self) -> None:
        if self.process is None:
            return
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            if self.group:
                os.killpg(self.process.pid, signal.SIGKILL)
            else:
                self.process.kill()


def supervise(children: list[Child], *, banner: str, clock: bool = True) -> int:
    """Start the children and the clock, start again any child that stops, until Ctrl-C
    or SIGTERM; then stop them all (shared by `make run` and `make serve`)."""
    for child in children:
        child.start(time.monotonic())
    stop = threading.Event()
    if clock:
        threading.Thread(target=publish_clock, args=(stop,), daemon=True).start()
    print(banner, flush=True)

    def shutdown(*_args) -> None:
        stop.set()
        for child in children:
            child.terminate()

    signal.signal(signal.SIGTERM, shutdown)
    signal.signal(signal.SIGINT, shutdown)
    try:
        while not stop.is_set():
            now = time.monotonic()
            for child in children:
                child.watch(now)
            stop.wait(0.5)
    finally:
        shutdown()
        for child in children:
            child.wait()
    return 0


def prepare() -> None:
    """The `.env`, production settings, `var/`, then `manage.py prepare`."""
    ensure_env_file()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "liberation.settings.production")
    (ROOT / "var").mkdir(exist_ok=True)
    manage("prepare")


def main() -> int:
    prepare()
    host = os.environ.get("HOST", "127.0.0.1")
    port = os.environ.get("PORT", "8000")
    workers = os.environ.get("WEB_CONCURRENCY", "2")
    children = [
        Child("web server", web_server_command(host, port, workers)),
        Child("task worker", [PY, str(ROOT / "manage.py"), "db_worker"]),
    ]
    banner = f"Libération is running on http://{host}:{port}/ (admin: /admin/). Ctrl-C stops it."
    return supervise(children, banner=banner)


if __name__ == "__main__":
    sys.exit(main())
