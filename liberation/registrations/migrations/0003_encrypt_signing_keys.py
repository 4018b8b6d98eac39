"""Encrypt the badge signing keys stored raw before (see gate.keys.private_key_encrypt).

A raw key is exactly 32 bytes; an encrypted one (a Fernet token) is longer, so each
direction converts only the rows still in the other form and can run again safely.
The reverse decrypts with the current secret or a fallback.

The crypto is the gate's (gate/keys.py; registrations/badges.py when this was written),
imported at run time: these functions must write exactly what the reader reads.
"""

from django.db import migrations


def encrypt_raw_keys(apps, schema_editor):
    from liberation.gate.keys import RAW_PRIVATE_KEY_BYTES, private_key_encrypt

    SigningKey = apps.get_model("registrations", "SigningKey")
    alias = schema_editor.connection.alias
    for key in SigningKey.objects.using(alias).order_by("pk"):
        stored = bytes(key.private_key)
        if len(stored) == RAW_PRIVATE_KEY_BYTES:
            key.private_key = private_key_encrypt(stored)
            key.save(update_fields=["private_key"])


def decrypt_keys(apps, schema_editor):
    from liberation.gate.keys import RAW_PRIVATE_KEY_BYTES, private_key_decrypt

    SigningKey = apps.get_model("registrations", "SigningKey")
    alias = schema_editor.connection.alias
    for key in SigningKey.objects.using(alias).order_by("pk"):
        stored = bytes(key.private_key)
        if len(stored) != RAW_PRIVATE_KEY_BYTES:
            key.private_key = private_key_decrypt(stored)
            key.save(update_fields=["private_key"])


class Migration(migrations.Migration):

    dependencies = [
        ("registrations", "0002_registration_badge_revoked_at_auditlog_checkin_and_more"),
    ]

    operations = [
        migrations.RunPython(encrypt_raw_keys, decrypt_keys),
    ]
