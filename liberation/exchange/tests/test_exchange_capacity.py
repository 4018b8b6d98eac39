"""The import changes a ceremony's registration settings through the registration
service, as the admin does: a capacity below the seats held is refused on its line,
nothing imported; the seat counter is never written; a larger capacity offers the new
seats to the waiting list."""

import datetime as dt

import pytest
from django.utils import timezone

from liberation.events.models import CeremonyPage, RegistrationSettings
from liberation.exchange.items import ImportFailed
from liberation.exchange.write import import_content
from liberation.registrations.models import Registration
from liberation.registrations.services import Person, RegistrationRequest, registration_create

from .factories import line, write_lines

pytestmark = pytest.mark.django_db
S = Registration.Status


@pytest.fixture
def ceremony_file(tmp_path):
    """ceremony_file(capacity=…) → a file with one open ceremony (the second line)."""
    now = timezone.now()
    counter = iter(range(100))

    def make(*, capacity: int, opens_in: dt.timedelta = -dt.timedelta(hours=1)):
        registration = {
            "capacity": capacity,
            "opens_at": (now + opens_in).isoformat(timespec="seconds"),
            "closes_at": (now + dt.timedelta(days=5)).isoformat(timespec="seconds"),
            "mode": "first_come",
        }
        lines = [
            line(key="article"),
            line(
                key="ceremonie",
                type="ceremony",
                starts_at=(now + dt.timedelta(days=10)).isoformat(timespec="seconds"),
                venue="Arc de Triomphe",
                registration=registration,
            ),
        ]
        return write_lines(tmp_path / f"ceremony-{next(counter)}.jsonl", lines)

    return make


def register(settings, n: int, **kwargs):
    return registration_create(
        ceremony=RegistrationSettings.objects.get(pk=settings.pk),
        request=RegistrationRequest(
            email=f"person{n}@example.org",
            registrant=Person(given_name=f"Jeanne{n}", surname="Martin"),
            **kwargs,
        ),
    ).registration


def test_a_capacity_below_the_seats_held_is_refused_on_its_line(ceremony_file):
    import_content(path=ceremony_file(capacity=3))
    settings = RegistrationSettings.objects.get(name="ceremonie")
    register(settings, 1)
    register(settings, 2)
    with pytest.raises(ImportFailed) as failure:
        import_content(path=ceremony_file(capacity=1, opens_in=-dt.timedelta(hours=2)))
    [error] = failure.value.errors
    assert (error.line, error.key, error.field) == (2, "ceremonie", "registration.capacity")
    assert "2" in error.message
    settings.refresh_from_db()
    assert (settings.capacity, settings.seats_taken) == (3, 2)  # nothing imported


def test_a_reimport_never_writes_the_counter_and_offers_new_seats(ceremony_file):
    import_content(path=ceremony_file(capacity=1))
    settings = RegistrationSettings.objects.get(name="ceremonie")
    register(settings, 1)
    waiting = register(settings, 2, join_waitlist=True)
    assert waiting.status == S.WAITLISTED
    # Another window: saved, the counter left as it is.
    import_content(path=ceremony_file(capacity=1, opens_in=-dt.timedelta(hours=3)))
    settings.refresh_from_db()
    assert settings.seats_taken == 1
    # One more seat: offered to the waiting list in the same import.
    import_content(path=ceremony_file(capacity=2, opens_in=-dt.timedelta(hours=3)))
    waiting.refresh_from_db()
    settings.refresh_from_db()
    assert waiting.status == S.OFFERED
    assert (settings.capacity, settings.seats_taken) == (2, 2)
    assert CeremonyPage.objects.filter(registration=settings).count() == 1
