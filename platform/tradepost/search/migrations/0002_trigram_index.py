"""pg_trgm GIN indexes on the documents' text, one per kind, where the server has
pg_trgm.

`LIKE '%word%'` then reads an index instead of every document; one partial index per
kind (`WHERE kind = 'customer'` …) holds only that kind's documents, so a common word
costs a search of one kind no more than the matches of that kind. The extension lives
in one schema for the whole database (public, unless it was installed elsewhere);
each workspace schema gets the index, and clones of the template schema copy it.
PostgreSQL servers without pg_trgm (the embedded `pgserver` build) and database users
that may not create it get no index: the search gives the same answers, slower.
"""

from django.db import migrations, transaction

KINDS = ("customer", "contact", "order", "quote", "product", "opportunity")
INDEX = "search_document_trgm_{kind}"


def _trgm_schema(cursor) -> str | None:
    cursor.execute(
        "SELECT extnamespace::regnamespace::text FROM pg_extension WHERE extname = 'pg_trgm'"
    )
    row = cursor.fetchone()
    return row[0] if row else None


def create_index(apps, schema_editor):
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        schema = _trgm_schema(cursor)
        if schema is None:
            cursor.execute("SELECT 1 FROM pg_available_extensions WHERE name = 'pg_trgm'")
            if cursor.fetchone() is None:
                return  # not shipped with this server
            try:
                with transaction.atomic(using=connection.alias):  # a savepoint
                    cursor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA public")
            except Exception:  # noqa: BLE001 - no right to create it: no index, same answers
                return
            schema = _trgm_schema(cursor)
        for kind in KINDS:
            cursor.execute(
                f"CREATE INDEX IF NOT EXISTS {INDEX.format(kind=kind)} ON search_searchdocument"
                f" USING gin (text {connection.ops.quote_name(schema)}.gin_trgm_ops)"
                f" WHERE kind = '{kind}'"
            )


def drop_index(apps, schema_editor):
    with schema_editor.connection.cursor() as cursor:
        for kind in KINDS:
            cursor.execute(f"DROP INDEX IF EXISTS {INDEX.format(kind=kind)}")


class Migration(migrations.Migration):
    dependencies = [("search", "0001_initial")]

    operations = [migrations.RunPython(create_index, drop_index, elidable=False)]
