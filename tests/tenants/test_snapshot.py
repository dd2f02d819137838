"""Cloning the template from its snapshot (tenants.snapshot): the copy is the template,
object for object and row for row, and the work of a clone does not depend on how many
schemas the database holds."""

from __future__ import annotations

import threading

import pytest
from django.conf import settings
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from tenants import provisioning, snapshot
from tenants.models import TemplateSnapshot

TEMPLATE = settings.TENANT_BASE_SCHEMA
# Several clones and 30 extra schemas: minutes on a loaded 2-core machine.
pytestmark = pytest.mark.timeout(900)


def _rows(sql: str, params: list | None = None) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _fingerprint(schema: str) -> dict[str, object]:
    """What a schema holds, read from information_schema and pg_catalog, with the
    schema's own name taken out of definitions so two schemas can be compared."""
    # Definitions print the schema's objects unqualified when it is the search path.
    (previous,) = _rows("SELECT current_setting('search_path')")[0]
    _rows("SELECT set_config('search_path', %s, false)", [f'"{schema}"'])
    try:
        return _read_fingerprint(schema)
    finally:
        _rows("SELECT set_config('search_path', %s, false)", [previous])


def _read_fingerprint(schema: str) -> dict[str, object]:
    prefixes = (f'"{schema}".', f"{schema}.")

    def plain(value):
        if isinstance(value, str):
            for prefix in prefixes:
                value = value.replace(prefix, "")
        return value

    def read(sql: str) -> list[tuple]:
        return sorted(tuple(plain(v) for v in row) for row in _rows(sql, [schema]))

    result = {
        "tables": read(
            "SELECT table_name, table_type FROM information_schema.tables WHERE table_schema = %s"
        ),
        "columns": read(
            # The column order, not attnum: the template's columns have gaps where
            # migrations dropped some, its copy none.
            "SELECT table_name, column_name,"
            " row_number() OVER (PARTITION BY table_name ORDER BY ordinal_position),"
            " data_type, udt_name,"
            " character_maximum_length, numeric_precision, numeric_scale, is_nullable,"
            " column_default, is_identity, identity_generation, identity_start,"
            " identity_increment, identity_maximum, identity_minimum, identity_cycle,"
            " is_generated, generation_expression, collation_name"
            " FROM information_schema.columns WHERE table_schema = %s"
        ),
        "constraints": read(
            "SELECT c.relname, k.conname, k.contype, pg_get_constraintdef(k.oid),"
            " k.condeferrable, k.condeferred, k.convalidated"
            " FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid"
            " JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = %s"
        ),
        "indexes": read(
            "SELECT tablename, indexname, indexdef FROM pg_indexes WHERE schemaname = %s"
        ),
        "sequences": read(
            "SELECT sequencename, data_type::text, start_value, min_value, max_value,"
            " increment_by, cycle, cache_size, last_value"
            " FROM pg_sequences WHERE schemaname = %s"
        ),
        "sequence_owners": read(
            "SELECT s.relname, t.relname, a.attname, d.deptype FROM pg_class s"
            " JOIN pg_namespace n ON n.oid = s.relnamespace"
            " JOIN pg_depend d ON d.classid = 'pg_class'::regclass AND d.objid = s.oid"
            "  AND d.refclassid = 'pg_class'::regclass"
            " JOIN pg_class t ON t.oid = d.refobjid"
            " JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = d.refobjsubid"
            " WHERE n.nspname = %s AND s.relkind = 'S'"
        ),
        "triggers": read(
            "SELECT event_object_table, trigger_name, event_manipulation, action_timing,"
            " action_orientation, action_statement"
            " FROM information_schema.triggers WHERE trigger_schema = %s"
        ),
        "functions": read(
            "SELECT p.proname, p.prokind, pg_get_function_arguments(p.oid),"
            " pg_get_function_result(p.oid), p.prosrc, p.provolatile, l.lanname"
            " FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace"
            " JOIN pg_language l ON l.oid = p.prolang WHERE n.nspname = %s"
        ),
        "trigger_functions": read(
            "SELECT t.tgname, pn.nspname = n.nspname FROM pg_trigger t"
            " JOIN pg_class c ON c.oid = t.tgrelid"
            " JOIN pg_namespace n ON n.oid = c.relnamespace"
            " JOIN pg_proc p ON p.oid = t.tgfoid JOIN pg_namespace pn ON pn.oid = p.pronamespace"
            " WHERE n.nspname = %s AND NOT t.tgisinternal"
        ),
        "relations": read(
            "SELECT c.relname, c.relkind, c.relpersistence, c.reloptions::text"
            " FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
            " WHERE n.nspname = %s"
        ),
    }
    return result


def _data(schema: str, table: str) -> list[tuple]:
    return sorted(_rows(f'SELECT * FROM "{schema}"."{table}"'), key=repr)  # noqa: S608 - quoted catalogue names


def test_a_clone_is_identical_to_the_template(platform_workspaces, db):
    clone = "t_snapshot_identical"
    provisioning.clone_template(clone)  # in the test's transaction: rolled back after

    template, copied = _fingerprint(TEMPLATE), _fingerprint(clone)
    for part in template:
        assert copied[part] == template[part], part
    # The comparison has something to compare: the template's kinds of objects.
    assert len(template["tables"]) > 50
    assert any(row[2] == "f" for row in template["constraints"])
    assert any(row[2] == "c" for row in template["constraints"])
    assert template["triggers"] and template["functions"]
    assert any(row[-1] for row in template["sequences"])  # sequences that moved
    assert any(row[-1] == "C" for row in template["columns"])  # a "C" collation column
    assert any(row[17] == "ALWAYS" for row in template["columns"])  # a generated column
    # Every trigger calls the clone's own function, not the template's.
    assert ("stockmove_append_only", True) in copied["trigger_functions"]
    assert all(own_schema for _, own_schema in copied["trigger_functions"])
    assert copied["trigger_functions"] == template["trigger_functions"]

    # Row data of every table with rows in the template.
    seeded = [
        table
        for (table, _kind) in template["tables"]
        if _rows(f'SELECT EXISTS (SELECT 1 FROM "{TEMPLATE}"."{table}")')[0][0]  # noqa: S608 - quoted catalogue names
    ]
    assert {"django_migrations", "django_content_type", "auth_permission"} <= set(seeded)
    for table in seeded:
        assert _data(clone, table) == _data(TEMPLATE, table), table


def test_a_clone_works_like_the_template(platform_workspaces, db):
    """New rows get the next ids after the seed rows, and constraints hold."""
    clone = "t_snapshot_works"
    provisioning.clone_template(clone)
    with connection.cursor() as cursor:
        cursor.execute(f'SELECT max(id) FROM "{TEMPLATE}".auth_group')  # noqa: S608 - quoted catalogue names
        (highest,) = cursor.fetchone()
        cursor.execute(
            f'INSERT INTO "{clone}".auth_group (name) VALUES (%s) RETURNING id',  # noqa: S608 - quoted catalogue names
            ["New role"],
        )
        assert cursor.fetchone()[0] == (highest or 0) + 1
        with pytest.raises(Exception, match="violates foreign key"), transaction.atomic():
            cursor.execute(
                f'INSERT INTO "{clone}".auth_group_permissions (group_id, permission_id)'  # noqa: S608 - quoted catalogue names
                " VALUES (999999, 999999)"
            )
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")


def test_the_clone_leaves_the_connections_search_path_as_it_found_it(platform_workspaces, db):
    with connection.cursor() as cursor:
        cursor.execute("SHOW search_path")
        (before,) = cursor.fetchone()
        provisioning.clone_template("t_snapshot_path")
        cursor.execute("SHOW search_path")
        assert cursor.fetchone()[0] == before
        cursor.execute("SHOW check_function_bodies")
        assert cursor.fetchone()[0] == "on"


_CATALOGUES = (
    "pg_class",
    "pg_attribute",
    "pg_namespace",
    "pg_constraint",
    "pg_depend",
    "pg_index",
    "pg_type",
    "pg_proc",
    "pg_trigger",
    "pg_attrdef",
    "pg_sequence",
)


def _catalogue_reads() -> dict[str, int]:
    """Rows this transaction has read from the catalogue tables by scanning them whole."""
    rows = _rows(
        "SELECT relname, seq_tup_read FROM pg_stat_xact_sys_tables WHERE relname = ANY(%s)",
        [list(_CATALOGUES)],
    )
    return dict(rows)


def _clone_work(schema_name: str) -> tuple[int, int]:
    """(round trips, catalogue rows read by scans) of one clone."""
    before = _catalogue_reads()
    with CaptureQueriesContext(connection) as queries:
        provisioning.clone_template(schema_name)
    after = _catalogue_reads()
    scanned = sum(after.get(name, 0) - before.get(name, 0) for name in _CATALOGUES)
    return len(queries), scanned


def _add_schemas(count: int, tag: str) -> int:
    """`count` schemas of 20 tables each (more rows in every catalogue table)."""
    tables = "".join(
        f"CREATE TABLE {{s}}.t{i} (id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,"
        f" name text UNIQUE, ref bigint REFERENCES {{s}}.t0 (id));"
        if i
        else f"CREATE TABLE {{s}}.t{i} (id bigint PRIMARY KEY);"
        for i in range(20)
    )
    with connection.cursor() as cursor:
        for n in range(count):
            schema = f"bulk_{tag}_{n}"
            cursor.execute(f"CREATE SCHEMA {schema};" + tables.format(s=schema))
        cursor.execute("SELECT count(*) FROM pg_class")
        return cursor.fetchone()[0]


def test_the_work_of_a_clone_does_not_grow_with_the_number_of_schemas(platform_workspaces, db):
    provisioning.template_snapshot()  # captured (once per migration state) beforehand
    small = _clone_work("t_snapshot_work_a")
    relations_before = _rows("SELECT count(*) FROM pg_class")[0][0]
    relations_after = _add_schemas(30, "work")
    assert relations_after > relations_before + 2000
    large = _clone_work("t_snapshot_work_b")

    assert large[0] == small[0]  # round trips
    assert large[0] <= 8
    # Catalogue rows read by scans: a scan of any catalogue that grew (30 more schemas,
    # 2,000 more relations) would read at least 30 rows more. The few rows the DDL itself
    # scans in small catalogues may differ by plan, never by the number of schemas.
    assert large[1] - small[1] < 30, (small, large)
    assert large[1] < 100


def test_the_snapshot_follows_the_templates_migration_state(platform_workspaces, db):
    first = provisioning.template_snapshot()
    assert TemplateSnapshot.objects.filter(state=first.state).exists()
    with connection.cursor() as cursor:
        cursor.execute(
            f'INSERT INTO "{TEMPLATE}".django_migrations (app, name, applied)'  # noqa: S608 - quoted catalogue names
            " VALUES ('tenants', 'zzzz_later', now())"
        )
    second = provisioning.template_snapshot()
    assert second.state != first.state
    assert list(TemplateSnapshot.objects.values_list("state", flat=True)) == [second.state]

    provisioning.clone_template("t_snapshot_later")
    assert _rows(
        'SELECT count(*) FROM "t_snapshot_later".django_migrations WHERE name = %s', ["zzzz_later"]
    ) == [(1,)]


def test_a_template_the_snapshot_cannot_copy_is_cloned_the_old_way(platform_workspaces, db):
    with connection.cursor() as cursor:
        cursor.execute(f'CREATE DOMAIN "{TEMPLATE}".positive AS integer CHECK (VALUE > 0)')
    with pytest.raises(snapshot.SnapshotUnsupported, match="pg_type|type"):
        snapshot.capture(TEMPLATE)

    provisioning.clone_template("t_snapshot_fallback")
    tables = _rows(
        "SELECT count(*) FROM information_schema.tables WHERE table_schema = %s",
        ["t_snapshot_fallback"],
    )[0][0]
    assert tables == len(_fingerprint(TEMPLATE)["tables"])


@pytest.fixture
def committed_schemas(platform_workspaces, django_db_blocker):
    names: list[str] = []
    with django_db_blocker.unblock():
        yield names
        connection.set_schema_to_public()
        with connection.cursor() as cursor:
            for name in names:
                cursor.execute(f'DROP SCHEMA IF EXISTS "{name}" CASCADE')


def _together(*calls):
    barrier = threading.Barrier(len(calls))
    outcomes: list[object] = [None] * len(calls)

    def run(index, call):
        barrier.wait()
        try:
            with transaction.atomic():
                outcomes[index] = call()
        except Exception as exc:  # noqa: BLE001 - the outcome is what we assert on
            outcomes[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return outcomes


def test_two_clones_run_at_once_and_one_name_is_cloned_once(committed_schemas):
    committed_schemas += ["t_snapshot_one", "t_snapshot_two"]
    provisioning.template_snapshot()
    outcomes = _together(
        lambda: provisioning.clone_template("t_snapshot_one"),
        lambda: provisioning.clone_template("t_snapshot_two"),
        lambda: provisioning.clone_template("t_snapshot_two"),
    )
    assert outcomes[0] is None
    errors = [o for o in outcomes[1:] if isinstance(o, Exception)]
    assert len(errors) == 1 and "already exists" in str(errors[0]), outcomes
    template_tables = len(_fingerprint(TEMPLATE)["tables"])
    for name in ("t_snapshot_one", "t_snapshot_two"):
        count = _rows(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = %s", [name]
        )[0][0]
        assert count == template_tables
