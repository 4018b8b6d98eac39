"""`make run`'s process layout (liberation/run.py): the web server command and the clock."""

import pytest

from liberation import run


def test_web_server_is_granian_two_threads_per_worker(monkeypatch):
    monkeypatch.delenv("ACCESS_LOG", raising=False)
    command = run.web_server_command("127.0.0.1", "8123", "3")
    assert command[1:4] == ["-m", "granian", "--interface"]
    assert "liberation.wsgi:application" in command
    pairs = dict(zip(command, command[1:], strict=False))
    assert pairs["--port"] == "8123" and pairs["--workers"] == "3"
    assert pairs["--blocking-threads"] == "2"  # see web_server_command
    assert "--access-log" not in command
    monkeypatch.setenv("ACCESS_LOG", "1")
    assert "--access-log" in run.web_server_command("127.0.0.1", "8123", "3")


def test_clock_runs_every_command_in_process_and_survives_a_failure(monkeypatch, capsys):
    called = []

    def fake_call_command(name, *args, **kwargs):
        called.append(name)
        if name == "publish_scheduled":
            raise RuntimeError("database unavailable")

    monkeypatch.setattr("django.core.management.call_command", fake_call_command)
    # No database here: a connection left open by an earlier test must not be touched
    # (pytest-django refuses it, and the test then failed depending on the order).
    monkeypatch.setattr("django.db.close_old_connections", lambda: None)
    run.clock_tick()
    assert called == ["publish_scheduled", "registrations_tick", "newsletter_tick"]
    assert "database unavailable" in capsys.readouterr().err


class FakeProcess:
    """Stands for subprocess.Popen: `stop(code)` makes it exit."""

    started: list["FakeProcess"] = []

    def __init__(self, command, cwd=None):
        self.command, self.returncode = command, None
        self.pid = 1000 + len(FakeProcess.started)
        FakeProcess.started.append(self)

    def poll(self):
        return self.returncode

    def stop(self, code=1):
        self.returncode = code

    def terminate(self):
        self.stop(-15)


@pytest.fixture
def child(monkeypatch):
    FakeProcess.started = []
    monkeypatch.setattr(run.subprocess, "Popen", FakeProcess)
    child = run.Child("task worker", ["db_worker"])
    child.start(0.0)
    return child


def stop_and_restart(child, now: float) -> float:
    """Stop the running process at `now`; the pause before its restart."""
    child.process.stop()
    child.watch(now)
    pause = child.restart_at - now
    child.watch(child.restart_at - 0.01)
    assert child.restart_at is not None  # not before its time
    child.watch(child.restart_at)
    assert child.restart_at is None and child.process.poll() is None
    return pause


def test_a_stopped_child_is_started_again_after_a_growing_pause(child, capsys):
    now, pauses = 0.0, []
    for _ in range(7):
        now += 5  # each run lasts 5 s: it keeps failing
        pauses.append(stop_and_restart(child, now))
        now += pauses[-1]
    assert pauses == [1, 2, 4, 8, 16, 30, 30]
    assert len(FakeProcess.started) == 8
    err = capsys.readouterr().err
    assert "task worker stopped (exit code 1) after 5 s; starting it again in 1 s." in err
    assert "task worker started (pid 1007)." in err


def test_a_child_that_ran_a_while_starts_again_from_the_first_pause(child):
    assert [stop_and_restart(child, t) for t in (5.0, 10.0, 15.0)] == [1, 2, 4]
    # Started again at 19 s, runs for a minute: a new failure, not the same one.
    assert stop_and_restart(child, 19 + run.STABLE_AFTER) == 1


def test_restarts_are_capped_per_window(child, monkeypatch):
    monkeypatch.setattr(run, "RESTART_MAX_DELAY", 1.0)  # the cap alone is at work
    now, pauses = 0.0, []
    for _ in range(run.RESTART_LIMIT + 1):
        now += 1
        pauses.append(stop_and_restart(child, now))
        now += pauses[-1]
    assert pauses[:-1] == [1] * run.RESTART_LIMIT
    first_restart = 2.0
    assert pauses[-1] == pytest.approx(first_restart + run.RESTART_WINDOW - (now - pauses[-1]))


def test_terminate_leaves_a_stopped_child_alone(child):
    child.process.stop(0)
    child.terminate()
    assert child.process.returncode == 0


def test_clock_audits_the_seat_counters_every_five_minutes(monkeypatch):
    called = []
    monkeypatch.setattr(
        "django.core.management.call_command", lambda name, *a, **kw: called.append(name)
    )
    monkeypatch.setattr("django.db.close_old_connections", lambda: None)
    for minute in range(1, 11):
        run.clock_tick(minute)
    assert called.count("check_seats") == 2
    assert called.count("registrations_tick") == 10
