"""The delivery task, and the "kick" that asks for it without flooding the queue."""

from datetime import timedelta

from django.core.cache import cache
from django.utils import timezone
from django_tasks import task

from .delivery import outbox_deliver

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
    (per cache), which sends everything committed meanwhile."""
    if not deliver_outbox.get_backend().supports_defer:  # the immediate backend of tests
        deliver_outbox.enqueue()
        return
    if cache.add(KICK_KEY, 1, timeout=KICK_WINDOW_SECONDS):
        run_after = timezone.now() + timedelta(seconds=KICK_WINDOW_SECONDS)
        deliver_outbox.using(run_after=run_after).enqueue()
