"""`make run`: prepare the site, then run the web server and the task worker.

Steps, each idempotent so that a second run starts in seconds and changes nothing:
a `.env` with a generated SECRET_KEY (first run only), migrations, static files,
the demo content, an admin account; then granian, the django-tasks worker and the
scheduled-publishing clock run side by side until Ctrl-C.
"""

import os
import secrets
import signal
import subprocess
import sys
import threading
import time
import traceback
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ENV_FILE = ROOT / ".env"
PY = sys.executable


def ensure_env_file() -> None:
    if ENV_FILE.exists():
        return
    ENV_FILE.write_text(
        "# Written by `make run` on its first start; see .env.example for every setting.\n"
        f"SECRET_KEY={secrets.token_urlsafe(50)}\n",
        encoding="utf-8",
    )
    ENV_FILE.chmod(0o600)


def manage(*args: str) -> None:
    subprocess.run([PY, str(ROOT / "manage.py"), *args], check=True, cwd=ROOT)


CLOCK_COMMANDS = ("publish_scheduled", "registrations_tick")
# Run every N minutes rather than every minute: the audit of the seat counters
# (`check_seats` reports a counter that disagrees with the seats held, and logs it).
CLOCK_EVERY = {"check_seats": 5}


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


def main() -> int:
    ensure_env_file()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "liberation.settings.production")
    (ROOT / "var").mkdir(exist_ok=True)
    manage("prepare")

    host = os.environ.get("HOST", "127.0.0.1")
    port = os.environ.get("PORT", "8000")
    workers = os.environ.get("WEB_CONCURRENCY", "2")
    children = [
        subprocess.Popen(web_server_command(host, port, workers), cwd=ROOT),
        subprocess.Popen([PY, str(ROOT / "manage.py"), "db_worker"], cwd=ROOT),
    ]
    stop = threading.Event()
    threading.Thread(target=publish_clock, args=(stop,), daemon=True).start()
    print(f"Libération is running on http://{host}:{port}/ (admin: /admin/). Ctrl-C stops it.")

    def shutdown(*_args) -> None:
        stop.set()
        for child in children:
            if child.poll() is None:
                child.terminate()

    signal.signal(signal.SIGTERM, shutdown)
    signal.signal(signal.SIGINT, shutdown)
    try:
        while not stop.is_set():
            if any(child.poll() is not None for child in children):
                print("A process stopped; stopping the others.", file=sys.stderr)
                break
            time.sleep(0.5)
    finally:
        shutdown()
        for child in children:
            try:
                child.wait(timeout=10)
            except subprocess.TimeoutExpired:
                child.kill()
    return 0


if __name__ == "__main__":
    sys.exit(main())
