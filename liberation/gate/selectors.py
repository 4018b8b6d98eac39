"""Reads on check-ins: for the gate, and for registrations' staff pages and data export
(registered with registrations in apps.py)."""

from django.db.models import Count, QuerySet, Sum

from liberation.events.models import RegistrationSettings
from liberation.registrations.models import Registration

from .models import CheckIn


def checkin_counts(ceremony: RegistrationSettings) -> tuple[int, int]:
    """(registrations, seats) checked in at the ceremony, in one query."""
    totals = CheckIn.objects.filter(registration__ceremony=ceremony).aggregate(
        registrations=Count("pk"), seats=Sum("registration__seats", default=0)
    )
    return totals["registrations"], totals["seats"]


def checkin_of(registration: Registration) -> CheckIn | None:
    """The registration's entry (read with it when the list was `with_checkins`)."""
    return getattr(registration, "checkin", None)  # RelatedObjectDoesNotExist: None


def with_checkins(queryset: QuerySet[Registration]) -> QuerySet[Registration]:
    return queryset.select_related("checkin")


def checkin_export(registration: Registration) -> dict | None:
    """The check-in in the registrant's data export ("download my data")."""
    checkin = CheckIn.objects.filter(registration=registration).first()
    if checkin is None:
        return None
    return {"scanned_at": checkin.scanned_at.isoformat(), "gate": checkin.gate}
