"""The delivery task, and the "kick" that asks for it without flooding the queue."""

import logging
from datetime import timedelta

from django.core.cache import cache
from django.db import DatabaseError
from django.utils import timezone
from django_tasks import task

from liberation.core.database import first_line, is_database_busy

from .delivery import outbox_deliver

logger = logging.getLogger(__name__)

# Many messages a second (a registration rush) each ask for a delivery; one deferred
# task per window picks them all up instead of one task row per email.
KICK_WINDOW_SECONDS = 2
KICK_KEY = "liberation:mail:outbox-kick"


@task()
def deliver_outbox(limit: int = 200) -> int:
    """Send the due messages; returns how many went out."""
    return outbox_deliver(limit=limit)


def kick_delivery() -> None:
    """Ask the worker to deliver soon: at most one deferred task per KICK_WINDOW_SECONDS
    (per cache), which sends everything committed meanwhile.

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
        if cache.add(KICK_KEY, 1, timeout=KICK_WINDOW_SECONDS):
            run_after = timezone.now() + timedelta(seconds=KICK_WINDOW_SECONDS)
            deliver_outbox.using(run_after=run_after).enqueue()
    except DatabaseError as error:
        if not is_database_busy(error):
            raise
        logger.warning(
            "Email delivery not requested, the database is unavailable (%s): "
            "the clock delivers the outbox within a minute.",
            first_line(error),
        )
