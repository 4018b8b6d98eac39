"""The task worker outlives a PostgreSQL restart (issue 10, item 1), on a throwaway
cluster: Debian's initdb and pg_ctl in a temporary folder, on a free loopback port,
never the shared server. As root, the cluster runs as the `postgres` user (initdb
refuses root).

The library's worker runs beside ours as the control: it exits when the server goes
away; ours logs, waits, and polls again once the server is back.
"""

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from .pgcluster import BINARIES, Cluster, wait_for

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.skipif(not BINARIES, reason="needs PostgreSQL's initdb and pg_ctl")

LIBRARY_WORKER = (
    "import django; django.setup()\n"
    "from django.core.management import call_command\n"
    "from django_tasks_db.management.commands.db_worker import Command\n"
    "call_command(Command(), '--no-startup-delay', '--interval', '0.2')\n"
)


@pytest.fixture
def cluster():
    cluster = Cluster()
    try:
        cluster.init()
        cluster.start()
        yield cluster
    finally:
        with contextlib.suppress(subprocess.CalledProcessError):  # already stopped
            cluster.stop("immediate")
        shutil.rmtree(cluster.folder, ignore_errors=True)


def test_the_worker_outlives_a_postgresql_restart(cluster, tmp_path):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "liberation.settings.production",
        "SECRET_KEY": "restart-test-secret-not-for-production-0123456789",
        "DATABASE_URL": cluster.url,
        "REDIS_URL": "",
        "LOG_LEVEL": "WARNING",
    }
    manage = [sys.executable, str(ROOT / "manage.py")]
    migrate = [*manage, "migrate", "django_tasks_database", "-v", "0"]
    subprocess.run(migrate, env=env, cwd=ROOT, check=True, timeout=120)

    logs = {name: tmp_path / f"{name}.log" for name in ("ours", "library")}
    commands = {
        "ours": [*manage, "db_worker", "--no-startup-delay", "--interval", "0.2"],
        "library": [sys.executable, "-c", LIBRARY_WORKER],
    }
    workers = {}
    for name, command in commands.items():
        with logs[name].open("wb") as log:
            workers[name] = subprocess.Popen(
                command, env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT
            )

    def log(name: str) -> str:
        return logs[name].read_text(errors="replace")

    try:
        for name in workers:
            wait_for(lambda name=name: "Starting worker" in log(name), 30, f"{name} starts")
        time.sleep(1)  # a few polls each

        cluster.stop()
        wait_for(lambda: "Task worker: database error" in log("ours"), 15, "ours fails once")
        wait_for(lambda: workers["library"].poll() is not None, 15, "the library's exits")
        assert workers["library"].returncode != 0  # the control: the bug is real
        assert "OperationalError" in log("library")
        time.sleep(1)
        cluster.start()

        wait_for(lambda: "database answers again" in log("ours"), 20, "ours polls again")
        assert workers["ours"].poll() is None, log("ours")
        assert "Traceback" not in log("ours")
    finally:
        for worker in workers.values():
            if worker.poll() is None:
                worker.send_signal(signal.SIGTERM)
                try:
                    worker.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    worker.kill()
                    worker.wait()
    assert workers["ours"].returncode == 0  # SIGTERM: a clean stop
