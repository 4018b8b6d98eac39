"""PostgreSQL restarted in the middle of a registration rush (issue 13, 7).

A throwaway cluster (Debian's initdb and pg_ctl, a temporary folder, a free loopback
port; never the shared server) gets a copy of the migrated test database (pg_dump), a
ceremony (`manage.py bench_ceremony`), and the app in front of it as in production
(granian, two workers of two threads, `liberation/wsgi.py`). Eight clients register
distinct people over HTTP while the cluster is stopped (`pg_ctl stop -m fast`: every
connection cut, transactions in flight rolled back) and started again two seconds
later. Then:

- every answer is a confirmation (303 to the private page) or a clear error page (503
  "try again in a moment", with `Retry-After`); never a 500, never a dropped connection;
- the people confirmed are exactly the people stored, and the seat counter equals the
  seats they hold: nothing half-written;
- registrations are confirmed again within 5 s of the server being back.

Needs PostgreSQL (the test database is copied): run with DATABASE_URL=postgres://…,
as `.ci/run` does. About 30 s. docs/testing.md.
"""

import contextlib
import glob
import http.client
import os
import re
import shutil
import subprocess
import sys
import threading
import time
import urllib.parse
from pathlib import Path

import psycopg
import pytest
from django.db import connection

from .pgcluster import Cluster, free_port, wait_for

ROOT = Path(__file__).resolve().parent.parent.parent
BINARIES = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_dump"))
CLIENTS = 8
DOWN_SECONDS = 2.0
BACK_WITHIN = 5.0

pytestmark = [
    pytest.mark.faults,
    pytest.mark.postgres,
    # Declares the test database: run alone, pytest-django would otherwise create none
    # and the copy would be taken from the database DATABASE_URL names.
    pytest.mark.django_db,
    pytest.mark.skipif(not BINARIES, reason="needs PostgreSQL's initdb, pg_ctl and pg_dump"),
]


def copy_test_database(cluster: Cluster) -> None:
    """The migrated test database (schema, site structure) into the cluster."""
    db = connection.settings_dict
    env = {**os.environ, "PGPASSWORD": db.get("PASSWORD") or ""}
    dump = subprocess.Popen(
        [BINARIES[-1], "--no-owner", "--no-privileges", "-h", db["HOST"] or "127.0.0.1",
         "-p", str(db["PORT"] or 5432), "-U", db["USER"] or "postgres", db["NAME"]],
        stdout=subprocess.PIPE, env=env,
    )  # fmt: skip
    psql = Path(BINARIES[-1]).parent / "psql"
    subprocess.run(
        [str(psql), "-q", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1", "-p", str(cluster.port),
         "-U", "postgres", "-d", "postgres"],
        stdin=dump.stdout, check=True, timeout=60, capture_output=True,
    )  # fmt: skip
    assert dump.wait(timeout=60) == 0


class Rush:
    """CLIENTS threads registering distinct people until stopped; every answer kept."""

    def __init__(self, port: int, ceremony: int):
        self.port, self.path = port, f"/fr/r/inscription/{ceremony}/"
        self.answers: list[tuple[float, str, int, str]] = []  # (time, email, status, text)
        self.failures: list[str] = []
        self.stop = threading.Event()
        self.lock = threading.Lock()

    def connect(self) -> http.client.HTTPConnection:
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)

    def session(self) -> tuple[str, str]:
        """The form's CSRF token and cookie (a slow thread may meet the outage: again)."""
        while True:
            http_connection = self.connect()
            http_connection.request("GET", self.path, headers={"Connection": "close"})
            response = http_connection.getresponse()
            html = response.read().decode()
            http_connection.close()
            if response.status == 200:
                break
            assert response.status == 503, html[:300]
            time.sleep(0.2)
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)
        return token, response.getheader("Set-Cookie").split(";")[0]

    def client(self, number: int) -> None:
        token, cookie = self.session()
        n = 0
        while not self.stop.is_set():
            n += 1
            email = f"c{number}-{n}@example.org"
            body = urllib.parse.urlencode(
                {"csrfmiddlewaretoken": token, "given_name": f"Jeanne {number}",
                 "surname": f"Martin {n}", "email": email, "consent": "on", "homepage": ""}
            )  # fmt: skip
            headers = {
                "Content-Type": "application/x-www-form-urlencoded",
                "Cookie": cookie,
                "Connection": "close",  # one request a connection: no keep-alive ambiguity
            }
            http_connection = self.connect()
            try:
                http_connection.request("POST", self.path, body, headers)
                response = http_connection.getresponse()
                text = response.read().decode(errors="replace")
                status, retry = response.status, response.getheader("Retry-After", "")
            except (OSError, http.client.HTTPException) as error:
                with self.lock:
                    self.failures.append(f"{email}: {type(error).__name__}: {error}")
                continue
            finally:
                http_connection.close()
            with self.lock:
                self.answers.append((time.monotonic(), email, status, f"{retry}|{text}"))

    def run(self) -> list[threading.Thread]:
        threads = [threading.Thread(target=self.client, args=(i,)) for i in range(CLIENTS)]
        for thread in threads:
            thread.start()
        return threads


@pytest.fixture
def cluster():
    cluster = Cluster()
    try:
        cluster.init()
        cluster.start()
        yield cluster
    finally:
        with contextlib.suppress(subprocess.CalledProcessError):
            cluster.stop("immediate")
        shutil.rmtree(cluster.folder, ignore_errors=True)


def test_postgres_restart_in_a_registration_rush(django_db_blocker, cluster, tmp_path):
    if connection.vendor != "postgresql":
        pytest.skip("copies the PostgreSQL test database: run with DATABASE_URL=postgres://…")
    with django_db_blocker.unblock():
        copy_test_database(cluster)

    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "liberation.settings.test",  # no collectstatic needed
        "DATABASE_URL": cluster.url,
        "REDIS_URL": "",
        "REGISTRATION_RATE_LIMIT": "0",  # one address sends the whole rush
        "LOG_LEVEL": "WARNING",
    }
    manage = [sys.executable, str(ROOT / "manage.py")]
    # A transactional test (the browser tests) flushes the test database, post_migrate's
    # rows included (permissions, content types). Marked django_db, this test runs
    # before them, but a --reuse-db run may start from such a database: `migrate` on the
    # copy applies nothing and writes them again.
    migrated = subprocess.run(
        [*manage, "migrate", "--no-input"],
        env=env, cwd=ROOT, timeout=120, capture_output=True, text=True,
    )  # fmt: skip
    assert migrated.returncode == 0, migrated.stderr[-3000:]
    made = subprocess.run(
        [*manage, "bench_ceremony", "--capacity", "100000"],
        env=env, cwd=ROOT, timeout=60, capture_output=True, text=True,
    )  # fmt: skip
    assert made.returncode == 0, made.stderr[-3000:]
    ceremony = int(made.stdout.strip().splitlines()[-1])

    port = free_port()
    log = (tmp_path / "server.log").open("wb")
    server = subprocess.Popen(
        [sys.executable, "-m", "granian", "--interface", "wsgi", "liberation.wsgi:application",
         "--host", "127.0.0.1", "--port", str(port), "--workers", "2",
         "--blocking-threads", "2", "--no-ws"],
        env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:

        def answers() -> bool:
            with contextlib.suppress(OSError):
                probe = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
                probe.request("GET", f"/fr/r/inscription/{ceremony}/")
                return probe.getresponse().status == 200
            return False

        wait_for(answers, 30, "the app answers")
        rush = Rush(port, ceremony)
        threads = rush.run()
        time.sleep(1.5)
        cluster.stop("fast")
        down_at = time.monotonic()
        time.sleep(DOWN_SECONDS)
        cluster.start()
        back_at = time.monotonic()
        time.sleep(BACK_WITHIN + 1)
        rush.stop.set()
        for thread in threads:
            thread.join(30)
    finally:
        server.terminate()
        server.wait(10)
        log.close()
    server_log = (tmp_path / "server.log").read_text(errors="replace")

    assert not rush.failures, rush.failures[:5]
    confirmed = {email for _t, email, status, _text in rush.answers if status == 303}
    errors = [(status, text) for _t, _e, status, text in rush.answers if status != 303]
    assert len(confirmed) > 20, "the rush confirmed registrations"
    assert errors, "the outage was felt (else the test proves nothing)"
    for status, text in errors:
        assert status == 503, (status, text[:500])
        retry, page = text.split("|", 1)
        assert retry and ("Réessayez" in page or "réessayer" in page.lower()), page[:500]
    assert "Traceback" not in server_log, server_log[-3000:]

    with psycopg.connect(cluster.url) as db:
        stored = {
            email
            for (email,) in db.execute(
                "SELECT email FROM registrations_registration WHERE ceremony_id = %s "
                "AND status = 'confirmed'",
                [ceremony],
            )
        }
        held, counter = db.execute(
            "SELECT (SELECT coalesce(sum(seats), 0) FROM registrations_registration "
            "WHERE ceremony_id = %s AND status IN ('confirmed', 'offered')), seats_taken "
            "FROM events_registrationsettings WHERE id = %s",
            [ceremony, ceremony],
        ).fetchone()
    assert stored == confirmed, (len(stored - confirmed), len(confirmed - stored))
    assert held == counter == len(confirmed)

    first_after = min(t for t, _e, status, _x in rush.answers if status == 303 and t > back_at)
    print(
        f"rush: {len(rush.answers)} answers, {len(confirmed)} confirmed and stored, "
        f"{len(errors)} answered 503; confirmed again {first_after - back_at:.2f} s after "
        "the server was back"
    )
    assert first_after - back_at < BACK_WITHIN, f"back after {first_after - back_at:.1f} s"
    assert back_at - down_at >= DOWN_SECONDS
