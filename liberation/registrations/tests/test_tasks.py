"""The scheduled work: reminders once only, the tick and its command, two ticks at once."""

import datetime as dt
import threading

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from liberation.events.models import CeremonyPage
from liberation.mail.delivery import message_body
from liberation.mail.models import OutboxMessage
from liberation.registrations import emails, tasks
from liberation.registrations.models import Registration
from liberation.registrations.services import (
    Person,
    RegistrationRequest,
    registration_cancel,
    registration_create,
)
from liberation.registrations.tasks import registrations_tick, reminders_send

REMINDER = emails.Kind.REMINDER


def register(ceremony, n: int, **kwargs) -> Registration:
    return registration_create(
        ceremony=ceremony,
        request=RegistrationRequest(
            email=f"person{n}@example.org",
            registrant=Person(given_name=f"Jeanne{n}", surname="Martin"),
            **kwargs,
        ),
    ).registration


def starting_in(ceremony, delta: dt.timedelta, now) -> None:
    CeremonyPage.objects.filter(registration=ceremony).update(starts_at=now + delta)


def test_one_reminder_per_confirmed_registration_once_only(make_ceremony):
    now = timezone.now()
    ceremony = make_ceremony(capacity=2)
    confirmed = [register(ceremony, 1), register(ceremony, 2, language="en")]
    register(ceremony, 3, join_waitlist=True)
    cancelled = register(make_ceremony(capacity=5), 4)
    registration_cancel(registration=cancelled)
    starting_in(ceremony, dt.timedelta(hours=30), now)
    starting_in(cancelled.ceremony, dt.timedelta(hours=30), now)

    assert reminders_send(now=now) == 2
    assert reminders_send(now=now) == 0
    assert reminders_send(now=now + dt.timedelta(hours=5)) == 0
    reminders = OutboxMessage.objects.filter(kind=REMINDER)
    assert sorted(m.object_id for m in reminders) == sorted(r.pk for r in confirmed)
    english = reminders.get(object_id=confirmed[1].pk)
    assert english.subject == f"Reminder: Cérémonie {ceremony.pk}"  # no English page
    body = message_body(english)
    assert "/en/r/" in body and "Arrivée à 16 h 30" in body


@pytest.mark.parametrize("hours", [2, 23, 48, 24 * 10, -3])
def test_no_reminder_outside_the_window(make_ceremony, hours):
    now = timezone.now()
    ceremony = make_ceremony()
    register(ceremony, 1)
    starting_in(ceremony, dt.timedelta(hours=hours), now)
    assert reminders_send(now=now) == 0


def test_a_registration_confirmed_later_gets_its_reminder(make_ceremony):
    now = timezone.now()
    ceremony = make_ceremony(capacity=5)
    register(ceremony, 1)
    starting_in(ceremony, dt.timedelta(hours=47), now)
    assert reminders_send(now=now) == 1
    register(ceremony, 2)
    assert reminders_send(now=now + dt.timedelta(hours=1)) == 1
    assert OutboxMessage.objects.filter(kind=REMINDER).count() == 2


def test_tick_expires_offers_reminds_and_delivers(make_ceremony):
    now = timezone.now()
    ceremony = make_ceremony(capacity=1, offer_hours=2)
    first = register(ceremony, 1)
    waiting = register(ceremony, 2, join_waitlist=True)
    registration_cancel(registration=first)
    waiting.refresh_from_db()
    assert waiting.status == Registration.Status.OFFERED
    starting_in(ceremony, dt.timedelta(hours=30), now + dt.timedelta(hours=3))

    report = registrations_tick(now=now + dt.timedelta(hours=3))
    assert report["offers_expired"] == 1
    assert report["reminders_queued"] == 0  # nobody is confirmed any more
    assert report["emails_sent"] == OutboxMessage.objects.count()
    assert OutboxMessage.objects.filter(sent_at__isnull=True).count() == 0
    # French registrants: French subjects.
    assert {m.subject.split(":")[0].strip() for m in mail.outbox} >= {
        "Inscription confirmée",
        "Une place est disponible",
        "Inscription annulée",
    }
    again = registrations_tick(now=now + dt.timedelta(hours=3))
    assert again == dict.fromkeys(again, 0)


def test_a_failing_step_does_not_stop_the_others(make_ceremony, monkeypatch):
    def broken(*, now):
        raise RuntimeError("boom")

    monkeypatch.setattr(tasks.privacy, "erase_expired_personal_data", broken)
    register(make_ceremony(), 1)
    report = registrations_tick()
    assert report["registrations_erased"] == -1
    assert report["emails_sent"] == 1


def test_command_is_quiet_when_idle_and_reports_work(make_ceremony, capsys):
    call_command("registrations_tick")
    assert capsys.readouterr().out == ""
    register(make_ceremony(), 1)
    call_command("registrations_tick")
    assert "emails_sent=1" in capsys.readouterr().out


@pytest.mark.django_db(transaction=True)
def test_two_ticks_at_the_same_time_send_one_reminder_each(make_ceremony):
    now = timezone.now()
    ceremony = make_ceremony(capacity=20)
    for n in range(8):
        register(ceremony, n)
    starting_in(ceremony, dt.timedelta(hours=30), now)
    barrier = threading.Barrier(3)
    results, errors = [], []

    def tick():
        try:
            barrier.wait()
            results.append(registrations_tick(now=now))
        except Exception as error:  # pragma: no cover (reported below)
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=tick) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert all(min(r.values()) >= 0 for r in results)
    assert sum(r["reminders_queued"] for r in results) == 8
    assert OutboxMessage.objects.filter(kind=REMINDER).count() == 8
    assert OutboxMessage.objects.filter(sent_at__isnull=True).count() == 0
    reminders_sent = [m for m in mail.outbox if m.subject.startswith("Rappel")]
    assert len(reminders_sent) == 8
