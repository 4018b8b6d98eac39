"""The places' key becomes unique, in its own migration (its own transaction on
PostgreSQL) after 0004 has filled it."""

from django.db import migrations, models

KEY_MAX_LENGTH = 120


class Migration(migrations.Migration):
    dependencies = [("content", "0004_place_key_commune")]

    operations = [
        migrations.AlterField(
            model_name="place",
            name="key",
            field=models.SlugField(
                blank=True,
                help_text="Stable identifier used by the content exchange: the INSEE code "
                "for a commune, a slug for a landmark. Left empty, it is made from the name.",
                max_length=KEY_MAX_LENGTH,
                unique=True,
                verbose_name="key",
            ),
        ),
    ]
