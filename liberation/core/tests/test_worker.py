"""The task worker waits out a database stall instead of exiting (issue 10, item 1):
`manage.py db_worker` is liberation/core/management/commands/db_worker.py.

The lock is held longer than the worker's wait (shortened to 1 s here), as in the
reproduction where a 25 s lock outlasted the 20 s busy timeout."""

import logging
import time

import pytest
from django.core.management import get_commands
from django.db import OperationalError
from django_tasks_db.management.commands import db_worker as library
from django_tasks_db.models import DBTaskResult

from liberation.core.management.commands import db_worker

from .conftest import write_lock_held_for

WORKER = {
    "queue_names": ["default"],
    "interval": 0,
    "batch": True,  # returns once it finds the queue empty
    "backend_name": "default",
    "startup_delay": False,
    "max_tasks": None,
    "worker_id": "test-worker",
    "excluded_queue_names": [],
}
QUEUE = DBTaskResult._meta.db_table


def test_db_worker_is_the_patient_one():
    assert get_commands()["db_worker"] == "liberation.core"
    assert issubclass(db_worker.PatientWorker, library.Worker)


def test_retry_delay_doubles_up_to_a_cap():
    assert [db_worker.retry_delay(n) for n in range(1, 7)] == [1, 2, 4, 8, 10, 10]


@pytest.mark.django_db(transaction=True)
def test_control_the_library_worker_exits_on_a_lock_longer_than_its_wait(short_waits):
    short_waits(1)
    with write_lock_held_for(2.5, QUEUE), pytest.raises(OperationalError):
        library.Worker(**WORKER).run()


@pytest.mark.django_db(transaction=True)
def test_the_worker_waits_out_the_lock_then_goes_on(short_waits, monkeypatch, caplog):
    short_waits(1)
    monkeypatch.setattr(db_worker, "FIRST_DELAY", 0.5)
    with (
        caplog.at_level(logging.WARNING, logger="liberation.worker"),
        write_lock_held_for(2.5, QUEUE),
    ):
        started = time.monotonic()
        db_worker.PatientWorker(**WORKER).run()  # returns: its batch is done
    assert time.monotonic() - started >= 1  # it did meet the lock
    messages = [record.getMessage() for record in caplog.records]
    assert messages[0].startswith("Task worker: database error (")
    assert "next try in" in messages[0]
    assert messages[-1].startswith("Task worker: the database answers again after")
    assert all(record.exc_info is None for record in caplog.records)  # lines, no traceback
