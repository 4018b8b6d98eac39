"""The API other apps call: written in the caller's transaction, the worker asked once
it commits, a renderer per source, retry and erasure."""

import logging

import psycopg
import pytest
from django.core import mail as django_mail
from django.core.exceptions import ImproperlyConfigured
from django.db import OperationalError, ProgrammingError, transaction

from liberation.mail import registry, services, tasks
from liberation.mail.delivery import outbox_deliver
from liberation.mail.models import MAX_ATTEMPTS, OutboxMessage
from liberation.mail.selectors import outbox_failed, outbox_messages
from liberation.mail.tests.conftest import DeferringTask

from .conftest import SOURCE


def test_written_in_the_callers_transaction(write):
    with pytest.raises(RuntimeError), transaction.atomic():
        write(1)
        assert OutboxMessage.objects.count() == 1
        raise RuntimeError("the change fails")
    assert OutboxMessage.objects.count() == 0
    message = write(2, kind="reminder")
    stored = OutboxMessage.objects.get()
    assert stored == message
    assert (stored.source, stored.object_id, stored.kind, stored.language) == (
        SOURCE,
        2,
        "reminder",
        "fr",
    )
    assert (stored.to, stored.subject, stored.body, stored.headers) == (
        "p2@example.org",
        "Note 2",
        "",
        {},
    )


def test_the_worker_is_asked_once_the_transaction_commits(
    write, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        write(1)
        assert django_mail.outbox == []  # nothing before the commit
    assert len(callbacks) == 1
    # The tests' immediate task backend delivered it at the commit.
    assert [m.to for m in django_mail.outbox] == [["p1@example.org"]]
    assert OutboxMessage.objects.get().sent_at is not None


def test_a_second_renderer_for_a_source_is_refused(notes):
    renderer = registry.renderer_for(SOURCE)
    registry.register_renderer(SOURCE, renderer)  # the same one again: idempotent
    with pytest.raises(ImproperlyConfigured):
        registry.register_renderer(SOURCE, lambda message: "other")


def test_messages_of_an_object(write):
    first = write(1)
    second = write(1, kind="reminder")
    write(2)
    assert list(outbox_messages(source=SOURCE, object_id=1)) == [first, second]
    assert list(outbox_messages(source=SOURCE, kind="reminder")) == [second]
    assert list(outbox_messages(source="other", object_id=1)) == []


def test_erasure_blanks_the_messages_and_never_delivers_them(write):
    sent = write(1, headers={"List-Unsubscribe": "<https://example.org/u/secret>"})
    outbox_deliver()
    unsent = write(1, kind="reminder", body="Stored text")
    other = write(2)
    assert services.outbox_erase(source=SOURCE, object_ids=[1]) == 2
    sent.refresh_from_db()
    unsent.refresh_from_db()
    for message in (sent, unsent):
        assert (message.to, message.body, message.headers) == ("", "", {})
    assert sent.last_error == "" and sent.sent_at is not None
    assert unsent.attempts == MAX_ATTEMPTS and "erased" in unsent.last_error
    assert list(outbox_failed()) == [unsent]
    # Staff cannot send it again: it has no recipient left.
    assert not services.outbox_retry(message=unsent)
    django_mail.outbox.clear()
    assert outbox_deliver() == 1  # the other object's message only
    assert [m.to for m in django_mail.outbox] == [[other.to]]


def test_delete_the_messages_of_deleted_objects(write):
    write(1)
    write(1, kind="reminder")
    kept = write(2)
    assert services.outbox_delete(source=SOURCE, object_ids=[1]) == 2
    assert list(OutboxMessage.objects.all()) == [kept]


def test_the_kick_asks_the_worker_once_per_window(monkeypatch):
    """With a queue that can defer, many messages in a burst make one task, not one
    each."""
    from django.core.cache import cache

    task = DeferringTask()
    monkeypatch.setattr(tasks, "deliver_outbox", task)
    cache.delete(tasks.KICK_KEY)
    for _i in range(5):
        tasks.kick_delivery()
    assert len(task.enqueued) == 1
    cache.delete(tasks.KICK_KEY)


def _connection_lost() -> OperationalError:
    """What Django raises when PostgreSQL went away (a restart): psycopg's error as
    the cause, without SQLSTATE."""
    error = OperationalError("the connection is closed")
    error.__cause__ = psycopg.OperationalError("the connection is closed")
    return error


def test_the_kick_outlives_the_database_going_away_after_the_commit(monkeypatch, caplog):
    """The message is committed; the database stops before the kick (a restart in the
    middle of a rush): one warning, no traceback, no error for the caller (whose change
    is stored). The immediate backend delivers in the kick itself."""

    def stopped(**kwargs):
        raise _connection_lost()

    monkeypatch.setattr(tasks, "outbox_deliver", stopped)
    with caplog.at_level(logging.WARNING):
        tasks.kick_delivery()
    assert [r.levelname for r in caplog.records] == ["WARNING"]
    assert "the connection is closed" in caplog.records[0].getMessage()
    assert not any(record.exc_info for record in caplog.records)


def test_the_deferred_kick_outlives_the_database_going_away(monkeypatch, caplog):
    """Same with a real queue: its INSERT fails, the clock delivers later."""
    from django.core.cache import cache

    class Deferring:
        supports_defer = True

    class Task:
        def get_backend(self):
            return Deferring()

        def using(self, run_after):
            return self

        def enqueue(self):
            raise _connection_lost()

    monkeypatch.setattr(tasks, "deliver_outbox", Task())
    cache.delete(tasks.KICK_KEY)
    with caplog.at_level(logging.WARNING):
        tasks.kick_delivery()
    assert [r.levelname for r in caplog.records] == ["WARNING"]
    assert not any(record.exc_info for record in caplog.records)
    cache.delete(tasks.KICK_KEY)


def test_the_kick_still_raises_other_database_errors(monkeypatch):
    """Only an unavailable database is expected: a bug (bad SQL) stays loud."""

    def broken(**kwargs):
        raise ProgrammingError("relation does not exist")

    monkeypatch.setattr(tasks, "outbox_deliver", broken)
    with pytest.raises(ProgrammingError):
        tasks.kick_delivery()


class CountingCache:
    """The cache seen by tasks.kick_delivery, counting its round trips."""

    def __init__(self, real):
        self.real, self.calls = real, []

    def add(self, key, value, timeout):
        self.calls.append("add")
        return self.real.add(key, value, timeout=timeout)

    def get(self, key):
        self.calls.append("get")
        return self.real.get(key)


@pytest.fixture
def kick(monkeypatch):
    """(task, cache, clock, forget): kick_delivery on a deferring queue, its cache calls
    counted, time.time() and time.monotonic() as the test sets them; forget() is another
    process (or this one restarted): it has no coverage of its own."""
    from django.core.cache import cache

    from liberation.core import process_cache

    task, counting = DeferringTask(), CountingCache(cache)
    monkeypatch.setattr(tasks, "deliver_outbox", task)
    monkeypatch.setattr(tasks, "cache", counting)
    clock = [1_800_000_000.0]
    monkeypatch.setattr(tasks.time, "time", lambda: clock[0])
    monkeypatch.setattr(process_cache.time, "monotonic", lambda: clock[0])
    cache.delete(tasks.KICK_KEY)
    yield task, counting, clock, tasks._covered.clear
    cache.delete(tasks.KICK_KEY)


def test_a_burst_costs_one_cache_round_trip_per_process(kick):
    """The process that enqueued the task knows when it runs: the rest of the burst asks
    the cache nothing (it asked once per message before)."""
    task, cache, clock, _forget = kick
    for _i in range(50):
        tasks.kick_delivery()
        clock[0] += 0.01
    assert len(task.enqueued) == 1 and cache.calls == ["add"]
    assert task.enqueued[0].timestamp() == 1_800_000_000.0 + tasks.KICK_WINDOW_SECONDS


def test_another_process_reads_when_the_pending_task_runs(kick):
    task, cache, clock, forget = kick
    tasks.kick_delivery()  # process A enqueues
    forget()  # process B
    clock[0] += 0.5
    for _i in range(20):
        tasks.kick_delivery()
    assert len(task.enqueued) == 1
    assert cache.calls == ["add", "add", "get"]  # B: refused, then reads the time once


def test_no_message_is_committed_after_the_task_that_covers_it_has_run(kick):
    """The coverage ends KICK_MARGIN_SECONDS before the task's run_after: a message
    committed later asks again and gets a task of its own."""
    task, cache, clock, forget = kick
    tasks.kick_delivery()
    run_after = task.enqueued[0].timestamp()
    clock[0] = run_after - tasks.KICK_MARGIN_SECONDS - 0.001
    tasks.kick_delivery()
    assert len(task.enqueued) == 1 and cache.calls == ["add"]  # still covered
    clock[0] = run_after - tasks.KICK_MARGIN_SECONDS
    tasks.kick_delivery()  # no longer covered: asks (the key, 2 s, is still there)
    assert cache.calls == ["add", "add", "get"] and len(task.enqueued) == 1
    clock[0] = run_after + 0.001  # the task ran; the key has expired in the cache
    from django.core.cache import cache as real

    real.delete(tasks.KICK_KEY)
    tasks.kick_delivery()
    assert len(task.enqueued) == 2 and task.enqueued[1].timestamp() > run_after


def test_a_key_without_a_time_gives_no_coverage(kick):
    """A key written by the previous version (1): nothing enqueued, as before, and the
    next message asks again."""
    from django.core.cache import cache as real

    task, cache, _clock, _forget = kick
    real.set(tasks.KICK_KEY, 1, 60)
    tasks.kick_delivery()
    tasks.kick_delivery()
    assert task.enqueued == [] and cache.calls == ["add", "get", "add", "get"]
