# A version per corpus, raised by triggers on every write of its vectors (models.CorpusState).
#
# A random number, not a counter: a transaction rolled back after a process read its
# version (its own, uncommitted) must not let a later write reach the same number.
#
# What a corpus is built from: the vector, its row's identity and, for documents, the
# language. An update of anything else (a page's stored related content, several times
# per publication) leaves the corpus as it is and the version too.

from django.db import migrations, models

WATCHED = {
    "pages": ("semantic_pageembedding", ("vector", "page_id")),
    "documents": ("semantic_documentembedding", ("vector", "key_hash", "lang")),
}


def _postgresql(name, table, columns):
    return [
        f"""CREATE TRIGGER {table}_corpus_version
            AFTER INSERT OR DELETE OR TRUNCATE OR UPDATE OF {", ".join(columns)} ON {table}
            FOR EACH STATEMENT EXECUTE FUNCTION semantic_corpus_version_raise('{name}')""",
    ]


def _sqlite(name, table, columns):
    bump = f"UPDATE semantic_corpusstate SET version = random() WHERE name = '{name}';"
    return [
        f"CREATE TRIGGER {table}_corpus_insert AFTER INSERT ON {table} BEGIN {bump} END",
        f"CREATE TRIGGER {table}_corpus_delete AFTER DELETE ON {table} BEGIN {bump} END",
        f"CREATE TRIGGER {table}_corpus_update AFTER UPDATE OF {', '.join(columns)} ON {table} "
        f"BEGIN {bump} END",
    ]


def create(apps, schema_editor):
    State = apps.get_model("semantic", "CorpusState")
    for name in WATCHED:
        State.objects.get_or_create(name=name)
    vendor = schema_editor.connection.vendor
    statements = []
    if vendor == "postgresql":
        statements.append(
            """CREATE OR REPLACE FUNCTION semantic_corpus_version_raise() RETURNS trigger AS $$
            BEGIN
                UPDATE semantic_corpusstate
                SET version = floor(random() * 9223372036854775807)::bigint
                WHERE name = TG_ARGV[0];
                RETURN NULL;
            END $$ LANGUAGE plpgsql"""
        )
        for name, (table, columns) in WATCHED.items():
            statements += _postgresql(name, table, columns)
    elif vendor == "sqlite":
        for name, (table, columns) in WATCHED.items():
            statements += _sqlite(name, table, columns)
    # Another database: no triggers; the corpora then fall back to counting the table.
    for statement in statements:
        schema_editor.execute(statement)


def drop(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for _name, (table, _columns) in WATCHED.items():
        if vendor == "postgresql":
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_corpus_version ON {table}")
        elif vendor == "sqlite":
            for kind in ("insert", "delete", "update"):
                schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_corpus_{kind}")
    if vendor == "postgresql":
        schema_editor.execute("DROP FUNCTION IF EXISTS semantic_corpus_version_raise()")


class Migration(migrations.Migration):

    dependencies = [
        ("semantic", "0003_document_key_hash"),
    ]

    operations = [
        migrations.CreateModel(
            name="CorpusState",
            fields=[
                ("name", models.CharField(max_length=20, primary_key=True, serialize=False)),
                ("version", models.BigIntegerField(default=0)),
            ],
            options={"verbose_name": "corpus state"},
        ),
        migrations.RunPython(create, drop),
    ]
