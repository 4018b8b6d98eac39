"""Badge signing keys encrypted at rest: storage, secret rotation, the migration."""

import base64
import importlib
import logging
from io import StringIO
from types import SimpleNamespace

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.core.exceptions import ImproperlyConfigured
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import override_settings

from liberation.gate import badges, keys
from liberation.gate.models import SigningKey
from liberation.registrations.services import (
    Person,
    RegistrationRequest,
    management_token,
    registration_create,
)

migration = importlib.import_module("liberation.registrations.migrations.0003_encrypt_signing_keys")


def register(ceremony):
    return registration_create(
        ceremony=ceremony,
        request=RegistrationRequest(
            email="jeanne@example.org", registrant=Person(given_name="Jeanne", surname="Moulin")
        ),
    ).registration


def raw_private(key: Ed25519PrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )


def stored(ceremony) -> bytes:
    return bytes(SigningKey.objects.get(ceremony=ceremony).private_key)


@override_settings(BADGE_KEY_SECRET="current-secret", BADGE_KEY_SECRET_FALLBACKS=[])
def test_the_stored_private_key_is_encrypted_and_still_signs(make_ceremony):
    ceremony = make_ceremony()
    registration = register(ceremony)
    token = badges.badge_token(registration)  # creates the key
    private = keys.private_key(ceremony)
    raw = raw_private(private)
    value = stored(ceremony)
    assert len(value) > 32
    assert raw not in value and value != raw
    # Not a reversible encoding of it either: without the secret, no key.
    assert base64.b64encode(raw) not in value and base64.urlsafe_b64encode(raw) not in value
    assert keys.private_key_decrypt(value) == raw
    # The public key stays in clear and matches; signing and checking work.
    assert private.public_key().public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw
    ) == keys.public_key_bytes(ceremony)
    assert badges.badge_verify(token, ceremony=ceremony).reference == registration.reference
    envelope = badges.revocation_list(ceremony)
    assert badges.signed_document_verify(ceremony, envelope)["kind"] == "revocations"


@override_settings(BADGE_KEY_SECRET="", BADGE_KEY_SECRET_FALLBACKS=[], SECRET_KEY="site-key")
def test_without_a_badge_secret_the_key_is_derived_from_secret_key(make_ceremony):
    ceremony = make_ceremony()
    keys.signing_key_for(ceremony)
    value = stored(ceremony)
    assert keys.private_key_decrypt(value, secrets=["site-key"])
    with pytest.raises(keys.SigningKeyUnreadable):
        keys.private_key_decrypt(value, secrets=["something-else"])
    # Rotating SECRET_KEY the Django way keeps the badge keys readable.
    with override_settings(SECRET_KEY="new-site-key", SECRET_KEY_FALLBACKS=["site-key"]):
        assert keys.key_secrets() == ["new-site-key", "site-key"]
        keys.private_key(ceremony)


def test_a_different_derivation_per_secret():
    raw = b"k" * 32
    with override_settings(BADGE_KEY_SECRET="one"):
        one = keys.private_key_encrypt(raw)
    assert keys.private_key_decrypt(one, secrets=["one"]) == raw
    with pytest.raises(keys.SigningKeyUnreadable):
        keys.private_key_decrypt(one, secrets=["two"])
    with pytest.raises(ValueError):
        keys.private_key_encrypt(b"short", secret="one")


def test_rotation_with_a_fallback_secret_and_the_command(make_ceremony):
    first, second = make_ceremony(), make_ceremony()
    with override_settings(BADGE_KEY_SECRET="old-secret", BADGE_KEY_SECRET_FALLBACKS=[]):
        old_token = badges.badge_token(register(first))
        keys.signing_key_for(second)
        public = keys.public_key_bytes(first)
    before = stored(first)

    with override_settings(
        BADGE_KEY_SECRET="new-secret", BADGE_KEY_SECRET_FALLBACKS=["old-secret"]
    ):
        # Still readable through the fallback, before any rotation.
        badges.revocation_list(first)
        assert keys.private_key_needs_rotation(stored(first))
        out = StringIO()
        call_command("rotate_badge_keys", stdout=out)
        assert "re-encrypted 2 badge signing key(s)" in out.getvalue()
        assert stored(first) != before
        assert not keys.private_key_needs_rotation(stored(first))
        # Idempotent: nothing left to do.
        rotated = stored(first)
        out = StringIO()
        call_command("rotate_badge_keys", stdout=out)
        assert "re-encrypted 0 badge signing key(s)" in out.getvalue()
        assert stored(first) == rotated

    # The old secret can go: the key (hence every badge already sent) is unchanged.
    with override_settings(BADGE_KEY_SECRET="new-secret", BADGE_KEY_SECRET_FALLBACKS=[]):
        assert keys.public_key_bytes(first) == public
        assert badges.badge_verify(old_token, ceremony=first)
        new_token = badges.badge_token(first.registrations.get())
        assert badges.badge_verify(new_token, ceremony=first)
    with pytest.raises(keys.SigningKeyUnreadable):
        keys.private_key_decrypt(rotated, secrets=["old-secret"])


def test_a_key_no_secret_decrypts_is_a_clear_error(make_ceremony, caplog):
    ceremony = make_ceremony()
    registration = register(ceremony)
    with override_settings(BADGE_KEY_SECRET="lost-secret", BADGE_KEY_SECRET_FALLBACKS=[]):
        printed = badges.badge_token(registration)
    with (
        override_settings(BADGE_KEY_SECRET="other", BADGE_KEY_SECRET_FALLBACKS=["another"]),
        caplog.at_level(logging.ERROR, logger="liberation.gate.keys"),
    ):
        with pytest.raises(keys.SigningKeyUnreadable) as error:
            badges.badge_token(registration)
        assert isinstance(error.value, ImproperlyConfigured)
        assert "BADGE_KEY_SECRET_FALLBACKS" in str(error.value)
        assert f"ceremony {ceremony.pk} is unreadable" in caplog.text
        with pytest.raises(keys.SigningKeyUnreadable):
            badges.attendee_list(ceremony)
        # Checking needs the public key only: badges already sent still pass the gates.
        assert badges.badge_verify(printed, ceremony=ceremony).reference == registration.reference


def test_the_badge_page_answers_500_when_the_key_is_unreadable(client, make_ceremony):
    """The server's configuration is at fault, not the registrant: the site's 500 page
    (never a badge signed with some other key, never a 403 that blames the visitor)."""
    ceremony = make_ceremony()
    registration = register(ceremony)
    token = management_token(registration)
    with override_settings(BADGE_KEY_SECRET="lost-secret", BADGE_KEY_SECRET_FALLBACKS=[]):
        assert client.get(f"/en/r/{token}/badge/").status_code == 200
    client.raise_request_exception = False
    with override_settings(BADGE_KEY_SECRET="other", BADGE_KEY_SECRET_FALLBACKS=[]):
        response = client.get(f"/en/r/{token}/badge/")
        assert response.status_code == 500
        assert "Error 500" in response.content.decode()
        assert client.get(f"/en/r/{token}/badge.pdf").status_code == 500


def test_the_command_stops_with_nothing_changed_when_a_key_is_unreadable(make_ceremony):
    readable, lost = make_ceremony(), make_ceremony()
    with override_settings(BADGE_KEY_SECRET="old-secret", BADGE_KEY_SECRET_FALLBACKS=[]):
        keys.signing_key_for(readable)
    with override_settings(BADGE_KEY_SECRET="lost-secret", BADGE_KEY_SECRET_FALLBACKS=[]):
        keys.signing_key_for(lost)
    before = {key.pk: bytes(key.private_key) for key in SigningKey.objects.all()}
    with (
        override_settings(BADGE_KEY_SECRET="new-secret", BADGE_KEY_SECRET_FALLBACKS=["old-secret"]),
        pytest.raises(CommandError, match="Nothing was changed"),
    ):
        call_command("rotate_badge_keys", stdout=StringIO())
    assert {key.pk: bytes(key.private_key) for key in SigningKey.objects.all()} == before


def test_the_migration_encrypts_raw_keys_and_the_reverse_decrypts_them(make_ceremony):
    """Migration registrations.0003's functions, on today's table (the same columns;
    test_migrations.py runs them on a database migrated back to that time)."""
    raw = raw_private(Ed25519PrivateKey.generate())
    ceremony = make_ceremony()
    SigningKey.objects.create(ceremony=ceremony, private_key=raw, public_key=b"p" * 32)
    editor = SimpleNamespace(connection=connection)
    # What apps.get_model("registrations", "SigningKey") was then is the gate's now.
    apps = SimpleNamespace(get_model=lambda app_label, name: SigningKey)
    with override_settings(BADGE_KEY_SECRET="current-secret", BADGE_KEY_SECRET_FALLBACKS=[]):
        # The reader is strict: a key left raw is refused, not used.
        with pytest.raises(keys.SigningKeyUnreadable, match="unencrypted"):
            keys.private_key(ceremony)

        migration.encrypt_raw_keys(apps, editor)
        encrypted = stored(ceremony)
        assert len(encrypted) > 32 and raw not in encrypted
        assert raw_private(keys.private_key(ceremony)) == raw
        migration.encrypt_raw_keys(apps, editor)  # again: already encrypted, left alone
        assert stored(ceremony) == encrypted

        migration.decrypt_keys(apps, editor)
        assert stored(ceremony) == raw
