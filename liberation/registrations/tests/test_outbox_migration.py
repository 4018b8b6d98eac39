"""Migrations 0004/0005: the outbox rows move to the mail app, nothing lost, and back."""

import datetime as dt

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from liberation.events.models import RegistrationSettings
from liberation.mail.models import OutboxMessage
from liberation.registrations.models import Registration

BEFORE = [("registrations", "0003_encrypt_signing_keys")]
T0 = timezone.now().replace(microsecond=0)

KEPT = (
    "kind",
    "to",
    "subject",
    "body",
    "created_at",
    "attempts",
    "claimed_at",
    "next_attempt_at",
    "sent_at",
    "last_error",
)


def migrate(targets) -> MigrationExecutor:
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    executor.loader.build_graph()  # what is applied now
    return executor


def latest():
    return MigrationExecutor(connection).loader.graph.leaf_nodes()


def registration(ceremony, n: int, language: str) -> Registration:
    return Registration.objects.create(
        ceremony=ceremony,
        reference=f"REF{n}",
        secret="s",
        language=language,
        email=f"p{n}@example.org",
        given_name="Jeanne",
        surname="Martin",
        status=Registration.Status.CONFIRMED,
    )


@pytest.mark.django_db(transaction=True)
def test_the_outbox_rows_move_to_the_mail_app_and_back():
    try:
        old_apps = migrate(BEFORE).loader.project_state(BEFORE).apps
        Old = old_apps.get_model("registrations", "OutboxMessage")
        ceremony = RegistrationSettings.objects.create(
            name="migrated", capacity=5, opens_at=T0, closes_at=T0 + dt.timedelta(days=1)
        )
        french, english = registration(ceremony, 1, "fr"), registration(ceremony, 2, "en")
        rows = [
            # Sent: body blanked.
            {"registration_id": french.pk, "kind": "confirmation", "sent_at": T0, "attempts": 1},
            # Waiting for its retry.
            {
                "registration_id": english.pk,
                "kind": "offer",
                "attempts": 3,
                "next_attempt_at": T0 + dt.timedelta(minutes=2),
                "last_error": "ConnectionRefusedError: [Errno 111]",
            },
            # In doubt: claimed, never confirmed sent.
            {
                "registration_id": english.pk,
                "kind": "reminder",
                "attempts": 1,
                "claimed_at": T0,
                "last_error": "In doubt: connection lost after the body was sent",
            },
            # A staff message, its text stored; then one without a registration.
            {"registration_id": french.pk, "kind": "message", "body": "Arrivée à 16 h."},
            {"registration_id": None, "kind": "confirmation", "attempts": 12},
        ]
        for n, row in enumerate(rows):
            Old.objects.create(to=f"to{n}@example.org", subject=f"Sujet {n}", **row)
        # created_at is auto_now_add: set it apart to see it kept.
        Old.objects.update(created_at=T0 - dt.timedelta(days=1))
        before = {m.pk: m for m in Old.objects.all()}

        migrate(latest())

        after = {m.pk: m for m in OutboxMessage.objects.all()}
        assert after.keys() == before.keys()  # the same ids: the same Message-IDs
        for pk, old in before.items():
            new = after[pk]
            assert {name: getattr(new, name) for name in KEPT} == {
                name: getattr(old, name) for name in KEPT
            }
            assert (new.source, new.object_id, new.headers) == (
                "registrations",
                old.registration_id,
                {},
            )
        assert [after[pk].language for pk in sorted(after)] == ["fr", "en", "en", "fr", "fr"]
        assert "registrations_outboxmessage" not in connection.introspection.table_names()
        # The next message gets a fresh id (PostgreSQL's sequence moved past them).
        fresh = OutboxMessage.objects.create(
            source="other", kind="k", to="x@example.org", language="fr", subject="S"
        )
        assert fresh.pk > max(before)

        # And back: the rows of source "registrations" return, the others stay.
        old_apps = migrate(BEFORE).loader.project_state(BEFORE).apps
        Old = old_apps.get_model("registrations", "OutboxMessage")
        back = {m.pk: m for m in Old.objects.all()}
        assert back.keys() == before.keys()
        for pk, old in before.items():
            assert {name: getattr(back[pk], name) for name in (*KEPT, "registration_id")} == {
                name: getattr(old, name) for name in (*KEPT, "registration_id")
            }
        assert list(OutboxMessage.objects.values_list("pk", flat=True)) == [fresh.pk]
    finally:
        migrate(latest())
