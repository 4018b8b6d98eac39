"""Search entries get their own id, so that an entry can be a content page or a document
of a registered source (the collection's published stories): `source`, `key`, `url`,
and the `departements` of the département facet.

The index is derived data: the two tables are recreated empty (changing a primary key in
place is not portable between SQLite and PostgreSQL) and the index version is bumped.
`manage.py prepare` (the first step of `make run`) rebuilds an empty index; otherwise run
`manage.py rebuild_search_index` once (docs/search.md)."""

import secrets

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def bump(apps, schema_editor):
    SearchIndexState = apps.get_model("discovery", "SearchIndexState")
    version = secrets.randbits(62) + 1
    if not SearchIndexState.objects.filter(pk=1).update(version=version):
        SearchIndexState.objects.create(pk=1, version=version)


class Migration(migrations.Migration):
    dependencies = [
        ("discovery", "0003_searchentry_place_ids"),
        ("wagtailcore", "0098_apitoken"),
    ]

    operations = [
        migrations.DeleteModel(name="SearchPosting"),
        migrations.DeleteModel(name="SearchEntry"),
        migrations.CreateModel(
            name="SearchEntry",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "page",
                    models.OneToOneField(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="search_entry",
                        to=settings.WAGTAIL_PAGE_MODEL,
                    ),
                ),
                ("source", models.CharField(default="page", max_length=30)),
                ("key", models.CharField(max_length=64)),
                ("url", models.CharField(blank=True, max_length=300)),
                ("lang", models.CharField(db_index=True, max_length=8)),
                ("type", models.CharField(max_length=20)),
                ("date", models.DateField(null=True)),
                ("title", models.CharField(max_length=255)),
                ("title_folded", models.CharField(max_length=255)),
                ("places", models.CharField(blank=True, max_length=500)),
                ("themes", models.CharField(blank=True, max_length=500)),
                ("periods", models.CharField(blank=True, max_length=200)),
                ("place_ids", models.CharField(blank=True, default="", max_length=500)),
                ("departements", models.CharField(blank=True, default="", max_length=200)),
                ("text", models.TextField(blank=True)),
                ("length", models.PositiveIntegerField(default=0)),
            ],
            options={
                "indexes": [models.Index(fields=["date"], name="discovery_s_date_716618_idx")],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("source", "key"), name="discovery_entry_source_key"
                    )
                ],
            },
        ),
        migrations.CreateModel(
            name="SearchPosting",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("term", models.CharField(max_length=64)),
                ("weight", models.FloatField()),
                (
                    "entry",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="postings",
                        to="discovery.searchentry",
                    ),
                ),
            ],
            options={
                "indexes": [
                    models.Index(
                        fields=["term", "entry", "weight"], name="discovery_posting_term"
                    )
                ],
            },
        ),
        migrations.RunPython(bump, migrations.RunPython.noop),
    ]
