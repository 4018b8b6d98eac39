"""The registration's fast path: everything prepared before the transaction, which then
only writes, and takes the seats last with the conditional UPDATE of `seats.py`.

Hand-written where the ORM cost more than the database on the rush's hottest request
(docs/benchmarks.md): on PostgreSQL without companions, the seat update and the two
inserts are one statement; on SQLite without companions, the two inserts are prepared
statements. The column lists come from the models (`_insert_columns`) and the tests
compare the stored rows with what the ORM writes. Every other path (companions on
PostgreSQL, the waiting list, the draw, staff) is the ORM's, in `services.py`.
"""

import contextlib
import functools
from datetime import datetime

from django.db import (
    DEFAULT_DB_ALIAS,
    IntegrityError,
    OperationalError,
    connection,
    connections,
    transaction,
)

from liberation.events.models import RegistrationSettings
from liberation.mail.models import OutboxMessage
from liberation.mail.services import delivery_requested

from . import emails
from .models import Companion, Registration
from .seats import seat_update_sql

# PostgreSQL, no companions: the whole fast path as one statement (see below).
ONE_STATEMENT = True


class NoSeat(Exception):
    """The conditional seat update matched no row: roll the fast path back."""


class AlreadyRegistered(Exception):
    """A unique constraint refused the registration: the person holds an active one."""


def deadlock(error: OperationalError) -> bool:
    """PostgreSQL aborted the transaction to break a deadlock (SQLSTATE 40P01).

    Possible only between the two paths, for the same person: the fast path holds the
    unique index entry of its new registration and waits for the ceremony row; the
    locked path holds the row and waits for that index entry. PostgreSQL aborts one of
    them; it is decided again once the other has finished."""
    return getattr(error.__cause__, "sqlstate", None) == "40P01"


def _take_seats_if_open(
    *, ceremony: RegistrationSettings, seats: int, companions: int, now: datetime
) -> bool:
    """The conditional seat update (`seats.seat_update_sql`), inside the caller's
    transaction."""
    sql, params = seat_update_sql(ceremony=ceremony, seats=seats, companions=companions, now=now)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount == 1


def registration_write(
    *,
    ceremony: RegistrationSettings,
    registration: Registration,
    companions: list[Companion],
    page,
    now: datetime,
) -> bool:
    """Write `registration` (prepared, unsaved, with its `companions`) and its email,
    then take its seats: True, or False when no seat could be taken (nothing written).
    Raises AlreadyRegistered. `ceremony` may be stale: the conditional update decides."""
    draw = ceremony.mode == RegistrationSettings.Mode.DRAW
    message = emails.compose(
        registration=registration, kind=emails.KIND_FOR_STATUS[registration.status], page=page
    )
    if ONE_STATEMENT and connection.vendor == "postgresql" and not companions:
        return _create_in_one_statement(
            ceremony=ceremony, registration=registration, message=message, now=now
        )
    try:
        with transaction.atomic():
            if connection.vendor == "sqlite" and not companions:
                _insert_both(registration, message)  # the write lock is held from here
            else:
                registration.save()
                Companion.objects.bulk_create(companions)
                emails.store(message=message, registration=registration)
            if not _take_seats_if_open(
                ceremony=ceremony,
                seats=0 if draw else registration.seats,
                companions=len(companions),
                now=now,
            ):
                raise NoSeat
    except IntegrityError as error:  # the unique constraints: already registered
        raise AlreadyRegistered from error
    except NoSeat:
        return False
    except OperationalError as error:
        if not deadlock(error):
            raise
        return False  # decided again on the fresh read or under the lock (see deadlock)
    return True


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
        OutboxMessage, "object_id", "sqlite"
    )
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {q(Registration._meta.db_table)} ({reg_columns})"
            f" VALUES ({reg_placeholders})",
            _insert_values(reg_fields, registration),
        )
        registration.pk = message.object_id = cursor.lastrowid
        cursor.execute(
            f"INSERT INTO {q(OutboxMessage._meta.db_table)}"
            f" ({q('object_id')}, {msg_columns}) VALUES (%s, {msg_placeholders})",
            [registration.pk, *_insert_values(msg_fields, message)],
        )
        message.pk = cursor.lastrowid
    _mark_saved(registration, message)


def _mark_saved(registration: Registration, message: OutboxMessage) -> None:
    """After the hand-written inserts: the instances as save() leaves them, and the
    worker asked to deliver once the transaction commits (as emails.store does)."""
    for obj in (registration, message):
        obj._state.adding, obj._state.db = False, connection.alias
    delivery_requested()


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
    now: datetime,
) -> bool:
    """PostgreSQL: take the seats, insert the registration and its email in one
    statement (one round trip, atomic on its own: no BEGIN and COMMIT round trips).

    The conditional UPDATE runs first and the inserts select from its result: no row
    (full, closed, settings changed) inserts nothing and answers False, as on the
    multi-statement path. A concurrent holder of the ceremony row makes the UPDATE wait,
    then PostgreSQL evaluates its condition again on the committed row: never oversold.
    A second active registration of the same person violates a unique constraint and
    the whole statement is undone, seats included (AlreadyRegistered)."""
    db = connections[DEFAULT_DB_ALIAS]
    q = db.ops.quote_name
    reg_fields, reg_columns, reg_placeholders = _insert_columns(Registration, "", db.vendor)
    msg_fields, msg_columns, msg_placeholders = _insert_columns(
        type(message), "object_id", db.vendor
    )
    seats = 0 if ceremony.mode == RegistrationSettings.Mode.DRAW else registration.seats
    seat_sql, seat_params = seat_update_sql(ceremony=ceremony, seats=seats, companions=0, now=now)
    sql = (
        f"WITH seat AS ({seat_sql} RETURNING id),"
        f" reg AS (INSERT INTO {q(Registration._meta.db_table)} ({reg_columns})"
        f" SELECT {reg_placeholders} FROM seat RETURNING id)"
        f" INSERT INTO {q(message._meta.db_table)} ({q('object_id')}, {msg_columns})"
        f" SELECT reg.id, {msg_placeholders} FROM reg RETURNING {q('object_id')}, id"
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
        raise AlreadyRegistered from error
    if row is None:
        return False
    registration.pk, message.pk = row
    message.object_id = registration.pk
    _mark_saved(registration, message)
    return True
