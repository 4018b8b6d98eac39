# The documents' key hash (semantic.models.document_key_hash), filled in for the
# entries of documents there are (0 for pages).

import hashlib

from django.db import migrations, models


def key_hash(source: str, key: str) -> int:  # as semantic.models.document_key_hash
    digest = hashlib.blake2b(f"{source}\x1f{key}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True) or 1


def fill(apps, schema_editor):
    Entry = apps.get_model("discovery", "SearchEntry")
    rows = Entry.objects.filter(page__isnull=True).values_list("pk", "source", "key")
    batch = []
    for pk, source, key in rows.order_by("pk").iterator(chunk_size=2000):
        batch.append(Entry(pk=pk, key_hash=key_hash(source, key)))
        if len(batch) == 2000:
            Entry.objects.bulk_update(batch, ["key_hash"])
            batch = []
    Entry.objects.bulk_update(batch, ["key_hash"])


class Migration(migrations.Migration):

    dependencies = [
        ("discovery", "0004_search_documents"),
    ]

    operations = [
        migrations.AddField(
            model_name="searchentry",
            name="key_hash",
            field=models.BigIntegerField(default=0),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
