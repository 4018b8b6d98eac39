"""The registration rules, one by one: capacity, duplicates, waiting list, draw."""

import datetime as dt

import pytest
from django.db import IntegrityError
from django.utils import timezone

from liberation.events.models import RegistrationSettings
from liberation.mail.delivery import message_body
from liberation.mail.models import OutboxMessage
from liberation.registrations import emails
from liberation.registrations.emails import Kind
from liberation.registrations.models import DrawLog, Registration
from liberation.registrations.services import (
    Person,
    RegistrationError,
    RegistrationRequest,
    companions_update,
    draw_run,
    management_token,
    offer_accept,
    offers_expire,
    registration_cancel,
    registration_create,
    registration_for_token,
    screening_decide,
)

S = Registration.Status


def request(n: int, companions: int = 0, **kwargs) -> RegistrationRequest:
    return RegistrationRequest(
        email=f"person{n}@example.org",
        registrant=Person(given_name=f"Jeanne{n}", surname="Martin"),
        companions=[Person(given_name=f"C{i}", surname="Martin") for i in range(companions)],
        **kwargs,
    )


def seats(ceremony) -> int:
    ceremony.refresh_from_db()
    return ceremony.seats_taken


def test_confirms_until_full_then_refuses(make_ceremony):
    ceremony = make_ceremony(capacity=3)
    first = registration_create(ceremony=ceremony, request=request(1, companions=1))
    assert first.registration.status == S.CONFIRMED and first.registration.seats == 2
    registration_create(ceremony=ceremony, request=request(2))
    with pytest.raises(RegistrationError) as error:
        registration_create(ceremony=ceremony, request=request(3))
    assert error.value.code == "full"
    assert seats(ceremony) == 3
    assert Registration.objects.count() == 2


def test_group_larger_than_seats_left_is_refused(make_ceremony):
    ceremony = make_ceremony(capacity=3)
    registration_create(ceremony=ceremony, request=request(1, companions=1))
    with pytest.raises(RegistrationError, match="full"):
        registration_create(ceremony=ceremony, request=request(2, companions=1))
    assert seats(ceremony) == 2


def test_one_registration_per_email_case_insensitive(make_ceremony):
    ceremony = make_ceremony()
    registration_create(ceremony=ceremony, request=request(1))
    again = RegistrationRequest(
        email=" PERSON1@Example.org ", registrant=Person(given_name="X", surname="Y")
    )
    with pytest.raises(RegistrationError, match="already_registered"):
        registration_create(ceremony=ceremony, request=again)


def test_one_registration_per_identity_when_screened(make_ceremony):
    ceremony = make_ceremony(screening_required=True, ask_birth_date=True)
    born = dt.date(1950, 5, 8)
    registration_create(
        ceremony=ceremony,
        request=RegistrationRequest(
            email="a@example.org",
            registrant=Person(given_name="Hélène", surname="Durand", birth_date=born),
        ),
    )
    with pytest.raises(RegistrationError, match="already_registered"):
        registration_create(
            ceremony=ceremony,
            request=RegistrationRequest(
                email="b@example.org",
                registrant=Person(given_name="helene", surname=" DURAND", birth_date=born),
            ),
        )


def test_database_refuses_a_second_active_registration(make_ceremony):
    ceremony = make_ceremony()
    created = registration_create(ceremony=ceremony, request=request(1))
    duplicate = Registration(
        ceremony=ceremony,
        reference="ZZZZZZZZ",
        secret="x",
        email=created.registration.email,
        given_name="A",
        surname="B",
        status=S.WAITLISTED,
    )
    with pytest.raises(IntegrityError):
        duplicate.save()


def test_database_refuses_overselling(make_ceremony):
    ceremony = make_ceremony(capacity=2)
    with pytest.raises(IntegrityError):
        RegistrationSettings.objects.filter(pk=ceremony.pk).update(seats_taken=3)


def test_too_many_companions(make_ceremony):
    ceremony = make_ceremony(max_companions=1)
    with pytest.raises(RegistrationError, match="too_many_companions"):
        registration_create(ceremony=ceremony, request=request(1, companions=2))
    assert Registration.objects.count() == 0


@pytest.mark.parametrize(
    ("opens", "closes", "code"),
    [(1, 2, "not_open"), (-2, -1, "closed")],
)
def test_outside_the_window(make_ceremony, opens, closes, code):
    now = timezone.now()
    ceremony = make_ceremony(
        opens_at=now + dt.timedelta(hours=opens), closes_at=now + dt.timedelta(hours=closes)
    )
    with pytest.raises(RegistrationError) as error:
        registration_create(ceremony=ceremony, request=request(1))
    assert error.value.code == code
    assert Registration.objects.count() == 0 and OutboxMessage.objects.count() == 0


def test_confirmation_email_is_in_the_outbox_in_the_registrants_language(make_ceremony):
    ceremony = make_ceremony()
    created = registration_create(ceremony=ceremony, request=request(1, language="en"))
    message = emails.messages_of(created.registration).get()
    assert message.kind == Kind.CONFIRMATION
    assert message.to == "person1@example.org"
    assert message.body == ""  # written by the worker at delivery, from the registration
    body = message_body(message)
    assert f"/en/r/{created.token}/" in body
    assert "Arrivée à 16 h 30" in body


def test_management_token_opens_only_its_registration(make_ceremony):
    ceremony = make_ceremony()
    created = registration_create(ceremony=ceremony, request=request(1))
    assert registration_for_token(token=created.token) == created.registration
    assert created.token == management_token(created.registration)
    tampered = created.token[:-1] + ("0" if created.token[-1] != "0" else "1")
    for bad in (tampered, created.registration.reference, "", "x" * 500, "-"):
        assert registration_for_token(token=bad) is None


def test_waiting_list_gets_the_freed_seats_in_order(make_ceremony):
    ceremony = make_ceremony(capacity=2)
    first = registration_create(ceremony=ceremony, request=request(1, companions=1))
    w1 = registration_create(ceremony=ceremony, request=request(2, join_waitlist=True))
    w2 = registration_create(ceremony=ceremony, request=request(3, join_waitlist=True))
    assert [w1.registration.waitlist_position, w2.registration.waitlist_position] == [1, 2]
    registration_cancel(registration=first.registration)
    w1.registration.refresh_from_db()
    w2.registration.refresh_from_db()
    assert w1.registration.status == S.OFFERED and w2.registration.status == S.OFFERED
    assert seats(ceremony) == 2
    assert OutboxMessage.objects.filter(kind=Kind.OFFER).count() == 2
    offer_accept(registration=w1.registration)
    w1.registration.refresh_from_db()
    assert w1.registration.status == S.CONFIRMED


def test_waiting_list_keeps_its_order_for_groups(make_ceremony):
    ceremony = make_ceremony(capacity=2)
    single = registration_create(ceremony=ceremony, request=request(1))
    registration_create(ceremony=ceremony, request=request(2))
    group = registration_create(
        ceremony=ceremony, request=request(3, companions=1, join_waitlist=True)
    )
    later = registration_create(ceremony=ceremony, request=request(4, join_waitlist=True))
    registration_cancel(registration=single.registration)
    group.registration.refresh_from_db()
    later.registration.refresh_from_db()
    # One seat free, the group of two is first: nobody jumps the queue.
    assert group.registration.status == S.WAITLISTED
    assert later.registration.status == S.WAITLISTED
    assert seats(ceremony) == 1


def test_expired_offer_passes_to_the_next(make_ceremony):
    ceremony = make_ceremony(capacity=1, offer_hours=2)
    first = registration_create(ceremony=ceremony, request=request(1))
    w1 = registration_create(ceremony=ceremony, request=request(2, join_waitlist=True))
    w2 = registration_create(ceremony=ceremony, request=request(3, join_waitlist=True))
    registration_cancel(registration=first.registration)
    assert offers_expire(now=timezone.now() + dt.timedelta(hours=1)) == 0
    assert offers_expire(now=timezone.now() + dt.timedelta(hours=3)) == 1
    w1.registration.refresh_from_db()
    w2.registration.refresh_from_db()
    assert w1.registration.status == S.EXPIRED
    assert w2.registration.status == S.OFFERED
    assert seats(ceremony) == 1
    with pytest.raises(RegistrationError, match="no_offer"):
        offer_accept(registration=w1.registration)


def test_cancel_twice_is_refused(make_ceremony):
    ceremony = make_ceremony()
    created = registration_create(ceremony=ceremony, request=request(1))
    registration_cancel(registration=created.registration)
    with pytest.raises(RegistrationError, match="not_active"):
        registration_cancel(registration=created.registration)
    assert seats(ceremony) == 0
    # Once cancelled, the same person may register again.
    registration_create(ceremony=ceremony, request=request(1))


def test_companions_change_within_capacity(make_ceremony):
    ceremony = make_ceremony(capacity=3, max_companions=2)
    created = registration_create(ceremony=ceremony, request=request(1))
    registration_create(ceremony=ceremony, request=request(2))
    companions = [Person(given_name="Paul", surname="Martin")]
    companions_update(registration=created.registration, companions=companions)
    assert seats(ceremony) == 3
    with pytest.raises(RegistrationError, match="full"):
        companions_update(registration=created.registration, companions=companions * 2)
    companions_update(registration=created.registration, companions=[])
    assert seats(ceremony) == 2
    assert created.registration.companions.count() == 0


def _closed_draw(make_ceremony, capacity):
    ceremony = make_ceremony(capacity=capacity, mode="draw")
    for n in range(6):
        registration_create(ceremony=ceremony, request=request(n))
    RegistrationSettings.objects.filter(pk=ceremony.pk).update(
        closes_at=timezone.now() - dt.timedelta(minutes=1)
    )
    ceremony.refresh_from_db()
    return ceremony


def test_draw_is_reproducible_and_logged(make_ceremony):
    ceremony = _closed_draw(make_ceremony, capacity=4)
    assert set(Registration.objects.values_list("status", flat=True)) == {S.APPLIED}
    assert seats(ceremony) == 0
    log = draw_run(ceremony=ceremony, seed="graine-1945", performed_by="staff")
    assert (log.confirmed, log.waitlisted) == (4, 2)
    assert seats(ceremony) == 4
    drawn = log.drawn_order
    confirmed = set(
        Registration.objects.filter(status=S.CONFIRMED).values_list("reference", flat=True)
    )
    assert confirmed == set(drawn[:4])
    waitlisted = Registration.objects.filter(status=S.WAITLISTED).order_by("waitlist_position")
    assert [r.reference for r in waitlisted] == drawn[4:]
    # Same seed, same applications (in the same primary-key order): same result.
    import random

    applications = sorted(Registration.objects.all(), key=lambda r: r.pk)
    random.Random("graine-1945").shuffle(applications)
    assert [r.reference for r in applications] == drawn
    with pytest.raises(RegistrationError, match="already_drawn"):
        draw_run(ceremony=ceremony, seed="autre")
    assert DrawLog.objects.count() == 1


def test_draw_refused_while_open(make_ceremony):
    ceremony = make_ceremony(mode="draw")
    with pytest.raises(RegistrationError, match="still_open"):
        draw_run(ceremony=ceremony)


def test_screening_refusal_frees_the_seats(make_ceremony):
    ceremony = make_ceremony(capacity=1, screening_required=True)
    first = registration_create(ceremony=ceremony, request=request(1))
    waiting = registration_create(ceremony=ceremony, request=request(2, join_waitlist=True))
    assert first.registration.screening == Registration.Screening.PENDING
    screening_decide(registration=first.registration, approved=False)
    first.registration.refresh_from_db()
    waiting.registration.refresh_from_db()
    assert first.registration.status == S.REFUSED
    assert waiting.registration.status == S.OFFERED
    refusal = emails.messages_of(first.registration).last()
    assert refusal.kind == Kind.CANCELLATION
    screening_decide(registration=waiting.registration, approved=True)
    waiting.registration.refresh_from_db()
    assert waiting.registration.screening == Registration.Screening.APPROVED


def test_no_cancellation_or_change_after_the_ceremony(make_ceremony):
    ceremony = make_ceremony(capacity=2)
    created = registration_create(ceremony=ceremony, request=request(1))
    waiting = registration_create(
        ceremony=ceremony, request=request(2, companions=1, join_waitlist=True)
    )
    after = timezone.now() + dt.timedelta(days=11)  # the fixture's ceremony is in 10 days
    with pytest.raises(RegistrationError, match="past"):
        registration_cancel(registration=created.registration, now=after)
    with pytest.raises(RegistrationError, match="past"):
        companions_update(registration=created.registration, companions=[], now=after)
    waiting.registration.refresh_from_db()
    assert waiting.registration.status == S.WAITLISTED
    assert seats(ceremony) == 1


# -- the fast path: prepared outside, written in one short transaction -------------------


def _statements(captured) -> list[str]:
    return [q["sql"].split()[0].upper() for q in captured]


def test_registration_writes_only_and_takes_the_seats_last(make_ceremony, monkeypatch):
    """Reads, the email's subject and the page lookup happen before the transaction:
    inside it, the registration and its email are inserted, then the seats are taken by
    one conditional UPDATE (which holds the ceremony row's lock until the commit). This
    is the path with companions on PostgreSQL, and every path on SQLite."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from liberation.registrations import fastpath
    from liberation.registrations.emails import ceremony_page_for

    monkeypatch.setattr(fastpath, "ONE_STATEMENT", False)
    ceremony = make_ceremony(capacity=3)
    probe = Registration(ceremony=ceremony, language="fr")
    page = ceremony_page_for(probe)
    with CaptureQueriesContext(connection) as captured:
        created = registration_create(ceremony=ceremony, request=request(1), page=page)
    statements = [s for s in _statements(captured) if s not in ("SAVEPOINT", "RELEASE")]
    assert statements == ["INSERT", "INSERT", "UPDATE"], captured.captured_queries
    last = captured.captured_queries[-2]["sql"]  # before RELEASE SAVEPOINT
    assert last.startswith('UPDATE "events_registrationsettings"') and "capacity" in last
    assert created.registration.status == S.CONFIRMED
    stored = Registration.objects.get()  # SQLite writes it with a prepared INSERT
    assert stored.pk == created.registration.pk
    assert (stored.reference, stored.secret, stored.email, stored.given_name) == (
        created.registration.reference,
        created.registration.secret,
        "person1@example.org",
        "Jeanne1",
    )
    assert (stored.status, stored.seats, stored.language, stored.identity_key) == (
        S.CONFIRMED,
        1,
        "fr",
        None,
    )
    assert stored.created_at is not None and stored.updated_at is not None
    message = OutboxMessage.objects.get()
    assert message.kind == Kind.CONFIRMATION and message.object_id == stored.pk
    assert message.attempts == 0 and message.sent_at is None and message.created_at is not None
    assert page.title in message.subject and created.token in message_body(message)
    assert seats(ceremony) == 1


postgres_only = pytest.mark.skipif(
    __import__("django.db").db.connection.vendor != "postgresql", reason="needs PostgreSQL"
)


@postgres_only
def test_postgresql_registers_in_one_statement(make_ceremony):
    """Without companions, PostgreSQL takes the seats and inserts the registration and
    its email in one statement: the same rows as the ORM would write."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from liberation.registrations.emails import ceremony_page_for

    ceremony = make_ceremony(capacity=3)
    page = ceremony_page_for(Registration(ceremony=ceremony, language="fr"))
    with CaptureQueriesContext(connection) as captured:
        created = registration_create(ceremony=ceremony, request=request(1), page=page)
    statements = [s for s in _statements(captured) if s not in ("SAVEPOINT", "RELEASE")]
    assert statements == ["WITH"], captured.captured_queries
    [sql] = [q["sql"] for q in captured if q["sql"].startswith("WITH")]
    assert sql.startswith('WITH seat AS (UPDATE "events_registrationsettings"')
    stored = Registration.objects.get()
    assert stored.pk == created.registration.pk
    assert (stored.reference, stored.secret) == (
        created.registration.reference,
        created.registration.secret,
    )
    assert (stored.email, stored.given_name, stored.status, stored.seats, stored.language) == (
        "person1@example.org",
        "Jeanne1",
        S.CONFIRMED,
        1,
        "fr",
    )
    assert stored.created_at is not None and stored.screening == stored.Screening.NOT_REQUIRED
    message = OutboxMessage.objects.get()
    assert message.object_id == stored.pk and message.to == stored.email
    assert message.body == "" and page.title in message.subject and message.attempts == 0
    assert created.token in message_body(message)
    assert seats(ceremony) == 1
    # The same person again, seats free: the unique constraint undoes the whole
    # statement, the seat it took included.
    with pytest.raises(RegistrationError, match="already_registered"):
        registration_create(ceremony=ceremony, request=request(1), page=page)
    assert seats(ceremony) == 1 and Registration.objects.count() == 1
    # Full: nothing written, the request is decided on a fresh read.
    for n in (2, 3):
        registration_create(ceremony=ceremony, request=request(n), page=page)
    ceremony.seats_taken = 0  # a stale copy: the statement runs and takes nothing
    with pytest.raises(RegistrationError, match="full"):
        registration_create(ceremony=ceremony, request=request(4), page=page)
    assert Registration.objects.count() == 3 == OutboxMessage.objects.count()
    assert seats(ceremony) == 3


def test_a_stale_ceremony_only_chooses_the_path(make_ceremony):
    """Every decision is taken on the database's row, not on the caller's copy."""
    ceremony = make_ceremony(capacity=1)
    stale = RegistrationSettings.objects.get(pk=ceremony.pk)
    registration_create(ceremony=ceremony, request=request(1))
    # The copy says one seat is free: the conditional update refuses, the fresh read says full.
    with pytest.raises(RegistrationError, match="full"):
        registration_create(ceremony=stale, request=request(2))
    # The copy says full, but a cancellation freed the seat meanwhile: confirmed.
    registration_cancel(registration=Registration.objects.get())
    full_copy = RegistrationSettings.objects.get(pk=ceremony.pk)
    full_copy.seats_taken = full_copy.capacity
    created = registration_create(ceremony=full_copy, request=request(3))
    assert created.registration.status == S.CONFIRMED
    assert seats(ceremony) == 1


def test_settings_changed_since_the_read_are_those_applied(make_ceremony):
    ceremony = make_ceremony(capacity=5)
    stale = RegistrationSettings.objects.get(pk=ceremony.pk)
    RegistrationSettings.objects.filter(pk=ceremony.pk).update(
        screening_required=True, mode=RegistrationSettings.Mode.DRAW
    )
    created = registration_create(ceremony=stale, request=request(1))
    assert created.registration.status == S.APPLIED
    assert created.registration.screening == Registration.Screening.PENDING
    assert seats(ceremony) == 0
    closed = RegistrationSettings.objects.get(pk=ceremony.pk)
    RegistrationSettings.objects.filter(pk=ceremony.pk).update(
        closes_at=timezone.now() - dt.timedelta(minutes=1),
        opens_at=timezone.now() - dt.timedelta(hours=1),
    )
    with pytest.raises(RegistrationError, match="closed"):
        registration_create(ceremony=closed, request=request(2))


def test_identity_fields_asked_since_the_read_refuse_the_request(make_ceremony):
    """A request validated without the date of birth is not written once the ceremony
    asks for it: refused with "form_changed", nothing written, no seat taken (fast path:
    the conditional update compares the fields asked; then the fresh read)."""
    ceremony = make_ceremony(capacity=5)
    stale = RegistrationSettings.objects.get(pk=ceremony.pk)
    RegistrationSettings.objects.filter(pk=ceremony.pk).update(ask_birth_date=True)
    with pytest.raises(RegistrationError, match="form_changed"):
        registration_create(ceremony=stale, request=request(1))
    assert Registration.objects.count() == 0 == OutboxMessage.objects.count()
    assert seats(ceremony) == 0
    # Validated against the row as it is now: accepted.
    fresh = RegistrationSettings.objects.get(pk=ceremony.pk)
    person = Person(given_name="Jeanne", surname="Martin", birth_date=dt.date(1950, 5, 8))
    created = registration_create(
        ceremony=fresh, request=RegistrationRequest(email="j@example.org", registrant=person)
    )
    assert created.registration.status == S.CONFIRMED and seats(ceremony) == 1


def test_identity_fields_asked_since_the_read_refuse_the_waiting_list(make_ceremony):
    """The same on the locked path (a full ceremony, the waiting list asked)."""
    ceremony = make_ceremony(capacity=1)
    registration_create(ceremony=ceremony, request=request(1))
    stale = RegistrationSettings.objects.get(pk=ceremony.pk)
    RegistrationSettings.objects.filter(pk=ceremony.pk).update(ask_nationality=True)
    with pytest.raises(RegistrationError, match="form_changed"):
        registration_create(ceremony=stale, request=request(2, join_waitlist=True))
    assert Registration.objects.count() == 1


def test_already_registered_comes_before_full(make_ceremony):
    ceremony = make_ceremony(capacity=1)
    registration_create(ceremony=ceremony, request=request(1))
    with pytest.raises(RegistrationError, match="already_registered"):
        registration_create(ceremony=ceremony, request=request(1))
    with pytest.raises(RegistrationError, match="full"):
        registration_create(ceremony=ceremony, request=request(2))


def test_already_registered_by_identity_comes_before_full_when_screened(make_ceremony):
    """The refusal's one query (`_fresh_and_registered`) finds the person by identity
    where the ceremony screens, by email always, and only among active registrations."""
    ceremony = make_ceremony(capacity=1, screening_required=True, ask_birth_date=True)
    born = dt.date(1950, 5, 8)

    def asking(email: str, given_name: str) -> RegistrationRequest:
        person = Person(given_name=given_name, surname="Durand", birth_date=born)
        return RegistrationRequest(email=email, registrant=person)

    registration_create(ceremony=ceremony, request=asking("a@example.org", "Hélène"))
    with pytest.raises(RegistrationError, match="already_registered"):
        registration_create(ceremony=ceremony, request=asking("b@example.org", "helene"))
    with pytest.raises(RegistrationError, match="full"):
        registration_create(ceremony=ceremony, request=asking("c@example.org", "Paul"))
    RegistrationSettings.objects.filter(pk=ceremony.pk).update(screening_required=False)
    Registration.objects.update(identity_key=f"durand|helene|{born.isoformat()}")
    ceremony.refresh_from_db()
    with pytest.raises(RegistrationError, match="full"):  # not screened: the email only
        registration_create(ceremony=ceremony, request=asking("b@example.org", "helene"))


def test_a_cancelled_registration_is_not_already_registered_when_full(make_ceremony):
    ceremony = make_ceremony(capacity=2)  # the update below leaves its seat taken
    first = registration_create(ceremony=ceremony, request=request(1))
    Registration.objects.filter(pk=first.registration.pk).update(status=S.CANCELLED)
    registration_create(ceremony=ceremony, request=request(2))
    with pytest.raises(RegistrationError, match="full"):
        registration_create(ceremony=ceremony, request=request(1))


def test_a_refusal_after_a_sell_out_costs_one_query(make_ceremony):
    """The settings as they are now and the person's active registration, read together."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    ceremony = make_ceremony(capacity=1)
    registration_create(ceremony=ceremony, request=request(1))
    ceremony.refresh_from_db()  # as the view reads it: full, so no seat is tried
    for person, code in ((1, "already_registered"), (2, "full")):
        with (
            CaptureQueriesContext(connection) as captured,
            pytest.raises(RegistrationError, match=code),
        ):
            registration_create(ceremony=ceremony, request=request(person))
        assert len(captured.captured_queries) == 1, captured.captured_queries


def test_a_deleted_ceremony_is_not_found_by_the_refusal_path(make_ceremony):
    ceremony = make_ceremony(capacity=1)
    RegistrationSettings.objects.filter(pk=ceremony.pk).delete()
    ceremony.seats_taken = 1  # as read before: full, the refusal path reads it again
    with pytest.raises(RegistrationSettings.DoesNotExist):
        registration_create(ceremony=ceremony, request=request(2))


def test_waiting_list_and_draw_through_the_fast_and_locked_paths(make_ceremony):
    ceremony = make_ceremony(capacity=1)
    registration_create(ceremony=ceremony, request=request(1))
    waiting = registration_create(ceremony=ceremony, request=request(2, join_waitlist=True))
    second = registration_create(ceremony=ceremony, request=request(3, join_waitlist=True))
    assert waiting.registration.status == S.WAITLISTED
    assert (waiting.registration.waitlist_position, second.registration.waitlist_position) == (
        1,
        2,
    )
    kinds = list(OutboxMessage.objects.order_by("pk").values_list("kind", flat=True))
    assert kinds == ["confirmation", "waitlist", "waitlist"]
    draw = make_ceremony(capacity=1, mode="draw")
    applied = [registration_create(ceremony=draw, request=request(n)) for n in (4, 5)]
    assert {a.registration.status for a in applied} == {S.APPLIED}
    assert seats(draw) == 0
