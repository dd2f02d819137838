"""`manage.py migrate_fleet`: schemas at head are skipped after one query, a migration
is applied to the schemas behind by parallel workers, and a failure in one schema is
recorded and resumed by running the command again.

The migration used is the real `reports.0003_sales_rollups` (two new tables, the last of
its app): taking its tables and its `django_migrations` row out of a schema puts the
schema one migration behind. It must stay the app's last migration (an earlier one
unrecorded under a later one is an inconsistent history that `migrate` refuses); a test
below says so when a new one is added.

The schemas are committed (the workers are other processes, on their own connections),
so these tests work outside the per-test transaction and drop what they created.
"""

from __future__ import annotations

import io
import uuid

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from tenants import fleet, provisioning
from tenants.models import SchemaMigration, Tenant

# Set-up clones three schemas: minutes on a loaded 2-core machine.
pytestmark = pytest.mark.timeout(900)

APP, MIGRATION = "reports", "0003_sales_rollups"
TABLES = ("reports_salescube", "reports_salesmonthly")


@pytest.fixture(scope="module")
def schemas(django_db_setup, django_db_blocker, platform_workspaces):
    """Three workspaces' schemas, cloned from the template and committed."""
    tag = uuid.uuid4().hex[:6]
    names = [f"t_fleet_{tag}_{n}" for n in range(3)]
    with django_db_blocker.unblock():
        for n, name in enumerate(names):
            with transaction.atomic():
                Tenant.objects.create(
                    schema_name=name, kind=Tenant.Kind.ACTIVE, slug=f"fleet-{tag}-{n}", name=name
                )
                provisioning.clone_template(name)
        yield names
        connection.set_schema_to_public()
        SchemaMigration.objects.filter(schema_name__in=names).delete()
        for tenant in Tenant.objects.filter(schema_name__in=names):
            tenant.delete(force_drop=True)


@pytest.fixture
def unblocked(django_db_blocker):
    with django_db_blocker.unblock():
        connection.set_schema_to_public()
        yield
        SchemaMigration.objects.all().delete()


def _sql(statement: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute(statement)


def _put_behind(schema: str, *, keep_table: bool = False) -> None:
    """Unapply the migration in `schema` (with `keep_table`, only its record: applying
    it again then fails, the table being there)."""
    if not keep_table:
        _drop_tables(schema)
    _sql(
        f"DELETE FROM \"{schema}\".django_migrations WHERE app = '{APP}' AND name = '{MIGRATION}'"  # noqa: S608 - test names
    )


def _drop_tables(schema: str) -> None:
    for table in TABLES:
        _sql(f'DROP TABLE "{schema}".{table} CASCADE')


def _has_table(schema: str) -> bool:
    with connection.cursor() as cursor:
        for table in TABLES:
            cursor.execute("SELECT to_regclass(%s) IS NOT NULL", [f'"{schema}".{table}'])
            if not cursor.fetchone()[0]:
                return False
    return True


def test_the_migration_used_is_the_last_of_its_app():
    from django.db.migrations.loader import MigrationLoader

    leaves = MigrationLoader(None, ignore_no_migrations=True).graph.leaf_nodes(APP)

    assert leaves == [(APP, MIGRATION)], "point these tests at the app's last migration"


def _migrate_fleet(*schemas: str, workers: int = 2) -> str:
    out = io.StringIO()
    try:
        call_command(
            "migrate_fleet", "--no-public", "--workers", str(workers), "--schemas", *schemas,
            stdout=out,
        )  # fmt: skip
    finally:
        connection.set_schema_to_public()
    return out.getvalue()


def test_schemas_at_head_are_found_in_one_query_and_skipped(schemas, unblocked):
    expected = fleet.expected_migrations()
    fleet.behind(schemas, expected)  # the connection opened and its search path set
    with CaptureQueriesContext(connection) as one:
        assert fleet.behind(schemas[:1], expected) == set()
    with CaptureQueriesContext(connection) as three:
        assert fleet.behind(schemas, expected) == set()
    # Which exist, then one query over all of them: as many queries for three as for one.
    assert len(three) == len(one) <= 3

    out = io.StringIO()
    call_command("migrate_fleet", "--schemas", *schemas, stdout=out)  # public too
    output = out.getvalue()
    assert "0 behind, 3 at head" in output
    assert "0 schema(s) migrated, 0 failed, 3 already at head" in output
    assert not SchemaMigration.objects.filter(schema_name__in=schemas).exists()


def test_one_behind_schema_is_seen_among_those_at_head(schemas, unblocked):
    _put_behind(schemas[1])
    try:
        assert fleet.behind(schemas, fleet.expected_migrations()) == {schemas[1]}
    finally:
        _migrate_fleet(*schemas)


def test_a_new_migration_is_applied_to_every_schema_behind_by_parallel_workers(schemas, unblocked):
    for schema in schemas:
        _put_behind(schema)
        assert not _has_table(schema)

    report = fleet.migrate_fleet(workers=2, schemas=schemas, say=lambda line: None)

    assert [o.ok for o in report.outcomes] == [True, True, True]
    assert all(o.applied == 1 for o in report.outcomes)
    assert len({o.pid for o in report.outcomes}) == 2  # two worker processes
    assert all(_has_table(schema) for schema in schemas)
    assert fleet.behind(schemas, fleet.expected_migrations()) == set()
    recorded = SchemaMigration.objects.filter(schema_name__in=schemas)
    assert {(r.status, r.applied) for r in recorded} == {("migrated", 1)}
    assert len(recorded) == 3


def test_a_failure_in_one_schema_is_recorded_and_a_second_run_resumes(schemas, unblocked):
    first, broken, last = schemas
    _put_behind(first)
    _put_behind(broken, keep_table=True)  # applying it again fails: the table exists
    _put_behind(last)

    with pytest.raises(CommandError, match=broken):
        _migrate_fleet(*schemas)

    assert _has_table(first) and _has_table(last)
    assert fleet.behind(schemas, fleet.expected_migrations()) == {broken}
    failure = SchemaMigration.objects.get(schema_name=broken)
    assert failure.status == SchemaMigration.Status.FAILED
    assert "already exists" in failure.error

    _drop_tables(broken)  # the cause, put right
    output = _migrate_fleet(*schemas)

    assert "1 behind, 2 at head" in output
    assert "retrying 1 schema(s) that failed" in output
    assert f"{broken}: 1 migration(s)" in output
    assert first not in output.split("at head", 1)[1]  # the others are not run again
    assert SchemaMigration.objects.get(schema_name=broken).status == "migrated"
    assert fleet.behind(schemas, fleet.expected_migrations()) == set()
