"""The gate's models moved from registrations with their rows: a database migrated back
to before the move, filled, then migrated forward (and back, and forward again).

Transactional (the migrations run for real, on SQLite and on PostgreSQL); the database
is migrated to the latest state again before the test ends.
"""

import datetime as dt

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test import override_settings
from django.utils import timezone

from liberation.gate import badges, keys
from liberation.gate.models import CheckIn, SigningKey
from liberation.registrations.models import Registration

# Before registrations.0003 (keys encrypted) and 0004 (the move).
BEFORE_ENCRYPTION = (
    "registrations",
    "0002_registration_badge_revoked_at_auditlog_checkin_and_more",
)


def migrate(*targets):
    """Migrate to `targets` (the latest state when none); the apps of the state reached."""
    executor = MigrationExecutor(connection)
    # ContentType's cache is left as it is: the content types keep their ids through
    # the move, and an emptied cache would make the next test's restore create some.
    return executor.migrate(list(targets) or executor.loader.graph.leaf_nodes()).apps


def tables() -> set[str]:
    with connection.cursor() as cursor:
        return set(connection.introspection.table_names(cursor))


def raw_key() -> tuple[bytes, bytes]:
    private = Ed25519PrivateKey.generate()
    raw = private.private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )
    public = private.public_key().public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw
    )
    return raw, public


def fill(apps) -> dict:
    """A ceremony with a registration, its key, its entry, and a group holding the
    check-in permission, written with the models of the state `apps` describes."""
    now = timezone.now()
    ceremony = apps.get_model("events", "RegistrationSettings").objects.create(
        name="8 mai", capacity=10, opens_at=now, closes_at=now + dt.timedelta(days=1)
    )
    registration = apps.get_model("registrations", "Registration").objects.create(
        ceremony=ceremony,
        reference="ABCD2345",
        secret="s" * 32,
        email="jeanne@example.org",
        given_name="Jeanne",
        surname="Moulin",
        status="confirmed",
    )
    raw, public = raw_key()
    apps.get_model("registrations", "SigningKey").objects.create(
        ceremony=ceremony, private_key=raw, public_key=public
    )
    apps.get_model("registrations", "CheckIn").objects.create(
        registration=registration, nonce="n" * 16, gate="B", scanned_at=now, staff="agent"
    )
    ContentTypeThen = apps.get_model("contenttypes", "ContentType")
    PermissionThen = apps.get_model("auth", "Permission")
    content_type, _ = ContentTypeThen.objects.get_or_create(
        app_label="registrations", model="checkin"
    )
    permission, _ = PermissionThen.objects.get_or_create(
        content_type=content_type, codename="add_checkin", defaults={"name": "Can add check in"}
    )
    group = apps.get_model("auth", "Group").objects.create(name="Porte B")
    group.permissions.add(permission)
    return {"ceremony": ceremony.pk, "raw": raw, "public": public, "at": now}


@pytest.mark.django_db(transaction=True)
@override_settings(BADGE_KEY_SECRET="current-secret", BADGE_KEY_SECRET_FALLBACKS=[])
def test_the_move_keeps_keys_entries_and_permissions_and_can_be_undone():
    try:
        # Back to before the encryption (0003) and the move (0004, gate.0001): the
        # gate's models are registrations' again, in registrations_* tables.
        then = migrate(("gate", None), BEFORE_ENCRYPTION)
        assert {"registrations_signingkey", "registrations_checkin"} <= tables()
        assert not {"gate_signingkey", "gate_checkin"} & tables()
        data = fill(then)

        migrate()  # forward: 0003 encrypts the key, 0004 and gate.0001 move the models

        assert {"gate_signingkey", "gate_checkin"} <= tables()
        assert not {"registrations_signingkey", "registrations_checkin"} & tables()
        key = SigningKey.objects.get(ceremony_id=data["ceremony"])
        assert bytes(key.public_key) == data["public"]
        stored = bytes(key.private_key)
        assert len(stored) > 32 and data["raw"] not in stored  # encrypted by 0003
        ceremony = key.ceremony
        assert (
            keys.private_key(ceremony).private_bytes(
                serialization.Encoding.Raw,
                serialization.PrivateFormat.Raw,
                serialization.NoEncryption(),
            )
            == data["raw"]
        )
        registration = Registration.objects.get(reference="ABCD2345")
        token = badges.badge_token(registration)  # signs with the moved key
        assert badges.badge_verify(token, ceremony=ceremony).reference == "ABCD2345"
        entry = CheckIn.objects.get()
        assert (entry.registration, entry.gate, entry.staff) == (registration, "B", "agent")
        assert registration.checkin == entry
        # The permission given to the group moved with its content type.
        assert not ContentType.objects.filter(app_label="registrations", model="checkin")
        assert "Porte B" in set(
            ContentType.objects.get(app_label="gate", model="checkin")
            .permission_set.get(codename="add_checkin")
            .group_set.values_list("name", flat=True)
        )
        # New rows in the renamed tables get new ids (the sequences followed).
        CheckIn.objects.all().delete()
        created = CheckIn.objects.create(
            registration=registration, nonce="m" * 16, scanned_at=timezone.now()
        )
        assert created.pk > entry.pk

        # Backward: the rows are registrations' again, the key decrypted by 0003's reverse.
        then = migrate(("gate", None), BEFORE_ENCRYPTION)
        assert {"registrations_signingkey", "registrations_checkin"} <= tables()
        old_key = then.get_model("registrations", "SigningKey").objects.get()
        assert bytes(old_key.private_key) == data["raw"]
        assert then.get_model("registrations", "CheckIn").objects.get().nonce == "m" * 16
        assert then.get_model("contenttypes", "ContentType").objects.filter(
            app_label="registrations", model="checkin"
        )
    finally:
        migrate()
    assert SigningKey.objects.count() == 1 and CheckIn.objects.count() == 1
