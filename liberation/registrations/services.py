"""Registration rules: capacity that never oversells, waiting list, draw, cancellation.

Every function that changes seats runs in one transaction that first locks the
ceremony's `RegistrationSettings` row: `SELECT … FOR UPDATE` on PostgreSQL; on SQLite
the connection opens every transaction as `BEGIN IMMEDIATE` (settings/base.py), which
takes the database write lock up front. The check constraint
`registration_never_oversold` backs the rule in the database itself.
"""

import contextlib
import functools
import random
import secrets
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.db import (
    DEFAULT_DB_ALIAS,
    IntegrityError,
    OperationalError,
    connection,
    connections,
    transaction,
)
from django.db.models import F, Max
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac

from liberation.events.models import RegistrationSettings

from . import emails
from .models import Companion, DrawLog, OutboxMessage, Registration

Status = Registration.Status


class RegistrationError(Exception):
    """A rule refused the request; `code` says which (the view maps it to a message)."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


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


def management_token(registration: Registration) -> str:
    """`REFERENCE-hmac`: unguessable, verifiable, never a primary key."""
    digest = salted_hmac(
        "liberation.registrations.manage", f"{registration.reference}:{registration.secret}"
    ).hexdigest()[:32]
    return f"{registration.reference}-{digest}"


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


# The identity fields the registration form asks: a request validated under other
# values is refused ("form_changed") rather than written without what is now asked.
# (A change of screening or mode needs nothing more from the person: the fresh row's
# values are applied.)
FORM_SETTINGS = ("ask_birth_date", "ask_birth_place", "ask_nationality")


def _form_settings(ceremony: RegistrationSettings) -> tuple:
    return tuple(getattr(ceremony, name) for name in FORM_SETTINGS)


def _locked(ceremony_id: int) -> RegistrationSettings:
    """The ceremony row, locked until the end of the current transaction."""
    return RegistrationSettings.objects.select_for_update().get(pk=ceremony_id)


def _take_seats(ceremony: RegistrationSettings, seats: int) -> None:
    RegistrationSettings.objects.filter(pk=ceremony.pk).update(seats_taken=F("seats_taken") + seats)
    ceremony.seats_taken += seats


def _next_position(ceremony: RegistrationSettings) -> int:
    last = ceremony.registrations.aggregate(m=Max("waitlist_position"))["m"]
    return (last or 0) + 1


class _NoSeat(Exception):
    """The conditional seat update matched no row: roll the fast path back."""


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
    (`_take_seats_if_open`), which locks the ceremony row (PostgreSQL) for one statement
    and the commit, and never takes more than the capacity. On PostgreSQL without
    companions, that update and the two inserts are one statement
    (`_create_in_one_statement`: one round trip, no BEGIN and COMMIT). When it matches no row the
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
    if ceremony.state(now) == "open" and (
        draw or ceremony.seats_taken + seats <= ceremony.capacity
    ):
        created = _create_fast(ceremony=ceremony, request=request, page=page, now=now)
        if created is not None:
            return created
    asked = _form_settings(ceremony)  # what the request was validated against
    ceremony = RegistrationSettings.objects.get(pk=ceremony.pk)
    state = ceremony.state(now)
    if state != "open":
        raise RegistrationError(state)
    if _form_settings(ceremony) != asked:
        raise RegistrationError("form_changed")
    if (
        ceremony.mode != RegistrationSettings.Mode.DRAW
        and ceremony.seats_taken + seats > ceremony.capacity
        and not request.join_waitlist
    ):
        if _already_registered(ceremony, request):
            raise RegistrationError("already_registered")
        raise RegistrationError("full")  # true at the read, a moment ago: no lock needed
    try:
        return _create_locked(ceremony=ceremony, request=request, page=page, now=now)
    except OperationalError as error:
        if not _deadlock(error):
            raise
    # Once more, now that the other registration of this person is committed or gone.
    return _create_locked(ceremony=ceremony, request=request, page=page, now=now)


def _deadlock(error: OperationalError) -> bool:
    """PostgreSQL aborted the transaction to break a deadlock (SQLSTATE 40P01).

    Possible only between the two paths, for the same person: the fast path holds the
    unique index entry of its new registration and waits for the ceremony row; the
    locked path holds the row and waits for that index entry. PostgreSQL aborts one of
    them; it is decided again once the other has finished."""
    return getattr(error.__cause__, "sqlstate", None) == "40P01"


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
    active = ceremony.registrations.filter(status__in=Registration.ACTIVE)
    key = identity_key(request.registrant) if ceremony.screening_required else None
    return active.filter(email=request.email.strip().lower()).exists() or bool(
        key and active.filter(identity_key=key).exists()
    )


def _seat_update(
    *, ceremony: RegistrationSettings, seats: int, companions: int, now: datetime
) -> tuple[str, list]:
    """`UPDATE … SET seats_taken = seats_taken + seats WHERE id = … AND seats_taken + seats
    <= capacity`, and the window, mode, screening, companions and identity fields the
    request was checked against are still those of the row: SQL and parameters.

    On PostgreSQL the row lock waits for a concurrent holder, then the condition is
    evaluated again on the committed row: never oversold. With `seats=0` (draw) it
    checks the same and orders the writer after staff actions. Written in SQL: the ORM
    spends ~0.6 ms building this statement, and on SQLite that time falls inside the
    write lock."""
    sql = (
        f"UPDATE {connection.ops.quote_name(RegistrationSettings._meta.db_table)}"
        " SET seats_taken = seats_taken + %s"
        " WHERE id = %s AND opens_at <= %s AND closes_at > %s AND mode = %s"
        " AND screening_required = %s AND ask_birth_date = %s AND ask_birth_place = %s"
        " AND ask_nationality = %s AND max_companions >= %s"
        " AND seats_taken + %s <= capacity"
    )
    when = connection.ops.adapt_datetimefield_value(now)
    params = [
        seats,
        ceremony.pk,
        when,
        when,
        ceremony.mode,
        ceremony.screening_required,
        *_form_settings(ceremony),
        companions,
        seats,
    ]
    return sql, params


def _take_seats_if_open(
    *, ceremony: RegistrationSettings, seats: int, companions: int, now: datetime
) -> bool:
    """The conditional seat update (`_seat_update`), inside the caller's transaction."""
    sql, params = _seat_update(ceremony=ceremony, seats=seats, companions=companions, now=now)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount == 1


def _create_fast(
    *, ceremony: RegistrationSettings, request: RegistrationRequest, page, now: datetime
) -> Created | None:
    """The lock-last path (see registration_create); None when no seat could be taken."""
    draw = ceremony.mode == RegistrationSettings.Mode.DRAW
    seats = 1 + len(request.companions)
    status = Status.APPLIED if draw else Status.CONFIRMED
    registration = _registration_for(ceremony, request, status, seats)
    token = management_token(registration)
    message = emails.compose(
        registration=registration, kind=emails.KIND_FOR_STATUS[status], page=page
    )
    if ONE_STATEMENT and connection.vendor == "postgresql" and not request.companions:
        return _create_in_one_statement(
            ceremony=ceremony, registration=registration, message=message, token=token, now=now
        )
    try:
        with transaction.atomic():
            if connection.vendor == "sqlite" and not request.companions:
                _insert_both(registration, message)  # the write lock is held from here
            else:
                registration.save()
                _save_companions(registration, request.companions)
                emails.store(message=message)
            if not _take_seats_if_open(
                ceremony=ceremony,
                seats=0 if draw else seats,
                companions=len(request.companions),
                now=now,
            ):
                raise _NoSeat
    except IntegrityError as error:  # the unique constraints: already registered
        raise RegistrationError("already_registered") from error
    except _NoSeat:
        return None
    except OperationalError as error:
        if not _deadlock(error):
            raise
        return None  # decided again on the fresh read or under the lock (see _deadlock)
    return Created(registration=registration, token=token)


# PostgreSQL, no companions: the whole fast path as one statement (see below).
ONE_STATEMENT = True


@functools.cache
def _insert_columns(model, skip: str, vendor: str) -> tuple[tuple, str, str]:
    """The fields, quoted columns and typed placeholders of an INSERT into `model`
    (computed once per process: the ORM's field introspection costs more than the
    statement); `skip` leaves one column out."""
    fields = tuple(
        f for f in model._meta.concrete_fields if not f.primary_key and f.attname != skip
    )
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    if vendor == "postgresql":  # INSERT … SELECT: the values need their column's type
        placeholders = ", ".join(f"CAST(%s AS {f.db_type(connection)})" for f in fields)
    else:  # INSERT … VALUES (SQLite would give a "datetime" cast numeric affinity)
        placeholders = ", ".join("%s" for f in fields)
    return fields, columns, placeholders


def _insert_both(registration: Registration, message: OutboxMessage) -> None:
    """SQLite, inside the registering transaction: the registration and its email as two
    prepared INSERTs (the ORM's save() compiles each, inside SQLite's write lock)."""
    q = connection.ops.quote_name
    reg_fields, reg_columns, reg_placeholders = _insert_columns(Registration, "", "sqlite")
    msg_fields, msg_columns, msg_placeholders = _insert_columns(
        OutboxMessage, "registration_id", "sqlite"
    )
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {q(Registration._meta.db_table)} ({reg_columns})"
            f" VALUES ({reg_placeholders})",
            _insert_values(reg_fields, registration),
        )
        registration.pk = cursor.lastrowid
        message.registration = registration
        cursor.execute(
            f"INSERT INTO {q(OutboxMessage._meta.db_table)}"
            f" ({q('registration_id')}, {msg_columns}) VALUES (%s, {msg_placeholders})",
            [registration.pk, *_insert_values(msg_fields, message)],
        )
        message.pk = cursor.lastrowid
    _mark_saved(registration, message)


def _mark_saved(registration: Registration, message: OutboxMessage) -> None:
    """After the hand-written inserts: the instances as save() leaves them, and the
    worker asked to deliver once the transaction commits (as emails.store does)."""
    for obj in (registration, message):
        obj._state.adding, obj._state.db = False, connection.alias
    emails.delivery_requested()


def _insert_values(fields, obj) -> list:
    """The values of a new row as the ORM's INSERT writes them (`pre_save` fills the
    auto_now fields)."""
    db = connections[DEFAULT_DB_ALIAS]  # not the proxy: it resolves every attribute access
    return [f.get_db_prep_save(f.pre_save(obj, add=True), db) for f in fields]


def _create_in_one_statement(
    *,
    ceremony: RegistrationSettings,
    registration: Registration,
    message: OutboxMessage,
    token: str,
    now: datetime,
) -> Created | None:
    """PostgreSQL: take the seats, insert the registration and its email in one
    statement (one round trip, atomic on its own: no BEGIN and COMMIT round trips).

    The conditional UPDATE runs first and the inserts select from its result: no row
    (full, closed, settings changed) inserts nothing and answers None, as on the
    multi-statement path. A concurrent holder of the ceremony row makes the UPDATE wait,
    then PostgreSQL evaluates its condition again on the committed row: never oversold.
    A second active registration of the same person violates a unique constraint and
    the whole statement is undone, seats included."""
    db = connections[DEFAULT_DB_ALIAS]
    q = db.ops.quote_name
    message.registration = registration
    reg_fields, reg_columns, reg_placeholders = _insert_columns(Registration, "", db.vendor)
    msg_fields, msg_columns, msg_placeholders = _insert_columns(
        type(message), "registration_id", db.vendor
    )
    seats = 0 if ceremony.mode == RegistrationSettings.Mode.DRAW else registration.seats
    seat_sql, seat_params = _seat_update(ceremony=ceremony, seats=seats, companions=0, now=now)
    sql = (
        f"WITH seat AS ({seat_sql} RETURNING id),"
        f" reg AS (INSERT INTO {q(Registration._meta.db_table)} ({reg_columns})"
        f" SELECT {reg_placeholders} FROM seat RETURNING id)"
        f" INSERT INTO {q(message._meta.db_table)} ({q('registration_id')}, {msg_columns})"
        f" SELECT reg.id, {msg_placeholders} FROM reg RETURNING {q('registration_id')}, id"
    )
    params = [
        *seat_params,
        *_insert_values(reg_fields, registration),
        *_insert_values(msg_fields, message),
    ]
    savepoint = transaction.atomic() if db.in_atomic_block else contextlib.nullcontext()
    try:
        with savepoint, db.cursor() as cursor:
            cursor.execute(sql, params)
            row = cursor.fetchone()
    except IntegrityError as error:  # the unique constraints: already registered
        raise RegistrationError("already_registered") from error
    if row is None:
        return None
    registration.pk, message.pk = row
    _mark_saved(registration, message)
    return Created(registration=registration, token=token)


def _create_locked(
    *, ceremony: RegistrationSettings, request: RegistrationRequest, page, now: datetime
) -> Created:
    """The waiting list (and a race on the last seats): decided under the row lock."""
    seats = 1 + len(request.companions)
    asked = _form_settings(ceremony)
    with transaction.atomic():
        ceremony = _locked(ceremony.pk)
        state = ceremony.state(now)
        if state != "open":
            raise RegistrationError(state)
        if _form_settings(ceremony) != asked:
            raise RegistrationError("form_changed")
        if len(request.companions) > ceremony.max_companions:
            raise RegistrationError("too_many_companions")
        if _already_registered(ceremony, request):
            raise RegistrationError("already_registered")
        if ceremony.mode == RegistrationSettings.Mode.DRAW:
            status = Status.APPLIED
        elif ceremony.seats_taken + seats <= ceremony.capacity:
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


def _save_companions(registration: Registration, companions: list[Person]) -> None:
    Companion.objects.bulk_create(
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
    )


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
        if ceremony.seats_taken + candidate.seats > ceremony.capacity:
            break  # keep the order: nobody jumps the queue because their group is smaller
        candidate.status = Status.OFFERED
        candidate.offered_until = now + timedelta(hours=ceremony.offer_hours)
        candidate.save(update_fields=["status", "offered_until", "updated_at"])
        _take_seats(ceremony, candidate.seats)
        emails.queue_for_status(registration=candidate)
        offered.append(candidate)
    return offered


def _refuse_after_ceremony(ceremony: RegistrationSettings, now: datetime) -> None:
    from .privacy import ceremony_ends_at

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
            if ceremony.seats_taken + delta > ceremony.capacity:
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
            if waitlisted == 0 and ceremony.seats_taken + registration.seats <= ceremony.capacity:
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
