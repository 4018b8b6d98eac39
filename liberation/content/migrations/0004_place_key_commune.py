"""Places get a stable `key` (backfilled from their names, every place kept) and an
optional `commune`; the name is no longer unique (two communes named Saint-Martin)."""

import django.db.models.deletion
from django.db import migrations, models
from django.utils.text import slugify

KEY_MAX_LENGTH = 120


def backfill_keys(apps, schema_editor):
    """Each place gets the slug of its name; a slug already taken gets "-2", "-3"…
    ("Saint-Lô" and "Saint Lo" become saint-lo and saint-lo-2). Names, coordinates and
    the pages' links to places are untouched."""
    Place = apps.get_model("content", "Place")
    taken: set[str] = set(Place.objects.exclude(key="").values_list("key", flat=True))
    for place in Place.objects.filter(key="").order_by("pk"):
        base = slugify(place.name)[:KEY_MAX_LENGTH].strip("-") or "place"
        key, n = base, 1
        while key in taken:
            n += 1
            suffix = f"-{n}"
            key = base[: KEY_MAX_LENGTH - len(suffix)] + suffix
        taken.add(key)
        place.key = key
        place.save(update_fields=["key"])


class Migration(migrations.Migration):
    dependencies = [
        ("content", "0003_contentkey_source_hash"),
        ("places", "0001_initial"),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="place",
            options={
                "ordering": ["name", "key"],
                "verbose_name": "place",
                "verbose_name_plural": "places",
            },
        ),
        migrations.AddField(
            model_name="place",
            name="commune",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="places.commune",
                verbose_name="commune",
            ),
        ),
        migrations.AddField(
            model_name="place",
            name="key",
            # No index yet: 0005 makes it unique (with its index). An index here would be
            # created a second time by that AlterField on PostgreSQL ("…_like" exists).
            field=models.SlugField(
                default="", blank=True, max_length=KEY_MAX_LENGTH, db_index=False
            ),
            preserve_default=False,
        ),
        migrations.AlterField(
            model_name="place",
            name="name",
            field=models.CharField(max_length=120, verbose_name="name"),
        ),
        migrations.RunPython(backfill_keys, migrations.RunPython.noop),
    ]
