"""Move the outbox rows to the mail app's table (liberation.mail), without loss.

Each row keeps its id (hence its Message-ID, `<outbox-ID@domain>`, which staff look up
in the relay's log for a message in doubt), its kind, recipient, subject, body,
attempts, claim, schedule, sending time and error. The foreign key becomes the generic
reference `source="registrations"`, `object_id=registration_id`; the language, which
the worker used to read from the registration, is copied from it (the site's default
when the message had no registration). One INSERT … SELECT each way: no row goes
through Python. The reverse copies the rows of source "registrations" back.

The old table is dropped by the next migration, once this one has committed.
"""

from django.conf import settings
from django.core.management.color import no_style
from django.db import migrations

SOURCE = "registrations"
FIELDS = (
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


def _reset_sequence(schema_editor, model) -> None:
    """PostgreSQL: the id sequence past the copied ids (SQLite's AUTOINCREMENT follows
    explicit ids by itself)."""
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        for sql in connection.ops.sequence_reset_sql(no_style(), [model]):
            cursor.execute(sql)


def outbox_to_mail(apps, schema_editor):
    old = apps.get_model("registrations", "OutboxMessage")
    new = apps.get_model("mail", "OutboxMessage")
    registration = apps.get_model("registrations", "Registration")
    q = schema_editor.quote_name
    columns = ", ".join(q(name) for name in FIELDS)
    copied = ", ".join(f"o.{q(name)}" for name in FIELDS)
    sql = (
        f"INSERT INTO {q(new._meta.db_table)} ({q('id')}, {q('source')}, {q('object_id')},"
        f" {q('language')}, {q('headers')}, {columns})"
        f" SELECT o.{q('id')}, %s, o.{q('registration_id')}, COALESCE(r.{q('language')}, %s),"
        f" '{{}}', {copied}"
        f" FROM {q(old._meta.db_table)} o"
        f" LEFT JOIN {q(registration._meta.db_table)} r ON r.{q('id')} = o.{q('registration_id')}"
    )
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(sql, [SOURCE, settings.LANGUAGE_CODE])
    _reset_sequence(schema_editor, new)


def outbox_back_to_registrations(apps, schema_editor):
    old = apps.get_model("registrations", "OutboxMessage")
    new = apps.get_model("mail", "OutboxMessage")
    registration = apps.get_model("registrations", "Registration")
    q = schema_editor.quote_name
    columns = ", ".join(q(name) for name in FIELDS)
    copied = ", ".join(f"m.{q(name)}" for name in FIELDS)
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {q(old._meta.db_table)} ({q('id')}, {q('registration_id')}, {columns})"
            f" SELECT m.{q('id')}, r.{q('id')}, {copied}"
            f" FROM {q(new._meta.db_table)} m"
            f" LEFT JOIN {q(registration._meta.db_table)} r ON r.{q('id')} = m.{q('object_id')}"
            f" WHERE m.{q('source')} = %s",
            [SOURCE],
        )
        cursor.execute(f"DELETE FROM {q(new._meta.db_table)} WHERE {q('source')} = %s", [SOURCE])
    _reset_sequence(schema_editor, old)


class Migration(migrations.Migration):

    dependencies = [
        ("mail", "0001_initial"),
        ("registrations", "0003_encrypt_signing_keys"),
    ]

    operations = [
        migrations.RunPython(outbox_to_mail, outbox_back_to_registrations),
    ]
