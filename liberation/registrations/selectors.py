"""Reads on registrations: the lists and counts that the public views, the staff pages,
privacy and the gate need (HackSoft's selectors: plain functions, keyword-only
arguments, no writes).

The hot path of a registering POST keeps its own hand-tuned reads (`views.settings_row`,
`services`); everything else reads here.
"""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, Q, QuerySet, Sum

from liberation.events.models import CeremonyPage, RegistrationSettings

from . import extensions
from .models import AuditLog, CeremonyAccess, DrawLog, Registration

Status = Registration.Status
Screening = Registration.Screening


# --- Ceremonies ---------------------------------------------------------------------


def ceremony_ends_at(*, ceremony: RegistrationSettings) -> datetime:
    """When the ceremony ended: the latest end (or start) over its pages in every
    language, live or not. Without any page, the registration's closing time: the only
    date left, and the one that errs towards erasing sooner."""
    ends = [
        end or start
        for start, end in CeremonyPage.objects.filter(registration=ceremony).values_list(
            "starts_at", "ends_at"
        )
    ]
    return max(ends) if ends else ceremony.closes_at


# --- Staff access, per ceremony ------------------------------------------------------

Right = CeremonyAccess.Right
ALL_CEREMONIES = "registrations.all_ceremonies"


def staff_ceremonies(*, user, right: str | None = None) -> QuerySet[RegistrationSettings]:
    """The ceremonies on which `user` holds `right` (None: any right at all).

    Superusers and holders of `registrations.all_ceremonies` (national staff) reach every
    ceremony; anyone else only those granted to them (CeremonyAccess). Model
    permissions say what kind of thing a user may do; this says on which ceremonies.
    """
    ceremonies = RegistrationSettings.objects.all()
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return ceremonies.none()
    if user.is_superuser or user.has_perm(ALL_CEREMONIES):
        return ceremonies
    grants = CeremonyAccess.objects.filter(user=user)
    if right is not None:
        grants = grants.filter(**{Right(right).value: True})
    return ceremonies.filter(pk__in=grants.values("ceremony_id"))


def staff_may(*, user, ceremony: RegistrationSettings | int, right: str | None = None) -> bool:
    """Whether `user` holds `right` (None: any) on this ceremony."""
    pk = ceremony if isinstance(ceremony, int) else ceremony.pk
    return staff_ceremonies(user=user, right=right).filter(pk=pk).exists()


def staff_rights(*, user, ceremony: RegistrationSettings) -> frozenset[str]:
    """Every right `user` holds on this ceremony (which buttons a staff page shows)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return frozenset()
    if user.is_superuser or user.has_perm(ALL_CEREMONIES):
        return frozenset(Right.values)
    grant = CeremonyAccess.objects.filter(user=user, ceremony=ceremony).first()
    if grant is None:
        return frozenset()
    return frozenset(r for r in Right.values if getattr(grant, r))


def ceremonies_with_personal_data() -> QuerySet[RegistrationSettings]:
    """The ceremonies that still hold a registration whose personal data is not erased."""
    return RegistrationSettings.objects.filter(registrations__erased_at__isnull=True).distinct()


def ceremony_draw(*, ceremony: RegistrationSettings) -> DrawLog | None:
    return DrawLog.objects.filter(ceremony=ceremony).first()


def ceremony_audit_latest(*, ceremony: RegistrationSettings, limit: int = 20) -> QuerySet[AuditLog]:
    return AuditLog.objects.filter(ceremony=ceremony)[:limit]


@dataclass(frozen=True)
class CeremonyCounts:
    capacity: int
    seats_taken: int  # confirmed and offered seats: what capacity is checked against
    confirmed: int
    confirmed_seats: int
    offered: int
    waitlisted: int
    waitlisted_seats: int
    applied: int
    applied_seats: int
    cancelled: int  # by the registrant or staff, or an offer that expired
    refused: int
    screening_pending: int
    checked_in: int
    checked_in_seats: int

    @property
    def seats_left(self) -> int:
        return max(0, self.capacity - self.seats_taken)


def ceremony_counts(*, ceremony: RegistrationSettings) -> CeremonyCounts:
    """The registrations of a ceremony counted per state, in one query."""

    def count(condition: Q) -> Count:
        return Count("pk", filter=condition)

    def seats(condition: Q) -> Sum:
        return Sum("seats", filter=condition, default=0)

    by_status = {status: Q(status=status) for status in Status.values}
    totals = Registration.objects.filter(ceremony=ceremony).aggregate(
        confirmed=count(by_status[Status.CONFIRMED]),
        confirmed_seats=seats(by_status[Status.CONFIRMED]),
        offered=count(by_status[Status.OFFERED]),
        waitlisted=count(by_status[Status.WAITLISTED]),
        waitlisted_seats=seats(by_status[Status.WAITLISTED]),
        applied=count(by_status[Status.APPLIED]),
        applied_seats=seats(by_status[Status.APPLIED]),
        cancelled=count(Q(status__in=[Status.CANCELLED, Status.EXPIRED])),
        refused=count(by_status[Status.REFUSED]),
        screening_pending=count(Q(screening=Screening.PENDING, status__in=Registration.ACTIVE)),
    )
    checked_in, checked_in_seats = extensions.checkin_counts(ceremony=ceremony)  # the gate's
    ceremony.refresh_from_db(fields=["seats_taken", "capacity"])
    return CeremonyCounts(
        capacity=ceremony.capacity,
        seats_taken=ceremony.seats_taken,
        **totals,
        checked_in=checked_in,
        checked_in_seats=checked_in_seats,
    )


# --- Registrations ------------------------------------------------------------------


def registrations_by_status(
    *, ceremony: RegistrationSettings, statuses: tuple[str, ...] | list[str]
) -> QuerySet[Registration]:
    """The registrations of a ceremony in these states, in their order of arrival."""
    return Registration.objects.filter(ceremony=ceremony, status__in=statuses)


def confirmed_recipients(*, ceremony: RegistrationSettings) -> QuerySet[Registration]:
    """Who a staff message reaches: the confirmed registrants whose data is not erased."""
    return (
        registrations_by_status(ceremony=ceremony, statuses=[Status.CONFIRMED])
        .filter(erased_at__isnull=True)
        .select_related("ceremony")
    )


def registration_by_reference(
    *, ceremony: RegistrationSettings, reference: str
) -> Registration | None:
    """The registration of this ceremony with this reference, with its companions."""
    return (
        Registration.objects.filter(ceremony=ceremony, reference=reference)
        .prefetch_related("companions")
        .first()
    )


def waitlist_rank(*, registration: Registration) -> int | None:
    """The position shown: how many wait before this person, plus one."""
    if registration.status != Status.WAITLISTED or registration.waitlist_position is None:
        return None
    ahead = Registration.objects.filter(
        ceremony_id=registration.ceremony_id,
        status=Status.WAITLISTED,
        waitlist_position__lt=registration.waitlist_position,
    ).count()
    return ahead + 1


def has_identity_data(*, registration: Registration) -> bool:
    """Whether the registrant or a companion gave a birth date, place or nationality
    (viewing them is audit-logged)."""
    people = [registration, *registration.companions.all()]
    return any(p.birth_date or p.birth_place or p.nationality for p in people)
