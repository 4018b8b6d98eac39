"""The seat counters' audit: each ceremony's `seats_taken` against the seats of the
registrations that hold seats (confirmed, offered).

A mismatch is reported (with the ceremony and both figures) and logged, never repaired
silently: `seats_repair` recomputes one counter under the ceremony lock, on staff's
request (`manage.py check_seats --repair`), and logs what it changed. Run by the clock
of `make run` every few minutes; shown to staff on the ceremony's admin page.
"""

import logging
from dataclasses import dataclass

from django.db import transaction
from django.db.models import F, Q, Sum

from liberation.events.models import RegistrationSettings

from .models import Registration

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class SeatMismatch:
    ceremony_id: int
    name: str
    capacity: int
    counter: int  # seats_taken as stored
    held: int  # seats of the registrations that hold seats

    def __str__(self) -> str:
        return (
            f'ceremony {self.ceremony_id} "{self.name}": counter {self.counter}, '
            f"seats held {self.held} (capacity {self.capacity})"
        )


def _with_seats_held(queryset):
    held = Sum(
        "registrations__seats",
        filter=Q(registrations__status__in=Registration.HOLDING),
        default=0,
    )
    return queryset.annotate(held=held)


def seat_mismatches(*, ceremony_id: int | None = None) -> list[SeatMismatch]:
    """Every ceremony (or one) whose counter disagrees with the seats held, read in one
    statement (one snapshot: a registration committing meanwhile is seen by both
    figures or by neither)."""
    rows = _with_seats_held(RegistrationSettings.objects.all())
    if ceremony_id is not None:
        rows = rows.filter(pk=ceremony_id)
    rows = rows.exclude(seats_taken=F("held")).order_by("pk")
    return [
        SeatMismatch(ceremony_id=pk, name=name, capacity=capacity, counter=counter, held=held)
        for pk, name, capacity, counter, held in rows.values_list(
            "pk", "name", "capacity", "seats_taken", "held"
        )
    ]


def seat_mismatches_report() -> list[SeatMismatch]:
    """`seat_mismatches()`, each one logged as an error."""
    mismatches = seat_mismatches()
    for mismatch in mismatches:
        logger.error("Seat counter disagrees with the registrations: %s", mismatch)
    return mismatches


class RepairRefused(Exception):
    """More seats are held than the capacity: no counter value is both true and
    allowed (the check constraint). Staff must raise the capacity or cancel first."""


def seats_repair(*, ceremony_id: int) -> SeatMismatch | None:
    """Set the counter to the seats held, recomputed under the ceremony lock; returns
    what was wrong (None when nothing was). Logged. Raises RepairRefused."""
    with transaction.atomic():
        list(RegistrationSettings.objects.select_for_update().filter(pk=ceremony_id).values("pk"))
        [mismatch] = seat_mismatches(ceremony_id=ceremony_id) or [None]
        if mismatch is None:
            return None
        if mismatch.held > mismatch.capacity:
            logger.error("Seat counter not repaired, oversold: %s", mismatch)
            raise RepairRefused(str(mismatch))
        RegistrationSettings.objects.filter(pk=ceremony_id).update(seats_taken=mismatch.held)
    logger.warning(
        "Seat counter repaired: %s; counter set from %s to %s",
        mismatch,
        mismatch.counter,
        mismatch.held,
    )
    return mismatch
