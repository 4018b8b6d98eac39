"""Concurrent registrations never oversell.

Each race has its control: a naive read-check-write without the lock, run the same
way, must oversell (proving the test can see the race); then the service must not.
PostgreSQL: threads, each with its own connection. SQLite: several processes on the
same database file.

The service takes the seats with one conditional UPDATE. On PostgreSQL, without
companions, that UPDATE and the inserts are one statement (fastpath.
_create_in_one_statement): the plain race tests run through it. With companions, and
always on SQLite, the registration is inserted first and the seats taken last
(fastpath._take_seats_if_open): on PostgreSQL a second pair of tests makes every
request meet inside that transaction, registration inserted, just before taking the
seats: with a read-then-write there instead (the control) they oversell; with the
conditional update they do not.
"""

import multiprocessing
import threading

import pytest
from django.db import connection, connections, transaction

from liberation.events.models import RegistrationSettings
from liberation.registrations.models import Registration
from liberation.registrations.services import (
    Person,
    RegistrationError,
    RegistrationRequest,
    registration_create,
)

CAPACITY = 5
ATTEMPTS = 16


def _request(n: int) -> RegistrationRequest:
    return RegistrationRequest(
        email=f"rush{n}@example.org", registrant=Person(given_name=f"P{n}", surname="Rush")
    )


def naive_register(ceremony_id: int, n: int, barrier) -> str:
    """What the service would be without the lock: read, decide, then write."""
    from liberation.registrations.services import _new_reference

    ceremony = RegistrationSettings.objects.get(pk=ceremony_id)
    taken = ceremony.seats_taken
    barrier.wait()  # everyone has read the same counter
    if taken + 1 > ceremony.capacity:
        return "full"
    with transaction.atomic():
        Registration.objects.create(
            ceremony=ceremony,
            reference=_new_reference(),
            secret="x",
            email=f"naive{n}@example.org",
            given_name="P",
            surname="Naive",
            status=Registration.Status.CONFIRMED,
        )
        RegistrationSettings.objects.filter(pk=ceremony_id).update(seats_taken=taken + 1)
    return "confirmed"


def locked_register(ceremony_id: int, n: int, barrier) -> str:
    barrier.wait()
    try:
        registration_create(
            ceremony=RegistrationSettings.objects.get(pk=ceremony_id), request=_request(n)
        )
    except RegistrationError as error:
        return error.code
    return "confirmed"


def _confirmed(ceremony_id: int) -> int:
    return Registration.objects.filter(
        ceremony_id=ceremony_id, status=Registration.Status.CONFIRMED
    ).count()


# --- PostgreSQL: threads --------------------------------------------------------------


def _run_threads(target, ceremony_id: int) -> list[str]:
    barrier = threading.Barrier(ATTEMPTS, timeout=20)
    results: list[str] = []

    def worker(n: int) -> None:
        try:
            results.append(target(ceremony_id, n, barrier))
        except threading.BrokenBarrierError:
            results.append("barrier")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(ATTEMPTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="needs PostgreSQL (DATABASE_URL=postgres://…)"
)


@pytest.mark.postgres
@postgres_only
@pytest.mark.django_db(transaction=True)
def test_postgres_control_naive_code_oversells(make_ceremony):
    ceremony = make_ceremony(capacity=CAPACITY)
    _run_threads(naive_register, ceremony.pk)
    assert _confirmed(ceremony.pk) > CAPACITY  # the race is real and this test sees it


@pytest.mark.postgres
@postgres_only
@pytest.mark.django_db(transaction=True)
def test_postgres_service_never_oversells(make_ceremony, monkeypatch):
    from liberation.registrations import fastpath

    one_statement = fastpath._create_in_one_statement
    calls = []

    def counted(**kwargs):
        calls.append(1)
        return one_statement(**kwargs)

    monkeypatch.setattr(fastpath, "_create_in_one_statement", counted)
    ceremony = make_ceremony(capacity=CAPACITY)
    results = _run_threads(locked_register, ceremony.pk)
    ceremony.refresh_from_db()
    assert len(calls) >= CAPACITY  # the single-statement path took the seats
    assert _confirmed(ceremony.pk) == CAPACITY == ceremony.seats_taken
    assert results.count("confirmed") == CAPACITY
    assert results.count("full") == ATTEMPTS - CAPACITY


def _meet_before_taking_seats(monkeypatch, take_seats) -> None:
    """Every request inserts its registration, then waits for all the others before
    taking its seats with `take_seats`: the seat update itself is the race."""
    from liberation.registrations import fastpath

    meeting = threading.Barrier(ATTEMPTS, timeout=20)
    conditional = fastpath._take_seats_if_open
    monkeypatch.setattr(fastpath, "ONE_STATEMENT", False)  # the insert-then-lock path

    def meet_then_take(**kwargs) -> bool:
        meeting.wait()
        return take_seats(meeting=meeting, conditional=conditional, **kwargs)

    monkeypatch.setattr(fastpath, "_take_seats_if_open", meet_then_take)


def naive_take_seats(*, meeting, conditional, ceremony, seats, companions, now) -> bool:
    """The seat update as a read, a decision, then a write: what the condition prevents."""
    taken = RegistrationSettings.objects.get(pk=ceremony.pk).seats_taken
    meeting.wait()  # everyone has read the same counter
    if taken + seats > ceremony.capacity:
        return False
    RegistrationSettings.objects.filter(pk=ceremony.pk).update(seats_taken=taken + seats)
    return True


def conditional_take_seats(*, meeting, conditional, **kwargs) -> bool:
    return conditional(**kwargs)


@pytest.mark.postgres
@postgres_only
@pytest.mark.django_db(transaction=True)
def test_postgres_control_read_then_write_seat_update_oversells(make_ceremony, monkeypatch):
    ceremony = make_ceremony(capacity=CAPACITY)
    _meet_before_taking_seats(monkeypatch, naive_take_seats)
    results = _run_threads(locked_register, ceremony.pk)
    assert "barrier" not in results, results
    assert _confirmed(ceremony.pk) > CAPACITY  # the race is real and this test sees it


@pytest.mark.postgres
@postgres_only
@pytest.mark.django_db(transaction=True)
def test_postgres_conditional_seat_update_never_oversells(make_ceremony, monkeypatch):
    ceremony = make_ceremony(capacity=CAPACITY)
    _meet_before_taking_seats(monkeypatch, conditional_take_seats)
    results = _run_threads(locked_register, ceremony.pk)
    ceremony.refresh_from_db()
    assert "barrier" not in results, results
    assert _confirmed(ceremony.pk) == CAPACITY == ceremony.seats_taken
    assert results.count("confirmed") == CAPACITY
    assert results.count("full") == ATTEMPTS - CAPACITY
    assert Registration.objects.filter(ceremony_id=ceremony.pk).count() == CAPACITY


# --- SQLite: processes ----------------------------------------------------------------


def _process_main(target_name: str, ceremony_id: int, n: int, barrier, queue) -> None:
    connections.close_all()  # never share the parent's connection
    target = {"naive": naive_register, "locked": locked_register}[target_name]
    try:
        queue.put(target(ceremony_id, n, barrier))
    except Exception as error:  # reported to the parent, which fails the test
        queue.put(f"error: {type(error).__name__}: {error}")
    finally:
        connections.close_all()


def _run_processes(target_name: str, ceremony_id: int) -> list[str]:
    context = multiprocessing.get_context("fork")
    barrier = context.Barrier(ATTEMPTS, timeout=20)
    queue = context.Queue()
    connections.close_all()
    processes = [
        context.Process(target=_process_main, args=(target_name, ceremony_id, n, barrier, queue))
        for n in range(ATTEMPTS)
    ]
    for process in processes:
        process.start()
    results = [queue.get(timeout=60) for _ in processes]
    for process in processes:
        process.join(timeout=30)
    return results


sqlite_only = pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite test")


@sqlite_only
@pytest.mark.django_db(transaction=True)
def test_sqlite_control_naive_code_oversells(make_ceremony):
    ceremony = make_ceremony(capacity=CAPACITY)
    results = _run_processes("naive", ceremony.pk)
    assert not [r for r in results if r.startswith("error")], results
    assert _confirmed(ceremony.pk) > CAPACITY  # the race is real and this test sees it


@sqlite_only
@pytest.mark.django_db(transaction=True)
def test_sqlite_service_never_oversells(make_ceremony):
    ceremony = make_ceremony(capacity=CAPACITY)
    # The service takes the write lock at BEGIN, so processes cannot all meet at a
    # barrier inside it: they meet just before calling it.
    results = _run_processes("locked", ceremony.pk)
    ceremony.refresh_from_db()
    assert not [r for r in results if r.startswith("error")], results
    assert _confirmed(ceremony.pk) == CAPACITY == ceremony.seats_taken
    assert results.count("confirmed") == CAPACITY
    assert results.count("full") == ATTEMPTS - CAPACITY


@pytest.mark.postgres
@postgres_only
@pytest.mark.django_db(transaction=True)
def test_postgres_same_person_on_both_paths_is_registered_once(make_ceremony, monkeypatch):
    """The same person registers twice at once: one request on the fast path (its row
    inserted, about to take the seat), the other on the locked path (ceremony row held,
    inserting the same email). PostgreSQL aborts one of them to break the deadlock; it
    is decided again: one registration, the other told "already registered", no error."""
    from liberation.registrations import fastpath

    ceremony = make_ceremony(capacity=1)
    inserted, go = threading.Event(), threading.Event()
    conditional = fastpath._take_seats_if_open
    monkeypatch.setattr(fastpath, "ONE_STATEMENT", False)  # the insert-then-lock path

    def paused(**kwargs) -> bool:
        if threading.current_thread().name == "fast":
            inserted.set()
            go.wait(timeout=20)
        return conditional(**kwargs)

    monkeypatch.setattr(fastpath, "_take_seats_if_open", paused)
    results: dict[str, str] = {}

    def register(name: str, looks_full: bool) -> None:
        copy = RegistrationSettings.objects.get(pk=ceremony.pk)
        if looks_full:  # a stale copy: straight to the fresh read, then the locked path
            copy.seats_taken = copy.capacity
        try:
            created = registration_create(
                ceremony=copy,
                request=RegistrationRequest(
                    email="same@example.org",
                    registrant=Person(given_name="Same", surname="Person"),
                    join_waitlist=True,
                ),
            )
            results[name] = created.registration.status
        except RegistrationError as error:
            results[name] = error.code
        except Exception as error:  # reported below
            results[name] = f"error: {type(error).__name__}: {error}"
        finally:
            connections.close_all()

    fast = threading.Thread(target=register, args=("fast", False), name="fast")
    fast.start()
    assert inserted.wait(timeout=20)
    locked = threading.Thread(target=register, args=("locked", True), name="locked")
    locked.start()
    locked.join(timeout=1)  # now waiting for the fast path's index entry
    go.set()
    fast.join(timeout=30)
    locked.join(timeout=30)
    assert sorted(results.values()) == ["already_registered", "confirmed"], results
    assert Registration.objects.filter(email="same@example.org").count() == 1
    ceremony.refresh_from_db()
    assert ceremony.seats_taken == 1


@pytest.mark.postgres
@postgres_only
@pytest.mark.django_db(transaction=True)
def test_postgres_same_person_many_times_at_once_is_registered_once(make_ceremony):
    """The single statement takes the seat, then inserts: a second active registration
    of the same email violates the unique constraint and undoes its own seat."""
    ceremony = make_ceremony(capacity=CAPACITY)

    def same_person(ceremony_id: int, n: int, barrier) -> str:
        barrier.wait()
        try:
            registration_create(
                ceremony=RegistrationSettings.objects.get(pk=ceremony_id),
                request=RegistrationRequest(
                    email="same@example.org", registrant=Person(given_name="Same", surname="P")
                ),
            )
        except RegistrationError as error:
            return error.code
        except Exception as error:  # reported by the assertion below
            return f"error: {type(error).__name__}: {error}"
        return "confirmed"

    results = _run_threads(same_person, ceremony.pk)
    assert sorted(set(results)) == ["already_registered", "confirmed"], results
    assert results.count("confirmed") == 1
    ceremony.refresh_from_db()
    assert ceremony.seats_taken == 1
    assert Registration.objects.filter(ceremony_id=ceremony.pk).count() == 1
