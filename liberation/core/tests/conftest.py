"""A database lock held by another connection, and short waits for this one: the
stall of issue 10 in a test that lasts seconds (test_database.py, test_worker.py)."""

import contextlib
import threading
import time

import pytest
from django.db import connection, connections

from liberation.core import database


def short_wait_options(options: dict, seconds: int) -> dict:
    """`options` with a lock wait of `seconds` for the test database's vendor."""
    if connection.vendor == "sqlite":
        return {**options, "timeout": seconds}
    flags = f"{options.get('options', '')} -c lock_timeout={seconds}s".strip()
    return {**options, "options": flags}


@pytest.fixture
def short_waits(monkeypatch, settings):
    """short_waits(seconds): this thread's connection reopens waiting at most `seconds`
    for a lock; `as_web_request=True` goes through `use_request_timeouts`, as
    liberation/wsgi.py does. Settings, connection and stall are restored afterwards."""
    original = connection.settings_dict["OPTIONS"]
    monkeypatch.setitem(connection.settings_dict, "OPTIONS", original)

    def apply(seconds: int, *, as_web_request: bool = False) -> None:
        options = short_wait_options(original, seconds)
        if as_web_request:
            settings.DATABASE_REQUEST_OPTIONS = options
            database.use_request_timeouts()
        else:
            connection.settings_dict["OPTIONS"] = options
            connection.close()

    yield apply
    connection.settings_dict["OPTIONS"] = original
    connection.close()
    database.clear_stall()


@contextlib.contextmanager
def write_lock_held(*tables: str):
    """Another connection holds the write lock: on SQLite the whole database
    (`BEGIN EXCLUSIVE`, as a long write or a backup would); on PostgreSQL `tables` in
    EXCLUSIVE mode (writes and row locks wait; plain reads go on, as under SQLite's WAL)."""
    holder = connections.create_connection("default")
    cursor = holder.cursor()
    try:
        if holder.vendor == "sqlite":
            cursor.execute("BEGIN EXCLUSIVE")
        else:
            cursor.execute("BEGIN")
            cursor.execute(f"LOCK TABLE {', '.join(tables)} IN EXCLUSIVE MODE")
        yield
    finally:
        cursor.execute("ROLLBACK")
        cursor.close()
        holder.close()


@contextlib.contextmanager
def write_lock_held_for(seconds: float, *tables: str):
    """`write_lock_held(*tables)` from another thread, released after `seconds`; the
    block starts once the lock is taken and leaves once it is released."""
    taken = threading.Event()

    def hold() -> None:
        with write_lock_held(*tables):
            taken.set()
            time.sleep(seconds)

    thread = threading.Thread(target=hold)
    thread.start()
    assert taken.wait(10), "the lock could not be taken"
    try:
        yield
    finally:
        thread.join()
