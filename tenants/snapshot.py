"""The template schema's DDL, captured once per migration state and replayed per clone.

django-tenants' `clone_schema()` reads the catalogue for every clone, and several of its
queries scan catalogue tables whole, so a clone costs more with every schema in the
database (0.75 s with 10 schemas, 8 s with 170). Here the template is read once: its
tables, columns, constraints, indexes, sequences, functions, triggers, views and enum
types become one SQL script (`Snapshot.ddl`) that names no schema. A clone sets
`search_path` to the new schema and runs it, copies the template's rows (roles,
permissions, content types, defaults…) with `INSERT … SELECT` and sets every sequence to
the template's value: a fixed number of statements that look up nothing in the
catalogue by scanning it, whatever the number of schemas.

The snapshot is keyed by the template's migration state (`template_state`: a hash of its
`django_migrations` rows, the server version and SNAPSHOT_FORMAT) and kept in the public
table `tenants_templatesnapshot`; a deploy that migrates the template captures a new one
(`capture`), and a clone that finds none for the template's state captures it first.

Capture reads the catalogue through indexes only: the template's objects by their
dependency on its namespace (`pg_depend_reference_index`), their parts by the owning
relation's oid. A template that holds something the script cannot reproduce (a
partitioned table, a domain, a policy …) raises `SnapshotUnsupported`; provisioning then
falls back to `clone_schema()`.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass

from django.db import connection

logger = logging.getLogger(__name__)

# Bump when the script's shape changes: snapshots of an older format are recaptured.
SNAPSHOT_FORMAT = 1


class SnapshotUnsupported(Exception):
    """The template holds an object the snapshot cannot reproduce."""


@dataclass(frozen=True)
class Snapshot:
    state: str
    ddl: str
    # Tables whose rows a clone copies ([name, [insertable columns]]) and sequences it sets.
    tables: list[list]
    sequences: list[str]


def qi(name: str) -> str:
    """A quoted SQL identifier."""
    return '"' + name.replace('"', '""') + '"'


def ql(value: str) -> str:
    """A quoted SQL string literal."""
    return "'" + value.replace("'", "''") + "'"


def template_state(cursor, template: str) -> str:
    """The template's migration state: which migrations it has, on which server, for
    which snapshot format. One read of the template's `django_migrations`."""
    cursor.execute(
        f"SELECT coalesce(string_agg(app || '.' || name, ',' ORDER BY app, name), ''),"  # noqa: S608 - quoted catalogue names
        f" current_setting('server_version_num') FROM {qi(template)}.django_migrations"
    )
    applied, server = cursor.fetchone()
    digest = hashlib.sha256(f"{SNAPSHOT_FORMAT}|{server}|{applied}".encode()).hexdigest()
    return digest[:40]


# --- Capture ------------------------------------------------------------------------------

_OBJECTS = """
SELECT d.classid::regclass::text, d.objid
FROM pg_depend d
WHERE d.refclassid = 'pg_namespace'::regclass AND d.refobjid = %s AND d.deptype = 'n'
"""

_RELATIONS = """
SELECT c.oid, c.relname, c.relkind, c.relpersistence, c.reloptions, c.relrowsecurity,
       c.relispartition, c.relhassubclass, c.relreplident,
       EXISTS (SELECT 1 FROM pg_inherits i WHERE i.inhrelid = c.oid),
       EXISTS (SELECT 1 FROM pg_policy p WHERE p.polrelid = c.oid),
       EXISTS (SELECT 1 FROM pg_rewrite r WHERE r.ev_class = c.oid AND r.rulename <> '_RETURN'),
       EXISTS (SELECT 1 FROM pg_statistic_ext s WHERE s.stxrelid = c.oid)
FROM pg_class c WHERE c.oid = ANY(%s) ORDER BY c.oid
"""

_COLUMNS = """
SELECT a.attrelid, a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull,
       a.attidentity, a.attgenerated, pg_get_expr(ad.adbin, ad.adrelid),
       CASE WHEN a.attcollation <> t.typcollation AND a.attcollation <> 0
            THEN a.attcollation::regcollation::text END,
       col_description(a.attrelid, a.attnum)
FROM pg_attribute a
JOIN pg_type t ON t.oid = a.atttypid
LEFT JOIN pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum
WHERE a.attrelid = ANY(%s) AND a.attnum > 0 AND NOT a.attisdropped
ORDER BY a.attrelid, a.attnum
"""

_CONSTRAINTS = """
SELECT c.conrelid, c.conname, c.contype, pg_get_constraintdef(c.oid), c.convalidated
FROM pg_constraint c
WHERE c.conrelid = ANY(%s) AND c.contype <> 'n'
ORDER BY c.conrelid, c.contype, c.conname
"""

_INDEXES = """
SELECT i.indrelid, ic.relname, pg_get_indexdef(i.indexrelid)
FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid
WHERE i.indrelid = ANY(%s)
  AND NOT EXISTS (SELECT 1 FROM pg_constraint c
                  WHERE c.conrelid = i.indrelid AND c.conindid = i.indexrelid
                    AND c.contype IN ('p', 'u', 'x'))
ORDER BY i.indexrelid
"""

_TRIGGERS = """
SELECT t.tgrelid, t.tgname, pg_get_triggerdef(t.oid), t.tgenabled
FROM pg_trigger t WHERE t.tgrelid = ANY(%s) AND NOT t.tgisinternal ORDER BY t.oid
"""

_SEQUENCES = """
SELECT s.seqrelid, format_type(s.seqtypid, NULL), s.seqstart, s.seqincrement, s.seqmax,
       s.seqmin, s.seqcache, s.seqcycle, owner.refobjid, owner.deptype, att.attname
FROM pg_sequence s
LEFT JOIN pg_depend owner ON owner.classid = 'pg_class'::regclass AND owner.objid = s.seqrelid
     AND owner.refclassid = 'pg_class'::regclass AND owner.deptype IN ('a', 'i')
LEFT JOIN pg_attribute att ON att.attrelid = owner.refobjid AND att.attnum = owner.refobjsubid
WHERE s.seqrelid = ANY(%s)
"""

_FUNCTIONS = """
SELECT p.oid, p.proname, p.prokind, pg_get_functiondef(p.oid),
       quote_ident(n.nspname) || '.' || quote_ident(p.proname) || '('
FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
WHERE p.oid = ANY(%s) ORDER BY p.oid
"""

_TYPES = """
SELECT t.oid, t.typname, t.typtype,
       ARRAY(SELECT e.enumlabel::text FROM pg_enum e WHERE e.enumtypid = t.oid
             ORDER BY e.enumsortorder)
FROM pg_type t WHERE t.oid = ANY(%s) ORDER BY t.oid
"""


def _sequence_options(start, increment, maximum, minimum, cache, cycle) -> str:
    return (
        f"INCREMENT BY {increment} MINVALUE {minimum} MAXVALUE {maximum}"
        f" START WITH {start} CACHE {cache} {'CYCLE' if cycle else 'NO CYCLE'}"
    )


def _unqualify(text: str, prefix: str, replacement: str, what: str) -> str:
    """`text` with its one schema-qualified `prefix` replaced, or SnapshotUnsupported."""
    if prefix not in text:
        raise SnapshotUnsupported(f"{what}: unexpected definition {text[:120]!r}")
    return text.replace(prefix, replacement, 1)


def _on_table(definition: str, template: str, table: str, what: str) -> str:
    """An index or trigger definition with its table (`ON schema.table`) unqualified."""
    for prefix in (f" ON {template}.{table} ", f" ON {qi(template)}.{qi(table)} "):
        if prefix in definition:
            return definition.replace(prefix, f" ON {qi(table)} ", 1)
    raise SnapshotUnsupported(f"{what}: unexpected definition {definition[:120]!r}")


def capture(template: str) -> Snapshot:
    """Read the template's objects and write the script that recreates them.

    Runs in the caller's transaction with `search_path` set to the template for its
    duration, so that definitions name the template's objects without a schema.
    """
    with connection.cursor() as cursor:
        state = template_state(cursor, template)
        cursor.execute("SELECT current_setting('search_path')")
        (previous_path,) = cursor.fetchone()
        cursor.execute(f"SET search_path TO {qi(template)}")
        try:
            return _capture(cursor, template, state)
        finally:
            cursor.execute(f"SET search_path TO {previous_path}")


def _capture(cursor, template: str, state: str) -> Snapshot:
    cursor.execute("SELECT oid FROM pg_namespace WHERE nspname = %s", [template])
    row = cursor.fetchone()
    if row is None:
        raise SnapshotUnsupported(f"schema {template} does not exist")
    (namespace,) = row
    cursor.execute(_OBJECTS, [namespace])
    objects: dict[str, list[int]] = {}
    for catalog, oid in cursor.fetchall():
        objects.setdefault(catalog, []).append(oid)
    unexpected = set(objects) - {"pg_class", "pg_proc", "pg_type"}
    if unexpected:
        raise SnapshotUnsupported(f"template holds objects of {sorted(unexpected)}")

    cursor.execute(_RELATIONS, [objects.get("pg_class", [])])
    relations = cursor.fetchall()
    names: dict[int, str] = {}
    tables: list[int] = []
    views: list[int] = []
    sequences: list[int] = []
    options: dict[int, list[str] | None] = {}
    persistence: dict[int, str] = {}
    for (
        oid,
        name,
        kind,
        relpersistence,
        reloptions,
        rls,
        is_partition,
        has_subclass,
        _replident,
        inherits,
        has_policy,
        has_rule,
        has_stats,
    ) in relations:
        names[oid] = name
        options[oid] = reloptions
        persistence[oid] = relpersistence
        if rls or is_partition or has_subclass or inherits or has_policy or has_rule or has_stats:
            raise SnapshotUnsupported(f"relation {name}: partitions, inheritance, RLS or rules")
        if kind == "r":
            tables.append(oid)
        elif kind == "v":
            views.append(oid)
        elif kind == "S":
            sequences.append(oid)
        else:
            raise SnapshotUnsupported(f"relation {name} of kind {kind!r}")

    statements: list[str] = ["SET LOCAL check_function_bodies = off"]
    after_tables: list[str] = []

    # Enum types (the only standalone types supported).
    if objects.get("pg_type"):
        cursor.execute(_TYPES, [objects["pg_type"]])
        for _oid, name, typtype, labels in cursor.fetchall():
            if typtype != "e":
                raise SnapshotUnsupported(f"type {name} of kind {typtype!r}")
            statements.append(f"CREATE TYPE {qi(name)} AS ENUM ({', '.join(map(ql, labels))})")

    # Sequences: identity ones are declared with their column; others stand alone.
    identity: dict[tuple[int, str], str] = {}
    cursor.execute(_SEQUENCES, [sequences])
    for (
        seq,
        type_name,
        start,
        inc,
        maximum,
        minimum,
        cache,
        cycle,
        owner,
        deptype,
        col,
    ) in cursor.fetchall():
        # An identity sequence takes its column's type; a standalone one says its own.
        opts = _sequence_options(start, inc, maximum, minimum, cache, cycle)
        if deptype == "i":
            identity[(owner, col)] = f"SEQUENCE NAME {qi(names[seq])} {opts}"
            continue
        statements.append(f"CREATE SEQUENCE {qi(names[seq])} AS {type_name} {opts}")
        if deptype == "a":
            after_tables.append(
                f"ALTER SEQUENCE {qi(names[seq])} OWNED BY {qi(names[owner])}.{qi(col)}"
            )

    # Functions and procedures, bodies unchecked until called (as pg_dump restores them).
    if objects.get("pg_proc"):
        cursor.execute(_FUNCTIONS, [objects["pg_proc"]])
        for _oid, name, prokind, definition, qualified in cursor.fetchall():
            if prokind not in ("f", "p"):
                raise SnapshotUnsupported(f"function {name} of kind {prokind!r}")
            word = "FUNCTION" if prokind == "f" else "PROCEDURE"
            statements.append(
                _unqualify(
                    definition,
                    f"CREATE OR REPLACE {word} {qualified}",
                    f"CREATE {word} {qi(name)}(",
                    f"function {name}",
                )
            )

    # Tables: columns, then primary key, unique, check and exclusion constraints inline.
    cursor.execute(_COLUMNS, [tables + views])
    columns: dict[int, list[tuple]] = {}
    for row in cursor.fetchall():
        columns.setdefault(row[0], []).append(row[1:])
    cursor.execute(_CONSTRAINTS, [tables])
    inline: dict[int, list[str]] = {}
    later: dict[int, list[str]] = {}
    for relid, name, contype, definition, validated in cursor.fetchall():
        if contype == "t":
            raise SnapshotUnsupported(f"constraint trigger {name}")
        clause = f"CONSTRAINT {qi(name)} {definition}"
        if contype == "f" or not validated:
            later.setdefault(relid, []).append(f"ADD {clause}")
        else:
            inline.setdefault(relid, []).append(clause)

    copies: list[list] = []
    comments: list[str] = []
    for oid in tables:
        lines = []
        insertable = []
        for name, type_name, notnull, ident, generated, default, collation, comment in columns[oid]:
            line = f"{qi(name)} {type_name}"
            if collation:
                line += f" COLLATE {collation}"
            if generated == "s":
                line += f" GENERATED ALWAYS AS ({default}) STORED"
            elif default is not None:
                line += f" DEFAULT {default}"
            if ident:
                kind = "ALWAYS" if ident == "a" else "BY DEFAULT"
                line += f" GENERATED {kind} AS IDENTITY ({identity[(oid, name)]})"
            if notnull:
                line += " NOT NULL"
            lines.append(line)
            if generated != "s":
                insertable.append(name)
            if comment is not None:
                comments.append(f"COMMENT ON COLUMN {qi(names[oid])}.{qi(name)} IS {ql(comment)}")
        lines += inline.get(oid, [])
        unlogged = "UNLOGGED " if persistence[oid] == "u" else ""
        with_options = f" WITH ({', '.join(options[oid] or [])})" if options[oid] else ""
        statements.append(
            f"CREATE {unlogged}TABLE {qi(names[oid])} (\n    "
            + ",\n    ".join(lines)
            + f"\n){with_options}"
        )
        copies.append([names[oid], insertable])

    data_marker = len(statements)  # where a clone's data copy goes

    cursor.execute(_INDEXES, [tables])
    for relid, name, definition in cursor.fetchall():
        statements.append(_on_table(definition, template, names[relid], f"index {name}"))
    for relid, clauses in later.items():
        statements.append(f"ALTER TABLE {qi(names[relid])} " + ", ".join(clauses))
    statements += after_tables

    for oid in views:
        cursor.execute("SELECT pg_get_viewdef(%s::oid)", [oid])
        (definition,) = cursor.fetchone()
        with_options = f" WITH ({', '.join(options[oid] or [])})" if options[oid] else ""
        statements.append(f"CREATE VIEW {qi(names[oid])}{with_options} AS {definition.rstrip(';')}")

    cursor.execute(_TRIGGERS, [tables + views])
    for relid, name, definition, enabled in cursor.fetchall():
        table = names[relid]
        definition = _on_table(definition, template, table, f"trigger {name}")
        statements.append(definition)
        if enabled == "D":
            statements.append(f"ALTER TABLE {qi(table)} DISABLE TRIGGER {qi(name)}")
        elif enabled != "O":
            raise SnapshotUnsupported(f"trigger {name} fires {enabled!r}")

    cursor.execute(
        "SELECT objoid, description FROM pg_description"
        " WHERE classoid = 'pg_class'::regclass AND objsubid = 0 AND objoid = ANY(%s)",
        [tables + views],
    )
    for oid, comment in cursor.fetchall():
        kind = "VIEW" if oid in views else "TABLE"
        comments.append(f"COMMENT ON {kind} {qi(names[oid])} IS {ql(comment)}")
    statements += comments

    ddl = ";\n".join(statements[:data_marker]) + ";\n-- data --\n"
    ddl += ";\n".join(statements[data_marker:]) + ";\n"
    return Snapshot(
        state=state,
        ddl=ddl,
        tables=copies,
        sequences=[names[s] for s in sequences],
    )


# --- Replay -------------------------------------------------------------------------------


def clone_script(snapshot: Snapshot, template: str, schema_name: str) -> str:
    """The SQL that turns an empty `schema_name` into a copy of the template: one string,
    run as one statement batch (one round trip)."""
    head, tail = snapshot.ddl.split("-- data --\n", 1)
    data = [
        f"INSERT INTO {qi(table)} ({', '.join(map(qi, cols))}) OVERRIDING SYSTEM VALUE"  # noqa: S608 - quoted catalogue names
        f" SELECT {', '.join(map(qi, cols))} FROM {qi(template)}.{qi(table)}"
        for table, cols in snapshot.tables
    ]
    if snapshot.sequences:
        data.append(
            "SELECT "  # noqa: S608 - quoted catalogue names
            + ", ".join(
                f"(SELECT setval({ql(qi(seq))}, s.last_value, s.is_called)"  # noqa: S608 - quoted catalogue names
                f" FROM {qi(template)}.{qi(seq)} s)"
                for seq in snapshot.sequences
            )
        )
    # The connection's search_path and check_function_bodies are put back at the end:
    # whatever the caller does next in its transaction runs where it ran before.
    return (
        f"CREATE SCHEMA {qi(schema_name)};\n"
        "SELECT set_config('tradepost.clone_search_path', current_setting('search_path'), true),"
        " set_config('tradepost.clone_function_bodies',"
        " current_setting('check_function_bodies'), true);\n"
        f"SET LOCAL search_path TO {qi(schema_name)};\n"
        + head
        + ";\n".join(data)
        + ";\n"
        + tail
        + "SELECT set_config('search_path', current_setting('tradepost.clone_search_path'), true),"
        " set_config('check_function_bodies',"
        " current_setting('tradepost.clone_function_bodies'), true);\n"
    )


def to_json(snapshot: Snapshot) -> str:
    return json.dumps({"tables": snapshot.tables, "sequences": snapshot.sequences})


def from_row(state: str, ddl: str, objects: str) -> Snapshot:
    parsed = json.loads(objects)
    return Snapshot(state=state, ddl=ddl, tables=parsed["tables"], sequences=parsed["sequences"])
