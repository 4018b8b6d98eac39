"""The gate's models, moved from registrations with their rows.

`registrations.0004_move_gate_models_to_gate` renamed the tables; this declares the
models over them (state only: nothing is created) and moves their content types from
registrations to gate, so that the permissions already given to groups and users
(`add_checkin` for gate staff) stay given, now as `gate.add_checkin`. On a new
database there are no content types yet (they are created after migrate): nothing to
move. When both exist (a content type for gate made by hand or by an earlier run),
the old one is left for `remove_stale_contenttypes`.
"""

import django.db.models.deletion
from django.db import migrations, models

MODELS = ("signingkey", "checkin")


def _move_content_types(apps, schema_editor, source: str, target: str) -> None:
    ContentType = apps.get_model("contenttypes", "ContentType")
    types = ContentType.objects.using(schema_editor.connection.alias)
    for model in MODELS:
        if not types.filter(app_label=target, model=model).exists():
            types.filter(app_label=source, model=model).update(app_label=target)


def content_types_to_gate(apps, schema_editor):
    _move_content_types(apps, schema_editor, "registrations", "gate")


def content_types_to_registrations(apps, schema_editor):
    _move_content_types(apps, schema_editor, "gate", "registrations")


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("events", "0002_ceremonypage_instructions_and_more"),
        ("registrations", "0006_move_gate_models_to_gate"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="SigningKey",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("private_key", models.BinaryField()),
                        ("public_key", models.BinaryField()),
                        ("created_at", models.DateTimeField(auto_now_add=True)),
                        ("ceremony", models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name="signing_key", to="events.registrationsettings")),
                    ],
                ),
                migrations.CreateModel(
                    name="CheckIn",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("nonce", models.CharField(max_length=64, unique=True)),
                        ("gate", models.CharField(blank=True, max_length=50, verbose_name="gate")),
                        ("scanned_at", models.DateTimeField(verbose_name="scanned at")),
                        ("received_at", models.DateTimeField(auto_now_add=True)),
                        ("staff", models.CharField(blank=True, max_length=150)),
                        ("registration", models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name="checkin", to="registrations.registration")),
                    ],
                ),
            ],
        ),
        migrations.RunPython(content_types_to_gate, content_types_to_registrations),
    ]
