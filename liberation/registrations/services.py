"""Registration rules: capacity that never oversells, waiting list, draw, cancellation.

Every function that changes seats runs in one transaction that first locks the
ceremony's `RegistrationSettings` row: `SELECT … FOR UPDATE` on PostgreSQL; on SQLite
the connection opens every transaction as `BEGIN IMMEDIATE` (settings/base.py), which
takes the database write lock up front. The check constraint
`registration_never_oversold` backs the rule in the database itself.
"""

import random
import secrets
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, OperationalError, connection, transaction
from django.db.models import F, Max
from django.utils import timezone
from django.utils.crypto import constant_time_compare
from django.utils.translation import gettext_lazy as _

from liberation.events.models import RegistrationSettings

from . import emails, fastpath
from .models import Companion, DrawLog, Registration
from .seats import form_settings, request_refusal, seats_fit
from .tokens import management_token

Status = Registration.Status


class RegistrationError(Exception):
    """A rule refused the request; `code` says which (the view maps it to a message).
    `ceremony`: the settings row as read fresh to decide, when it was (the view shows
    the seats and state from it instead of reading it again)."""

    def __init__(self, code: str, *, ceremony: RegistrationSettings | None = None):
        super().__init__(code)
        self.code = code
        self.ceremony = ceremony


@dataclass(frozen=True)
class Person:
    given_name: str
    surname: str
    birth_date: date | None = None
    birth_place: str = ""
    nationality: str = ""


@dataclass(frozen=True)
class RegistrationRequest:
    email: str
    registrant: Person
    companions: list[Person] = field(default_factory=list)
    language: str = "fr"
    join_waitlist: bool = False


@dataclass(frozen=True)
class Created:
    registration: Registration
    token: str  # the private management token, for the link shown and emailed


def _new_reference() -> str:
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read over the phone
    return "".join(secrets.choice(alphabet) for _ in range(8))


def _fold(text: str) -> str:
    text = unicodedata.normalize("NFKD", text.casefold())
    return " ".join("".join(c for c in text if not unicodedata.combining(c)).split())


def identity_key(person: Person) -> str | None:
    if person.birth_date is None:
        return None
    return f"{_fold(person.surname)}|{_fold(person.given_name)}|{person.birth_date.isoformat()}"


def _locked(ceremony_id: int) -> RegistrationSettings:
    """The ceremony row, locked until the end of the current transaction."""
    return RegistrationSettings.objects.select_for_update().get(pk=ceremony_id)


def _take_seats(ceremony: RegistrationSettings, seats: int) -> None:
    RegistrationSettings.objects.filter(pk=ceremony.pk).update(seats_taken=F("seats_taken") + seats)
    ceremony.seats_taken += seats


def _next_position(ceremony: RegistrationSettings) -> int:
    last = ceremony.registrations.aggregate(m=Max("waitlist_position"))["m"]
    return (last or 0) + 1


_LOOK_UP = emails._LOOK_UP


def registration_create(
    *,
    ceremony: RegistrationSettings,
    request: RegistrationRequest,
    page=_LOOK_UP,
    now: datetime | None = None,
) -> Created:
    """Register a person (and companions): confirmed, waiting list, or application (draw).

    `ceremony` may be stale: it only chooses the path; every decision is taken on a fresh
    read or by the database. `page` is the ceremony page in the registrant's language,
    for the email (looked up when not given).

    The fast path (a seat seems free, or draw mode) prepares everything before its
    transaction: reference, secret, token, the rendered email. The transaction then only
    writes: the registration (the partial unique constraints refuse a second active one),
    the companions, the outbox row, and last the conditional seat update
    (`seats.seat_update_sql`), which locks the ceremony row (PostgreSQL) for one
    statement and the commit, and never takes more than the capacity. On PostgreSQL
    without companions, that update and the two inserts are one statement (see
    `fastpath.py`: one round trip, no BEGIN and COMMIT). When it matches no row the
    transaction rolls back and the request is decided on a fresh read (not open, full),
    or by the locked path (waiting list, or seats freed meanwhile).

    Raises RegistrationError with code: not_open, closed, too_many_companions, full,
    already_registered, form_changed (the identity fields asked changed since the
    request was validated against `ceremony`).
    """
    now = now or timezone.now()
    if len(request.companions) > ceremony.max_companions:
        raise RegistrationError("too_many_companions")
    seats = 1 + len(request.companions)
    draw = ceremony.mode == RegistrationSettings.Mode.DRAW
    if ceremony.state(now) == "open" and (draw or seats_fit(ceremony, seats)):
        created = _create_fast(ceremony=ceremony, request=request, page=page, now=now)
        if created is not None:
            return created
    asked = form_settings(ceremony)  # what the request was validated against
    ceremony, registered = _fresh_and_registered(ceremony.pk, request)
    refusal = request_refusal(
        ceremony=ceremony, asked=asked, companions=len(request.companions), now=now
    )
    if refusal:
        raise RegistrationError(refusal, ceremony=ceremony)
    if (
        ceremony.mode != RegistrationSettings.Mode.DRAW
        and not seats_fit(ceremony, seats)
        and not request.join_waitlist
    ):
        if registered:
            raise RegistrationError("already_registered", ceremony=ceremony)
        # True at the read, a moment ago: no lock needed.
        raise RegistrationError("full", ceremony=ceremony)
    try:
        return _create_locked(ceremony=ceremony, request=request, page=page, now=now)
    except OperationalError as error:
        if not fastpath.deadlock(error):
            raise
    # Once more, now that the other registration of this person is committed or gone.
    return _create_locked(ceremony=ceremony, request=request, page=page, now=now)


def _create_fast(
    *, ceremony: RegistrationSettings, request: RegistrationRequest, page, now: datetime
) -> Created | None:
    """The lock-last path (see registration_create and fastpath.py); None when no seat
    could be taken."""
    draw = ceremony.mode == RegistrationSettings.Mode.DRAW
    status = Status.APPLIED if draw else Status.CONFIRMED
    registration = _registration_for(ceremony, request, status, 1 + len(request.companions))
    token = management_token(registration)
    try:
        written = fastpath.registration_write(
            ceremony=ceremony,
            registration=registration,
            companions=_companions_for(registration, request.companions),
            page=page,
            now=now,
        )
    except fastpath.AlreadyRegistered as error:
        raise RegistrationError("already_registered") from error
    return Created(registration=registration, token=token) if written else None


def _registration_for(
    ceremony: RegistrationSettings, request: RegistrationRequest, status: str, seats: int
) -> Registration:
    """The new registration, unsaved, with its reference and secret."""
    person = request.registrant
    return Registration(
        ceremony=ceremony,
        reference=_new_reference(),
        secret=secrets.token_hex(16),
        language=request.language,
        email=request.email.strip().lower(),
        given_name=person.given_name.strip(),
        surname=person.surname.strip(),
        birth_date=person.birth_date,
        birth_place=person.birth_place.strip(),
        nationality=person.nationality.strip(),
        identity_key=identity_key(person) if ceremony.screening_required else None,
        seats=seats,
        status=status,
        screening=(
            Registration.Screening.PENDING
            if ceremony.screening_required
            else Registration.Screening.NOT_REQUIRED
        ),
    )


def _already_registered(ceremony: RegistrationSettings, request: RegistrationRequest) -> bool:
    """Does the person hold an active registration for this ceremony: by email, or by
    identity where the ceremony screens. The same rule, in SQL, in
    `_fresh_and_registered` (the refusal path): change both together."""
    active = ceremony.registrations.filter(status__in=Registration.ACTIVE)
    key = identity_key(request.registrant) if ceremony.screening_required else None
    return active.filter(email=request.email.strip().lower()).exists() or bool(
        key and active.filter(identity_key=key).exists()
    )


def _fresh_and_registered(
    ceremony_id: int, request: RegistrationRequest
) -> tuple[RegistrationSettings, bool]:
    """The settings row as it is now, and whether the person holds an active registration
    for it (`_already_registered`), in one raw query: after a sell-out every POST comes
    here to be refused, and the ORM compiled a get() and an exists() for longer than the
    database took to answer them. Raises RegistrationSettings.DoesNotExist as get()."""
    quote = connection.ops.quote_name
    field = Registration._meta.get_field
    registration = {name: quote(field(name).column) for name in ("ceremony", "status", "email")}
    screened = quote(RegistrationSettings._meta.get_field("screening_required").column)
    active = ", ".join(["%s"] * len(Registration.ACTIVE))
    sql = (
        f"SELECT s.*, EXISTS (SELECT 1 FROM {quote(Registration._meta.db_table)} r"
        f" WHERE r.{registration['ceremony']} = s.id AND r.{registration['status']} IN ({active})"
        f" AND (r.{registration['email']} = %s OR (s.{screened}"
        f" AND r.{quote(field('identity_key').column)} = %s))) AS already_registered"
        f" FROM {quote(RegistrationSettings._meta.db_table)} s WHERE s.id = %s"
    )
    params = [
        *(status.value for status in Registration.ACTIVE),
        request.email.strip().lower(),
        identity_key(request.registrant),
        ceremony_id,
    ]
    row = next(iter(RegistrationSettings.objects.raw(sql, params)), None)
    if row is None:
        raise RegistrationSettings.DoesNotExist
    return row, bool(row.already_registered)


def _create_locked(
    *, ceremony: RegistrationSettings, request: RegistrationRequest, page, now: datetime
) -> Created:
    """The waiting list (and a race on the last seats): decided under the row lock."""
    seats = 1 + len(request.companions)
    asked = form_settings(ceremony)
    with transaction.atomic():
        ceremony = _locked(ceremony.pk)
        refusal = request_refusal(
            ceremony=ceremony, asked=asked, companions=len(request.companions), now=now
        )
        if refusal:
            raise RegistrationError(refusal)
        if _already_registered(ceremony, request):
            raise RegistrationError("already_registered")
        if ceremony.mode == RegistrationSettings.Mode.DRAW:
            status = Status.APPLIED
        elif seats_fit(ceremony, seats):
            status = Status.CONFIRMED
        elif request.join_waitlist:
            status = Status.WAITLISTED
        else:
            raise RegistrationError("full")
        registration = _registration_for(ceremony, request, status, seats)
        if status == Status.WAITLISTED:
            registration.waitlist_position = _next_position(ceremony)
        try:
            with transaction.atomic():
                registration.save()
        except IntegrityError as error:  # the unique constraints, should a check above miss
            raise RegistrationError("already_registered") from error
        _save_companions(registration, request.companions)
        if status == Status.CONFIRMED:
            _take_seats(ceremony, seats)
        emails.queue_for_status(registration=registration, page=page)
    return Created(registration=registration, token=management_token(registration))


def _companions_for(registration: Registration, companions: list[Person]) -> list[Companion]:
    return [
        Companion(
            registration=registration,
            given_name=p.given_name.strip(),
            surname=p.surname.strip(),
            birth_date=p.birth_date,
            birth_place=p.birth_place.strip(),
            nationality=p.nationality.strip(),
            position=i,
        )
        for i, p in enumerate(companions)
    ]


def _save_companions(registration: Registration, companions: list[Person]) -> None:
    Companion.objects.bulk_create(_companions_for(registration, companions))


def registration_for_token(*, token: str) -> Registration | None:
    """The registration a management token opens, or None (tampered, unknown, erased)."""
    if not token or len(token) > 100 or "-" not in token:
        return None
    if not token.isascii() or not token.replace("-", "").isalnum():
        return None  # never asked: PostgreSQL refuses NUL in a string (a 500 otherwise)
    reference = token.split("-", 1)[0]
    registration = (
        Registration.objects.select_related("ceremony")
        .filter(reference=reference, erased_at__isnull=True)
        .first()
    )
    if registration is None or not constant_time_compare(token, management_token(registration)):
        return None
    return registration


def _release(ceremony: RegistrationSettings, registration: Registration) -> None:
    if registration.status in Registration.HOLDING:
        _take_seats(ceremony, -registration.seats)


def _offer_free_seats(ceremony: RegistrationSettings, now: datetime) -> list[Registration]:
    """Offer freed seats to the waiting list, in order, while the next in line fits."""
    offered = []
    queue = ceremony.registrations.filter(status=Status.WAITLISTED).order_by("waitlist_position")
    for candidate in queue:
        if not seats_fit(ceremony, candidate.seats):
            break  # keep the order: nobody jumps the queue because their group is smaller
        candidate.status = Status.OFFERED
        candidate.offered_until = now + timedelta(hours=ceremony.offer_hours)
        candidate.save(update_fields=["status", "offered_until", "updated_at"])
        _take_seats(ceremony, candidate.seats)
        emails.queue_for_status(registration=candidate)
        offered.append(candidate)
    return offered


def _refuse_after_ceremony(ceremony: RegistrationSettings, now: datetime) -> None:
    from .selectors import ceremony_ends_at

    if ceremony_ends_at(ceremony=ceremony) <= now:
        raise RegistrationError("past")


def registration_cancel(*, registration: Registration, now: datetime | None = None) -> None:
    """Cancel (by the registrant or staff); freed seats go to the waiting list at once."""
    now = now or timezone.now()
    with transaction.atomic():
        ceremony = _locked(registration.ceremony_id)
        registration.refresh_from_db()
        if registration.status not in Registration.ACTIVE:
            raise RegistrationError("not_active")
        _refuse_after_ceremony(ceremony, now)
        _release(ceremony, registration)
        registration.status = Status.CANCELLED
        registration.waitlist_position = None
        registration.offered_until = None
        registration.save(
            update_fields=["status", "waitlist_position", "offered_until", "updated_at"]
        )
        emails.queue_for_status(registration=registration)
        if (
            ceremony.mode == RegistrationSettings.Mode.FIRST_COME
            or DrawLog.objects.filter(ceremony=ceremony).exists()
        ):
            _offer_free_seats(ceremony, now)


def offer_accept(*, registration: Registration, now: datetime | None = None) -> None:
    now = now or timezone.now()
    with transaction.atomic():
        _locked(registration.ceremony_id)
        registration.refresh_from_db()
        if registration.status != Status.OFFERED:
            raise RegistrationError("no_offer")
        if registration.offered_until and registration.offered_until <= now:
            raise RegistrationError("offer_expired")
        registration.status = Status.CONFIRMED
        registration.waitlist_position = None
        registration.offered_until = None
        registration.save(
            update_fields=["status", "waitlist_position", "offered_until", "updated_at"]
        )
        emails.queue_for_status(registration=registration)


def offers_expire(*, now: datetime | None = None) -> int:
    """Expire the offers whose delay has passed and pass the seats to the next in line."""
    now = now or timezone.now()
    expired = 0
    ceremony_ids = (
        Registration.objects.filter(status=Status.OFFERED, offered_until__lte=now)
        .values_list("ceremony_id", flat=True)
        .distinct()
    )
    for ceremony_id in list(ceremony_ids):
        with transaction.atomic():
            ceremony = _locked(ceremony_id)
            for registration in ceremony.registrations.filter(
                status=Status.OFFERED, offered_until__lte=now
            ):
                _release(ceremony, registration)
                registration.status = Status.EXPIRED
                registration.save(update_fields=["status", "updated_at"])
                expired += 1
            _offer_free_seats(ceremony, now)
    return expired


def companions_update(
    *, registration: Registration, companions: list[Person], now: datetime | None = None
) -> None:
    """Replace the named companions; more seats are taken only if they are free."""
    now = now or timezone.now()
    with transaction.atomic():
        ceremony = _locked(registration.ceremony_id)
        registration.refresh_from_db()
        if registration.status not in Registration.ACTIVE:
            raise RegistrationError("not_active")
        _refuse_after_ceremony(ceremony, now)
        if len(companions) > ceremony.max_companions:
            raise RegistrationError("too_many_companions")
        seats = 1 + len(companions)
        delta = seats - registration.seats
        if registration.status in Registration.HOLDING:
            if not seats_fit(ceremony, delta):
                raise RegistrationError("full")
            _take_seats(ceremony, delta)
        registration.companions.all().delete()
        _save_companions(registration, companions)
        registration.seats = seats
        registration.save(update_fields=["seats", "updated_at"])
        if delta < 0 and registration.status in Registration.HOLDING:
            _offer_free_seats(ceremony, now)


def draw_run(
    *, ceremony: RegistrationSettings, seed: str | None = None, performed_by: str = ""
) -> DrawLog:
    """Draw among the applications: confirm up to capacity, wait-list the rest in order.

    Reproducible: the same seed over the same applications gives the same order; the
    seed and the result are logged. Only once per ceremony, after registration closes.
    """
    seed = seed or secrets.token_hex(16)
    with transaction.atomic():
        ceremony = _locked(ceremony.pk)
        if ceremony.mode != RegistrationSettings.Mode.DRAW:
            raise RegistrationError("not_draw")
        if DrawLog.objects.filter(ceremony=ceremony).exists():
            raise RegistrationError("already_drawn")
        if ceremony.state() != "closed":
            raise RegistrationError("still_open")
        applications = list(ceremony.registrations.filter(status=Status.APPLIED).order_by("pk"))
        random.Random(seed).shuffle(applications)
        position = _next_position(ceremony)
        confirmed = waitlisted = 0
        for registration in applications:
            if waitlisted == 0 and seats_fit(ceremony, registration.seats):
                registration.status = Status.CONFIRMED
                _take_seats(ceremony, registration.seats)
                confirmed += 1
            else:
                registration.status = Status.WAITLISTED
                registration.waitlist_position = position
                position += 1
                waitlisted += 1
            registration.save(update_fields=["status", "waitlist_position", "updated_at"])
            emails.queue_for_status(registration=registration)
        return DrawLog.objects.create(
            ceremony=ceremony,
            seed=seed,
            drawn_order=[r.reference for r in applications],
            confirmed=confirmed,
            waitlisted=waitlisted,
            performed_by=performed_by,
        )


def screening_decide(*, registration: Registration, approved: bool) -> None:
    """Record the security services' decision; a refusal frees the seats."""
    with transaction.atomic():
        ceremony = _locked(registration.ceremony_id)
        registration.refresh_from_db()
        refused = not approved and registration.status in Registration.ACTIVE
        if refused:
            _release(ceremony, registration)
            registration.status = Status.REFUSED
            registration.waitlist_position = None
            registration.offered_until = None
        registration.screening = (
            Registration.Screening.APPROVED if approved else Registration.Screening.REFUSED
        )
        registration.save(
            update_fields=[
                "status",
                "screening",
                "waitlist_position",
                "offered_until",
                "updated_at",
            ]
        )
        if refused:
            emails.queue_for_status(registration=registration)
            _offer_free_seats(ceremony, timezone.now())


def registration_settings_save(
    *, instance: RegistrationSettings, now: datetime | None = None
) -> list[Registration]:
    """Save a ceremony's settings as staff changed them (admin, import); returns the
    registrations offered seats because the capacity grew.

    Validated whole first (closing before opening, negative or too large values: a
    ValidationError, nothing saved). An existing row is locked, and the capacity checked
    against the seats held on the locked row: a capacity below them raises a
    ValidationError on "capacity", nothing saved. The save never writes the counter
    (CounterField). When the capacity grew, the new seats go to the waiting list in
    order, in this transaction, as after a cancellation (first come, or once drawn;
    never after the ceremony).
    """
    now = now or timezone.now()
    # The counter is checked under the lock below, on the row, not on this copy.
    instance.full_clean(exclude=["seats_taken"])
    with transaction.atomic():
        if instance.pk is None:
            instance.save()
            return []
        held = _locked(instance.pk)
        if instance.capacity < held.seats_taken:
            raise ValidationError(
                {
                    "capacity": ValidationError(
                        _(
                            "The capacity cannot be lower than the seats already held by "
                            "confirmed registrations and open waiting-list offers "
                            "(%(taken)s). Cancel registrations first, or enter a capacity "
                            "of at least %(taken)s."
                        ),
                        code="capacity_below_seats_taken",
                        params={"taken": held.seats_taken},
                    )
                }
            )
        instance.save()
        instance.seats_taken = held.seats_taken
        if instance.capacity <= held.capacity or (
            instance.mode == RegistrationSettings.Mode.DRAW
            and not DrawLog.objects.filter(ceremony=instance).exists()
        ):
            return []
        from .selectors import ceremony_ends_at

        if ceremony_ends_at(ceremony=instance) <= now:
            return []
        return _offer_free_seats(instance, now)
