"""The seat counter is written by the registration services alone.

`RegistrationSettings.seats_taken` guards capacity. A save of a settings row read
before a registration committed (the admin's edit form, the import, a shell) must not
write its stale counter back: the counter would drop below the seats held and later
registrations would be accepted past capacity.
"""

from liberation.events.models import RegistrationSettings
from liberation.registrations.models import Registration
from liberation.registrations.services import (
    Person,
    RegistrationError,
    RegistrationRequest,
    registration_create,
)


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
