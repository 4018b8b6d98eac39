# The documents' key hash (models.document_key_hash), filled in for the rows there are.

import hashlib

from django.db import migrations, models


def key_hash(source: str, key: str) -> int:  # as models.document_key_hash, frozen here
    digest = hashlib.blake2b(f"{source}\x1f{key}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True) or 1


def fill(apps, schema_editor):
    Embedding = apps.get_model("semantic", "DocumentEmbedding")
    rows = Embedding.objects.values_list("pk", "source", "key").order_by("pk")
    batch = []
    for pk, source, key in rows.iterator(chunk_size=2000):
        batch.append(Embedding(pk=pk, key_hash=key_hash(source, key)))
        if len(batch) == 2000:
            Embedding.objects.bulk_update(batch, ["key_hash"])
            batch = []
    Embedding.objects.bulk_update(batch, ["key_hash"])


class Migration(migrations.Migration):

    dependencies = [
        ("semantic", "0002_document_embedding"),
    ]

    operations = [
        migrations.AddField(
            model_name="documentembedding",
            name="key_hash",
            field=models.BigIntegerField(default=0),
            preserve_default=False,
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="documentembedding",
            name="key_hash",
            field=models.BigIntegerField(db_index=True),
        ),
    ]
