"""`make run`'s process layout (liberation/run.py): the web server command and the clock."""

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
    # No database here (an earlier test may have left its connection open).
    monkeypatch.setattr("django.db.close_old_connections", lambda: None)
    run.clock_tick()
    assert called == ["publish_scheduled", "registrations_tick"]
    assert "database unavailable" in capsys.readouterr().err


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
