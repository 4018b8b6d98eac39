"""The delivery task, and the "kick" that asks for it without flooding the queue."""

import datetime as dt
import logging
import time

from django.core.cache import cache
from django.db import DatabaseError
from django_tasks import task

from liberation.core.database import first_line, is_database_busy
from liberation.core.process_cache import ProcessCache

from .delivery import outbox_deliver

logger = logging.getLogger(__name__)

# Many messages a second (a registration rush) each ask for a delivery; one deferred
# task per window picks them all up instead of one task row per email.
KICK_WINDOW_SECONDS = 2
KICK_KEY = "liberation:mail:outbox-kick"
# A process that knows when the pending task will run (it enqueued it, or read its time
# under KICK_KEY) asks nothing more until this long before then: the task runs after
# every message this process commits meanwhile. The margin covers the clocks of the
# web process and of the worker, which compares run_after with its own.
KICK_MARGIN_SECONDS = 0.5
_covered = ProcessCache(max_entries=1)  # KICK_KEY while a pending task covers this process


@task()
def deliver_outbox(limit: int = 200) -> int:
    """Send the due messages; returns how many went out."""
    return outbox_deliver(limit=limit)


def kick_delivery() -> None:
    """Ask the worker to deliver soon: at most one deferred task per KICK_WINDOW_SECONDS
    (per cache), which sends everything committed meanwhile. The cache holds the time
    the task will run; a process that knows it asks nothing until shortly before then
    (one or two cache round trips per process and window, not one per message).

    Runs once the change that wrote the message has committed (`delivery_requested`):
    the message is stored whatever happens here. If the database went away in between
    (a restart in the middle of a registration rush), the kick is skipped with one log
    line: the clock delivers the outbox within a minute. Without this, the queue's
    INSERT (or, with the immediate backend, the delivery itself) failed with a
    traceback logged at ERROR for an outage the rest of the site answers with a 503
    (tests/faults/test_postgres_restart_rush.py)."""
    try:
        if not deliver_outbox.get_backend().supports_defer:
            # The immediate backend (tests, a queue-less setup): deliver now, in this
            # process; called directly, so that a database error reaches the handler
            # below instead of the backend's own traceback.
            deliver_outbox.call()
            return
        if _covered.get(KICK_KEY):
            return  # the pending task runs after this message's commit: no round trip
        now = time.time()
        run_after = now + KICK_WINDOW_SECONDS
        if cache.add(KICK_KEY, run_after, timeout=KICK_WINDOW_SECONDS):
            when = dt.datetime.fromtimestamp(run_after, tz=dt.UTC)
            deliver_outbox.using(run_after=when).enqueue()
        else:
            run_after = cache.get(KICK_KEY)  # another process's task: when it runs
            if not isinstance(run_after, float):
                return  # gone meanwhile, or written by an older version: ask next time
        _covered.set(KICK_KEY, True, run_after - KICK_MARGIN_SECONDS - now)
    except DatabaseError as error:
        if not is_database_busy(error):
            raise
        logger.warning(
            "Email delivery not requested, the database is unavailable (%s): "
            "the clock delivers the outbox within a minute.",
            first_line(error),
        )
