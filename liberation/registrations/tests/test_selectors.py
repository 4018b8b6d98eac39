"""Reads on registrations: counts per state, recipients, the waiting-list rank, the end
of a ceremony."""

from liberation.events.models import CeremonyPage
from liberation.registrations import extensions
from liberation.registrations.models import Registration
from liberation.registrations.selectors import (
    ceremonies_with_personal_data,
    ceremony_counts,
    ceremony_ends_at,
    confirmed_recipients,
    registration_by_reference,
    waitlist_rank,
)
from liberation.registrations.services import (
    Person,
    RegistrationRequest,
    registration_cancel,
    registration_create,
)

S = Registration.Status


def register(ceremony, n, *, companions=0, join_waitlist=False):
    return registration_create(
        ceremony=ceremony,
        request=RegistrationRequest(
            email=f"person{n}@example.org",
            registrant=Person(given_name=f"Jeanne{n}", surname=f"Martin{n}"),
            companions=[
                Person(given_name=f"Ami{i}", surname=f"Compagnon{n}") for i in range(companions)
            ],
            join_waitlist=join_waitlist,
        ),
    ).registration


def test_ceremony_counts_per_state(make_ceremony, monkeypatch):
    # Check-ins are counted by the app that records them (the gate, gate/tests).
    monkeypatch.setattr(
        extensions,
        "_checkin_source",
        extensions.CheckinSource(counts=lambda c: (1, 2), of=lambda r: None, prefetch=None),
    )
    ceremony = make_ceremony(capacity=3, max_companions=2)
    register(ceremony, 1, companions=1)  # 2 seats
    register(ceremony, 2)  # 1 seat: full
    register(ceremony, 3, join_waitlist=True)
    register(ceremony, 4, companions=2, join_waitlist=True)
    e = register(ceremony, 5, join_waitlist=True)
    registration_cancel(registration=e)
    counts = ceremony_counts(ceremony=ceremony)
    assert (counts.capacity, counts.seats_taken, counts.seats_left) == (3, 3, 0)
    assert (counts.confirmed, counts.confirmed_seats) == (2, 3)
    assert (counts.waitlisted, counts.waitlisted_seats) == (2, 4)
    assert (counts.applied, counts.cancelled, counts.refused, counts.offered) == (0, 1, 0, 0)
    assert (counts.checked_in, counts.checked_in_seats) == (1, 2)
    monkeypatch.setattr(extensions, "_checkin_source", None)  # nothing records check-ins
    counts = ceremony_counts(ceremony=ceremony)
    assert (counts.checked_in, counts.checked_in_seats, counts.confirmed) == (0, 0, 2)


def test_recipients_rank_and_reference(make_ceremony):
    ceremony = make_ceremony(capacity=1, max_companions=0)
    first = register(ceremony, 1)
    second = register(ceremony, 2, join_waitlist=True)
    third = register(ceremony, 3, join_waitlist=True)
    assert list(confirmed_recipients(ceremony=ceremony)) == [first]
    assert waitlist_rank(registration=first) is None
    assert (waitlist_rank(registration=second), waitlist_rank(registration=third)) == (1, 2)
    registration_cancel(registration=second)
    third.refresh_from_db()
    assert waitlist_rank(registration=third) == 1
    assert registration_by_reference(ceremony=ceremony, reference=first.reference) == first
    other = make_ceremony()
    assert registration_by_reference(ceremony=other, reference=first.reference) is None
    assert list(ceremonies_with_personal_data().filter(pk=ceremony.pk)) == [ceremony]


def test_end_of_a_ceremony_is_the_latest_page_end_or_the_closing_time(make_ceremony):
    ceremony = make_ceremony()
    page = CeremonyPage.objects.get(registration=ceremony)
    assert ceremony_ends_at(ceremony=ceremony) == page.starts_at  # no end: the start
    CeremonyPage.objects.filter(pk=page.pk).update(registration=None)
    assert ceremony_ends_at(ceremony=ceremony) == ceremony.closes_at
