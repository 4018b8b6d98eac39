"""The outlet quota holds under concurrency.

Control first: a naive read-count-then-insert (no lock, no slot) run the same way goes
over the quota, so the test sees the race. Then the service: with its lock, exactly the
quota; and with the lock taken out, the slot's unique constraint alone still holds.
PostgreSQL: threads, each with its own connection. SQLite: processes on the test file.
"""

import multiprocessing
import threading

import pytest
from django.db import connection, connections

from liberation.press import services
from liberation.press.models import Accreditation, PressSettings
from liberation.press.services import PressError, RequestData

QUOTA = 2
ATTEMPTS = 8
State = Accreditation.State


def _data(n: int) -> RequestData:
    return RequestData(
        outlet="Le Monde" if n % 2 else "LE MONDE.",
        role="writer",
        press_card=f"C{n}",
        given_name=f"J{n}",
        surname="Rush",
    )


def _drafts(press: PressSettings) -> list[int]:
    return [
        services.accreditation_start(
            press_id=press.pk, email=f"rush{n}@example.org", language="fr"
        ).accreditation.pk
        for n in range(ATTEMPTS)
    ]


def naive_submit(accreditation_id: int, n: int, barrier) -> str:
    """Without the lock and the slot: count, decide, then write."""
    a = Accreditation.objects.select_related("press").get(pk=accreditation_id)
    key = services.outlet_normalise(_data(n).outlet)
    counted = Accreditation.objects.filter(
        press=a.press, outlet_key=key, state__in=services.COUNTED
    ).count()
    barrier.wait()  # everyone has counted the same rows
    if counted >= a.press.quota_per_outlet:
        return "quota"
    Accreditation.objects.filter(pk=accreditation_id).update(state=State.SUBMITTED, outlet_key=key)
    return "submitted"


def service_submit(accreditation_id: int, n: int, barrier) -> str:
    from liberation.programme.attachments import check_upload

    from .conftest import PDF

    letter = check_upload(name="l.pdf", data=PDF)
    barrier.wait()
    try:
        services.accreditation_submit(
            accreditation_id=accreditation_id, data=_data(n), letter=letter
        )
    except PressError as error:
        return error.code
    return "submitted"


def _counted(press_id: int) -> int:
    return Accreditation.objects.filter(press_id=press_id, state__in=services.COUNTED).count()


# --- PostgreSQL: threads ----------------------------------------------------------------


def _run_threads(target, ids: list[int]) -> list[str]:
    barrier = threading.Barrier(len(ids), timeout=20)
    results: list[str] = []

    def worker(n: int) -> None:
        try:
            results.append(target(ids[n], n, barrier))
        except threading.BrokenBarrierError:
            results.append("barrier")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(len(ids))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="needs PostgreSQL (DATABASE_URL=postgres://…)"
)


def _widen(monkeypatch):
    """All the requests meet between counting and writing (where the lock lets them)."""
    import time

    monkeypatch.setattr(services, "_after_count", lambda: time.sleep(0.05))


@pytest.mark.postgres
@postgres_only
@pytest.mark.django_db(transaction=True)
def test_postgres_control_naive_code_goes_over_the_quota(make_press):
    press = make_press(quota=QUOTA)
    _run_threads(naive_submit, _drafts(press))
    assert _counted(press.pk) > QUOTA  # the race is real and this test sees it


@pytest.mark.postgres
@postgres_only
@pytest.mark.django_db(transaction=True)
def test_postgres_service_holds_the_quota(make_press, monkeypatch):
    press = make_press(quota=QUOTA)
    _widen(monkeypatch)
    results = _run_threads(service_submit, _drafts(press))
    assert results.count("submitted") == QUOTA, results
    assert results.count("quota") == ATTEMPTS - QUOTA
    assert _counted(press.pk) == QUOTA


@pytest.mark.postgres
@postgres_only
@pytest.mark.django_db(transaction=True)
def test_postgres_slot_constraint_holds_without_the_lock(make_press, monkeypatch):
    """The lock taken out: every request reads the same free slot, all meet, and the
    unique slot lets only the first of each slot in."""
    press = make_press(quota=QUOTA)
    meeting = threading.Barrier(ATTEMPTS, timeout=20)
    monkeypatch.setattr(services, "_lock_press", lambda pk: PressSettings.objects.get(pk=pk))
    monkeypatch.setattr(services, "_locked", lambda pk: Accreditation.objects.get(pk=pk))
    monkeypatch.setattr(services, "_after_count", meeting.wait)
    results = _run_threads(service_submit, _drafts(press))
    assert "barrier" not in results, results
    assert _counted(press.pk) <= QUOTA
    assert results.count("quota") >= ATTEMPTS - QUOTA


# --- SQLite: processes -------------------------------------------------------------------


def _process_main(target_name: str, accreditation_id: int, n: int, barrier, queue) -> None:
    connections.close_all()
    target = {"naive": naive_submit, "service": service_submit}[target_name]
    try:
        queue.put(target(accreditation_id, n, barrier))
    except Exception as error:
        queue.put(f"error: {type(error).__name__}: {error}")
    finally:
        connections.close_all()


def _run_processes(target_name: str, ids: list[int]) -> list[str]:
    context = multiprocessing.get_context("fork")
    barrier = context.Barrier(len(ids), timeout=20)
    queue = context.Queue()
    connections.close_all()
    processes = [
        context.Process(target=_process_main, args=(target_name, ids[n], n, barrier, queue))
        for n in range(len(ids))
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
def test_sqlite_control_naive_code_goes_over_the_quota(make_press):
    press = make_press(quota=QUOTA)
    results = _run_processes("naive", _drafts(press))
    assert not [r for r in results if r.startswith("error")], results
    assert _counted(press.pk) > QUOTA


@sqlite_only
@pytest.mark.django_db(transaction=True)
def test_sqlite_service_holds_the_quota(make_press):
    press = make_press(quota=QUOTA)
    results = _run_processes("service", _drafts(press))
    assert not [r for r in results if r.startswith("error")], results
    assert results.count("submitted") == QUOTA, results
    assert _counted(press.pk) == QUOTA
