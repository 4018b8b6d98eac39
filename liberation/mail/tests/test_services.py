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
