"""Scheduled work on registrations, run every minute by `manage.py registrations_tick`
(the clock of `make run`): expire waiting-list offers, queue reminders, erase personal
data past its retention, report stuck emails, deliver the outbox.

Every step is idempotent and safe to run twice at the same time: each one re-reads its
rows under a lock on the ceremony (or claims them one by one, for the outbox), so a
second run finds nothing left to do.
"""

import logging
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone
from django_tasks import task

from liberation.events.models import CeremonyPage, RegistrationSettings
from liberation.mail.delivery import outbox_deliver, outbox_report_in_doubt

from . import emails, privacy, services
from .models import Registration

logger = logging.getLogger(__name__)

# The reminder goes to ceremonies starting between 24 and 48 hours from now: at least a
# full day's notice, and nobody registering on the last day gets a reminder minutes
# after their confirmation (which carries the same information).
REMINDER_FROM = timedelta(hours=24)
REMINDER_UNTIL = timedelta(hours=48)


def reminders_send(*, now: datetime) -> int:
    """Queue one reminder per confirmed registration of the ceremonies starting in 24 to
    48 hours; never two (a reminder already in the outbox, sent or not, counts)."""
    ceremony_ids = set(
        CeremonyPage.objects.live()
        .filter(
            registration__isnull=False,
            starts_at__gte=now + REMINDER_FROM,
            starts_at__lt=now + REMINDER_UNTIL,
        )
        .values_list("registration_id", flat=True)
    )
    queued = 0
    for ceremony_id in sorted(ceremony_ids):
        with transaction.atomic():
            # Serialises two ticks on the same ceremony: the second one waits, then sees
            # the first one's reminders and queues nothing.
            RegistrationSettings.objects.select_for_update().get(pk=ceremony_id)
            confirmed = Registration.objects.select_related("ceremony").filter(
                ceremony_id=ceremony_id,
                status=Registration.Status.CONFIRMED,
                erased_at__isnull=True,
                badge_revoked_at__isnull=True,
            )
            due = emails.without_message(confirmed, kind=emails.Kind.REMINDER)
            for registration in due:
                emails.queue(registration=registration, kind=emails.Kind.REMINDER)
                queued += 1
    return queued


STEPS = (
    ("offers_expired", lambda now: services.offers_expire(now=now)),
    ("reminders_queued", lambda now: reminders_send(now=now)),
    ("registrations_erased", lambda now: privacy.erase_expired_personal_data(now=now)),
    ("emails_in_doubt", lambda now: outbox_report_in_doubt(now=now)),
    # Last, so that the offers and reminders just queued go out in this same run.
    ("emails_sent", lambda now: outbox_deliver()),
)


def registrations_tick(*, now: datetime | None = None) -> dict[str, int]:
    """Run every step; a failing step is logged and does not stop the others."""
    now = now or timezone.now()
    report: dict[str, int] = {}
    for name, step in STEPS:
        try:
            report[name] = step(now)
        except Exception:
            logger.exception("registrations tick: %s failed", name)
            report[name] = -1
    return report


@task()
def registrations_tick_task() -> dict[str, int]:
    """The same tick, for deployments that schedule tasks rather than commands."""
    return registrations_tick()
