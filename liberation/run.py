"""`make run`: prepare the site, then run the web server and the task worker.

Steps, each idempotent so that a second run starts in seconds and changes nothing:
a `.env` with a generated SECRET_KEY (first run only), migrations, static files,
the demo content, an admin account; then gunicorn, the django-tasks worker and the
scheduled-publishing clock run side by side until Ctrl-C.
"""

import os
import secrets
import signal
import subprocess
import sys
import threading
import time
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


def publish_clock(stop: threading.Event) -> None:
    """Every minute: Wagtail's scheduled publishing (`publish_scheduled`), then the
    registrations' scheduled work (`registrations_tick`: expired offers, reminders,
    erasure of personal data, the email outbox). One after the other, so a slow run
    delays the next instead of overlapping it."""
    while not stop.wait(60):
        for command in ("publish_scheduled", "registrations_tick"):
            if stop.is_set():
                break
            subprocess.run([PY, str(ROOT / "manage.py"), command], cwd=ROOT, check=False)


def main() -> int:
    ensure_env_file()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "liberation.settings.production")
    (ROOT / "var").mkdir(exist_ok=True)
    manage("prepare")

    host = os.environ.get("HOST", "127.0.0.1")
    port = os.environ.get("PORT", "8000")
    workers = os.environ.get("WEB_CONCURRENCY", "2")
    children = [
        subprocess.Popen(
            [
                PY,
                "-m",
                "gunicorn",
                "liberation.wsgi",
                "--bind",
                f"{host}:{port}",
                "--workers",
                workers,
                "--access-logfile",
                "-" if os.environ.get("ACCESS_LOG") else "/dev/null",
            ],
            cwd=ROOT,
        ),
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
