"""The seat counter is written by the registration services alone.

`RegistrationSettings.seats_taken` guards capacity. A save of a settings row read
before a registration committed (the admin's edit form, the import, a shell) must not
write its stale counter back: the counter would drop below the seats held and later
registrations would be accepted past capacity.
"""

import threading

import pytest
from django.db import connections

from liberation.events.models import RegistrationSettings
from liberation.registrations.models import Registration
from liberation.registrations.services import (
    Person,
    RegistrationError,
    RegistrationRequest,
    registration_create,
)

from .test_settings_admin import edit_url, form_data, staff_client


def register(ceremony, n: int, **kwargs) -> str:
    try:
        created = registration_create(
            ceremony=RegistrationSettings.objects.get(pk=ceremony.pk),
            request=RegistrationRequest(
                email=f"person{n}@example.org",
                registrant=Person(given_name=f"Jeanne{n}", surname="Martin"),
                **kwargs,
            ),
        )
    except RegistrationError as error:
        return error.code
    return created.registration.status


def seats_held(ceremony) -> int:
    return sum(
        Registration.objects.filter(
            ceremony_id=ceremony.pk, status__in=Registration.HOLDING
        ).values_list("seats", flat=True)
    )


def test_a_stale_settings_row_saved_never_gives_seats_away(make_ceremony):
    """Control: on the code before the counter was protected, this oversold by one (the
    stale row wrote 0 back over 1 seat held, and 3 more were confirmed for 3 seats)."""
    ceremony = make_ceremony(capacity=3, max_companions=0)
    stale = RegistrationSettings.objects.get(pk=ceremony.pk)  # e.g. the admin's form
    assert register(ceremony, 1) == "confirmed"
    stale.name = "Typo fixed"
    stale.save()
    outcomes = [register(ceremony, n) for n in range(2, 6)]  # to capacity, and one more
    ceremony.refresh_from_db()
    assert outcomes == ["confirmed", "confirmed", "full", "full"]
    assert ceremony.seats_taken == seats_held(ceremony) == 3
    assert ceremony.name == "Typo fixed"  # the staff's change itself was saved


def test_no_save_of_the_row_writes_the_counter(make_ceremony):
    """Only QuerySet.update (the services, under the lock) writes seats_taken: a save of
    any copy, with or without update_fields, and update_or_create leave it as it is."""
    ceremony = make_ceremony(capacity=10)
    RegistrationSettings.objects.filter(pk=ceremony.pk).update(seats_taken=4)
    ceremony.seats_taken = 9
    ceremony.save()
    ceremony.seats_taken = 0
    ceremony.save(update_fields=["seats_taken", "capacity"])
    RegistrationSettings.objects.update_or_create(pk=ceremony.pk, defaults={"seats_taken": 1})
    ceremony.refresh_from_db()
    assert ceremony.seats_taken == 4


def test_a_new_settings_row_starts_at_zero(db):
    import datetime as dt

    from django.utils import timezone

    now = timezone.now()
    created = RegistrationSettings.objects.create(
        name="new", capacity=5, opens_at=now, closes_at=now + dt.timedelta(days=1), seats_taken=3
    )
    assert created.seats_taken == 0
    created.refresh_from_db()
    assert created.seats_taken == 0


def test_a_data_migration_saving_a_historical_row_leaves_the_counter(make_ceremony):
    """Historical models (RunPython's apps.get_model) keep the field class."""
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    ceremony = make_ceremony(capacity=10)
    apps = MigrationExecutor(connection).loader.project_state().apps
    historical = apps.get_model("events", "RegistrationSettings").objects.get(pk=ceremony.pk)
    RegistrationSettings.objects.filter(pk=ceremony.pk).update(seats_taken=2)
    historical.capacity = 12
    historical.save()
    ceremony.refresh_from_db()
    assert (ceremony.capacity, ceremony.seats_taken) == (12, 2)


# -- the admin's edit form over HTTP, while people register --------------------------------


def _staff_post(client, url: str, data: dict, results: list) -> None:
    try:
        results.append(client.post(url, data).status_code)
    except Exception as error:  # reported by the assertions
        results.append(f"error: {type(error).__name__}: {error}")
    finally:
        connections.close_all()


@pytest.mark.django_db(transaction=True)
def test_an_admin_edit_across_a_registration_gives_no_seat_away(
    make_ceremony, django_user_model, monkeypatch
):
    """Control (failed before: 4 seats confirmed for 3): the admin's edit view reads the
    row, a registration commits, then the view saves its copy."""
    ceremony = make_ceremony(capacity=3, max_companions=0)
    client = staff_client(django_user_model, "en")
    read, registered = threading.Event(), threading.Event()
    clean = RegistrationSettings.clean

    def clean_then_wait(self):
        clean(self)
        if threading.current_thread().name == "staff" and not read.is_set():
            read.set()  # the form is validated against the row as read
            registered.wait(timeout=20)

    monkeypatch.setattr(RegistrationSettings, "clean", clean_then_wait)
    results: list = []
    staff = threading.Thread(
        target=_staff_post,
        args=(client, edit_url(ceremony), form_data(ceremony, name="Typo fixed"), results),
        name="staff",
    )
    staff.start()
    assert read.wait(timeout=20)
    assert register(ceremony, 1) == "confirmed"
    registered.set()
    staff.join(timeout=30)
    assert results == [302]
    outcomes = [register(ceremony, n) for n in range(2, 6)]
    ceremony.refresh_from_db()
    assert outcomes == ["confirmed", "confirmed", "full", "full"]
    assert ceremony.seats_taken == seats_held(ceremony) == 3
    assert ceremony.name == "Typo fixed"


RUSH_CAPACITY = 12
RUSH_THREADS = 4
RUSH_ATTEMPTS = 24


@pytest.mark.django_db(transaction=True)
def test_admin_edits_during_a_threaded_rush_never_oversell(make_ceremony, django_user_model):
    """Registration threads fill the ceremony while a staff thread saves the edit form
    again and again (name and capacity: +2 seats on every second save). At the end:
    nothing oversold, the counter equal to the seats held, every save accepted."""
    ceremony = make_ceremony(capacity=RUSH_CAPACITY, max_companions=0)
    client = staff_client(django_user_model, "en")
    numbers = iter(range(RUSH_ATTEMPTS))
    lock = threading.Lock()
    outcomes: list[str] = []
    done = threading.Event()

    def registrant() -> None:
        try:
            while True:
                with lock:
                    n = next(numbers, None)
                if n is None:
                    return
                outcome = register(ceremony, n)
                with lock:
                    outcomes.append(outcome)
        except Exception as error:  # reported by the assertions
            outcomes.append(f"error: {type(error).__name__}: {error}")
        finally:
            connections.close_all()

    saves: list = []

    def staff() -> None:
        capacity, n = RUSH_CAPACITY, 0
        while not done.is_set() and n < 40:
            n += 1
            capacity += 2 if n % 2 == 0 else 0
            data = form_data(ceremony, name=f"Edit {n}", capacity=capacity)
            _staff_post(client, edit_url(ceremony), data, saves)

    registrants = [threading.Thread(target=registrant) for _ in range(RUSH_THREADS)]
    editor = threading.Thread(target=staff)
    editor.start()
    for thread in registrants:
        thread.start()
    for thread in registrants:
        thread.join(timeout=120)
    done.set()
    editor.join(timeout=60)
    ceremony.refresh_from_db()
    assert not [o for o in outcomes if o.startswith("error")], outcomes
    assert saves and set(saves) == {302}, saves
    assert ceremony.seats_taken == seats_held(ceremony) <= ceremony.capacity
    assert outcomes.count("confirmed") == seats_held(ceremony)
