"""What would stand in the way of Citus schema-based sharding (infra/CITUS.md): each
workspace schema becomes a distributed schema on one worker node, the public schema stays
on the coordinator. That holds only while a workspace's tables point at nothing outside
their schema: no foreign key to a public table, no sequence, trigger function or
default from another schema. Those are checked here, on the models and on the template
schema every workspace is cloned from.

Raw SQL that names other schemas, takes advisory or table locks, or calls sequence
functions is not wrong, but each use needs a decision on a cluster: the scan below
finds them, and the test fails when one appears that the runbook does not list yet.
"""

from __future__ import annotations

import re
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]
RUNBOOK = ROOT / "infra" / "CITUS.md"
SCANNED = ["platform/tradepost", "tenants", "billing", "api"]
# They implement or configure django-tenants' search_path switching itself.
NOT_SCANNED = {"platform/tradepost/postgresql_backend/base.py", "platform/tradepost/settings.py"}
PATTERNS = {
    "advisory lock": re.compile(r"pg_(?:try_)?advisory"),
    "schema-qualified SQL": re.compile(r"""(?:\bpublic|\{[^{}]*schema[^{}]*\})\.[a-z_"]"""),
    "search_path": re.compile(r"SET\s+search_path|set_config\(\s*'search_path'", re.IGNORECASE),
    "sequence function": re.compile(r"nextval\(|setval\(|CREATE SEQUENCE", re.IGNORECASE),
    "trigger": re.compile(r"CREATE TRIGGER", re.IGNORECASE),
    "table lock": re.compile(r"LOCK TABLE", re.IGNORECASE),
    "catalogue query": re.compile(r"\binformation_schema\.|\bpg_namespace\b|\bpg_class\b"),
}
# Every finding, reviewed and described in infra/CITUS.md ("Findings in the code").
KNOWN = {
    ("api/idempotency.py", "advisory lock"),
    ("platform/tradepost/masterdata/services.py", "advisory lock"),
    ("tenants/provisioning.py", "advisory lock"),
    ("tenants/provisioning.py", "schema-qualified SQL"),
    ("tenants/provisioning.py", "catalogue query"),
    ("tenants/fleet.py", "advisory lock"),
    ("tenants/fleet.py", "schema-qualified SQL"),
    ("tenants/snapshot.py", "catalogue query"),
    ("tenants/snapshot.py", "search_path"),
    ("tenants/snapshot.py", "sequence function"),
    ("tenants/selectors.py", "schema-qualified SQL"),
    ("tenants/selectors.py", "catalogue query"),
    ("platform/tradepost/customers/services.py", "sequence function"),
    ("platform/tradepost/reports/rollup.py", "table lock"),
    ("platform/tradepost/reports/sales_rollup.py", "table lock"),
    ("platform/tradepost/inventory/migrations/0002_stockmove_append_only.py", "trigger"),
    ("platform/tradepost/sales/migrations/0005_order_tally.py", "trigger"),
    ("platform/tradepost/sales/migrations/0005_order_tally.py", "table lock"),
    ("platform/tradepost/search/migrations/0002_trigram_index.py", "schema-qualified SQL"),
}


def scan() -> set[tuple[str, str]]:
    findings = set()
    for base in SCANNED:
        for path in sorted((ROOT / base).rglob("*.py")):
            relative = path.relative_to(ROOT).as_posix()
            if relative in NOT_SCANNED:
                continue
            text = path.read_text()
            for kind, pattern in PATTERNS.items():
                if pattern.search(text):
                    findings.add((relative, kind))
    return findings


def test_no_workspace_model_points_at_a_model_that_lives_only_in_the_public_schema():
    by_name = {config.name: config.label for config in apps.get_app_configs()}
    shared = {by_name[name] for name in settings.SHARED_APPS}
    tenant = {by_name[name] for name in settings.TENANT_APPS}
    public_only, workspace_only = shared - tenant, tenant - shared
    crossing = []
    for model in apps.get_models(include_auto_created=True):
        for field in model._meta.get_fields():
            if not (field.is_relation and field.concrete and field.related_model):
                continue
            source = model._meta.app_label
            target = field.related_model._meta.app_label  # type: ignore[union-attr]
            if source in workspace_only and target in public_only:
                crossing.append(f"{model._meta.label}.{field.name}")
            if source in public_only and target in workspace_only:
                crossing.append(f"{model._meta.label}.{field.name}")

    assert {"customers", "sales", "inventory", "settlement"} <= workspace_only
    assert {"tenants", "billing"} <= public_only
    assert crossing == []


def _outside_references(schema: str) -> dict[str, list]:
    """Objects of `schema` that depend on another schema's (pg_catalog aside)."""
    queries = {
        "foreign keys": """
            SELECT c.conname, r.relnamespace::regnamespace::text
            FROM pg_constraint c
            JOIN pg_class t ON t.oid = c.conrelid
            JOIN pg_class r ON r.oid = c.confrelid
            WHERE c.contype = 'f' AND t.relnamespace = %(schema)s::regnamespace
              AND r.relnamespace <> t.relnamespace""",
        "sequences": """
            SELECT t.relname, s.relnamespace::regnamespace::text
            FROM pg_depend d
            JOIN pg_class s ON s.oid = d.objid AND s.relkind = 'S'
            JOIN pg_class t ON t.oid = d.refobjid AND d.refclassid = 'pg_class'::regclass
            WHERE t.relnamespace = %(schema)s::regnamespace
              AND s.relnamespace <> t.relnamespace""",
        "defaults": """
            SELECT t.relname, pg_get_expr(a.adbin, a.adrelid)
            FROM pg_attrdef a JOIN pg_class t ON t.oid = a.adrelid
            WHERE t.relnamespace = %(schema)s::regnamespace
              AND pg_get_expr(a.adbin, a.adrelid) ~ 'nextval|\\.'""",
        "trigger functions": """
            SELECT g.tgname, p.pronamespace::regnamespace::text
            FROM pg_trigger g
            JOIN pg_class t ON t.oid = g.tgrelid
            JOIN pg_proc p ON p.oid = g.tgfoid
            WHERE NOT g.tgisinternal AND t.relnamespace = %(schema)s::regnamespace
              AND p.pronamespace <> t.relnamespace""",
    }
    found = {}
    with connection.cursor() as cursor:
        for name, sql in queries.items():
            cursor.execute(sql, {"schema": schema})
            found[name] = cursor.fetchall()
    return found


def test_the_template_and_a_workspace_depend_on_nothing_outside_their_schema(alpha):
    for schema in (settings.TENANT_BASE_SCHEMA, alpha.schema):
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid"
                " WHERE c.contype = 'f' AND t.relnamespace = %s::regnamespace",
                [schema],
            )
            foreign_keys = cursor.fetchone()[0]
        assert foreign_keys > 50, schema  # the check looks at a real workspace schema

        assert _outside_references(schema) == {
            "foreign keys": [],
            "sequences": [],
            "defaults": [],
            "trigger functions": [],
        }, schema


def test_every_raw_sql_finding_is_one_the_runbook_lists():
    findings = scan()
    runbook = RUNBOOK.read_text()

    assert findings - KNOWN == set(), "new: review it and describe it in infra/CITUS.md"
    assert KNOWN - findings == set(), "gone: take it out of KNOWN and infra/CITUS.md"
    for path, _kind in KNOWN:
        assert f"`{path}`" in runbook, path


def test_the_scan_finds_what_it_looks_for():
    """The patterns match the SQL they are meant for (and the known findings above are
    not an artefact of a pattern that matches nothing)."""
    samples = {
        "advisory lock": "cursor.execute('SELECT pg_advisory_xact_lock(1)')",
        "schema-qualified SQL": 'f"SELECT * FROM {quote(schema)}.accounts_user"',
        "search_path": "cursor.execute('SET search_path = a, b')",
        "sequence function": "cursor.execute(\"SELECT setval('x', 1)\")",
        "trigger": '"CREATE TRIGGER t BEFORE UPDATE ON x"',
        "table lock": 'cursor.execute("LOCK TABLE x IN SHARE MODE")',
        "catalogue query": '"SELECT table_schema FROM information_schema.tables"',
    }
    for kind, line in samples.items():
        assert [k for k, pattern in PATTERNS.items() if pattern.search(line)] == [kind], kind
