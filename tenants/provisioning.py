"""Creating workspace schemas fast enough that nobody waits.

A new workspace's schema is never built by running migrations:

* the *template* schema (`settings.TENANT_BASE_SCHEMA`) is migrated like any tenant
  and holds the data every workspace starts with (roles, permissions);
* a small *pool* of ready schemas is cloned from it in the background;
* sign-up takes a pooled schema and renames it (a catalogue-only change), or clones
  the template directly when the pool is empty.

Template and pooled schemas are rows of `Tenant` too, so `migrate_schemas` keeps
them current on every deploy.
"""

from __future__ import annotations

import logging
import secrets

from django.conf import settings
from django.core.management import call_command
from django.db import connection, transaction
from django.utils import timezone
from django_tenants.clone import CloneSchema
from django_tenants.utils import schema_exists, schema_rename

from tenants import snapshot
from tenants.models import Domain, TemplateSnapshot, Tenant
from tradepost.links import workspace_domain

logger = logging.getLogger(__name__)

POOL_SCHEMA_PREFIX = "tp_pool_"
WORKSPACE_SCHEMA_PREFIX = "t_"
# pg_try_advisory_lock key: only one process refills the pool at a time.
_POOL_REFILL_LOCK = 7_310_001
# Clones hold this one shared; `migrate_fleet` takes it alone (see clone_template).
CLONE_BARRIER_LOCK = 7_310_002
# pg_advisory_xact_lock(CLONE_NAME_LOCK, hashtext(schema name)): one clone per name.
CLONE_NAME_LOCK = 7_310_003


def workspace_schema_name(slug: str) -> str:
    """The schema of the workspace with this slug: `acme-trading` → `t_acme_trading`.

    The prefix keeps workspaces apart from `public`, the template, the pool and
    PostgreSQL's own `pg_*` names whatever slug a company picks.
    """
    return WORKSPACE_SCHEMA_PREFIX + slug.replace("-", "_")


def ensure_public_tenant() -> Tenant:
    """The public schema's tenant row and the base domain routed to it."""
    tenant, _ = Tenant.objects.get_or_create(
        schema_name="public", defaults={"kind": Tenant.Kind.PUBLIC, "name": "Tradepost"}
    )
    Domain.objects.get_or_create(
        domain=settings.TRADEPOST_BASE_DOMAIN, defaults={"tenant": tenant, "is_primary": True}
    )
    return tenant


def ensure_template(verbosity: int = 0) -> Tenant:
    """Create and migrate the template schema if it is missing (once per database).

    Afterwards `migrate_schemas` keeps it current like every other tenant.
    """
    template = Tenant.objects.filter(kind=Tenant.Kind.TEMPLATE).first()
    if template is None:
        template = Tenant.objects.create(
            schema_name=settings.TENANT_BASE_SCHEMA, kind=Tenant.Kind.TEMPLATE, name="template"
        )
    if not schema_exists(template.schema_name):
        with connection.cursor() as cursor:
            cursor.execute(f'CREATE SCHEMA "{template.schema_name}"')
        call_command(
            "migrate_schemas",
            schema_name=template.schema_name,
            interactive=False,
            verbosity=verbosity,
        )
    try:
        template_snapshot()
    except snapshot.SnapshotUnsupported as exc:
        logger.warning("template snapshot unavailable (%s): clones use clone_schema()", exc)
    return template


def install_clone_function() -> None:
    """(Re)install django-tenants' `clone_schema()` SQL function in `public`.

    Only the fallback for a template the snapshot cannot reproduce uses it (see
    `clone_template`); installed on first use in each process, so the code is the
    deployed django-tenants version's. Re-installing it before every clone, as
    django-tenants' CloneSchema does, costs ~30 ms and leaves ~11 MB of memory in the
    connection each time.
    """
    CloneSchema()._create_clone_schema_function()


def _clone_function_installed(cursor) -> bool:
    cursor.execute(
        "SELECT 1 FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace"
        " WHERE n.nspname = 'public' AND p.proname = 'clone_schema'"
    )
    return cursor.fetchone() is not None


def _clone_with_clone_schema(cursor, schema_name: str) -> None:
    """django-tenants' clone: reads the whole catalogue, slower with every schema."""
    if not _clone_function_installed(cursor):
        install_clone_function()
    cursor.execute(
        "SELECT public.clone_schema(%s, %s, 'DATA')",
        [settings.TENANT_BASE_SCHEMA, schema_name],
    )
    _constraint_names_restore(cursor, settings.TENANT_BASE_SCHEMA, schema_name)


# The cached snapshot of this process: (state, snapshot).
_snapshot_cache: dict[str, snapshot.Snapshot] = {}


def template_snapshot(*, recapture: bool = False) -> snapshot.Snapshot:
    """The snapshot of the template's current migration state: from this process's
    cache, else from `TemplateSnapshot`, else captured now and stored.

    Two processes capturing the same state at once store one row (the second insert
    does nothing). Raises `snapshot.SnapshotUnsupported` for a template it cannot copy.
    """
    template = settings.TENANT_BASE_SCHEMA
    with connection.cursor() as cursor:
        state = snapshot.template_state(cursor, template)
    if not recapture and state in _snapshot_cache:
        return _snapshot_cache[state]
    row = None if recapture else TemplateSnapshot.objects.filter(state=state).first()
    if row is not None:
        found = snapshot.from_row(row.state, row.ddl, row.objects_json)
    else:
        found = snapshot.capture(template)
        with connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO tenants_templatesnapshot (state, template, ddl, objects_json,"
                " created_at) VALUES (%s, %s, %s, %s, now())"
                " ON CONFLICT (state) DO UPDATE SET ddl = EXCLUDED.ddl,"
                " objects_json = EXCLUDED.objects_json, created_at = EXCLUDED.created_at",
                [found.state, template, found.ddl, snapshot.to_json(found)],
            )
        TemplateSnapshot.objects.exclude(state=found.state).delete()
        logger.info("captured the template's snapshot for state %s", found.state[:12])
    _snapshot_cache.clear()
    _snapshot_cache[state] = found
    return found


def clone_template(schema_name: str) -> None:
    """Copy the template schema, structure and data, to `schema_name`.

    Replays the template's snapshot (`tenants.snapshot`): a fixed number of statements
    whatever the number of schemas in the database. The copy includes
    `django_migrations`, so the clone is as migrated as the template and needs no
    migration run of its own.

    Two clones may run at once. A clone holds, until its transaction ends, a lock on
    its schema name (a second clone of the same name waits, then finds the schema) and
    a shared lock that `migrate_fleet` takes alone for a moment after migrating the
    template, so that every clone begun before that is seen by its schema list.
    """
    connection.set_schema_to_public()  # type: ignore[attr-defined]  # django-tenants' connection
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_advisory_xact_lock_shared(%s), pg_advisory_xact_lock(%s, hashtext(%s))",
            [CLONE_BARRIER_LOCK, CLONE_NAME_LOCK, schema_name],
        )
        # By name through the catalogue cache (django-tenants' schema_exists compares
        # lower(nspname): a scan of every schema).
        cursor.execute(
            "SELECT to_regnamespace(quote_ident(%s)) IS NOT NULL"
            " OR to_regnamespace(quote_ident(lower(%s))) IS NOT NULL",
            [schema_name, schema_name],
        )
        if cursor.fetchone()[0]:
            raise ValueError(f"schema {schema_name} already exists")
    try:
        found = template_snapshot()
    except snapshot.SnapshotUnsupported as exc:
        logger.warning("template snapshot unavailable (%s): cloning with clone_schema()", exc)
        with connection.cursor() as cursor:
            _clone_with_clone_schema(cursor, schema_name)
        return
    script = snapshot.clone_script(found, settings.TENANT_BASE_SCHEMA, schema_name)
    with connection.cursor() as cursor:
        cursor.execute(script)


# The clone re-creates unique constraints under PostgreSQL's generated names
# (`<table>_<columns>_key`); a later migration that drops or alters one by its declared
# name would then fail in every cloned workspace. This puts the template's names back:
# each constraint of the clone matched to the template's by table, type and definition.
_RENAMES_SQL = """
SELECT format('ALTER TABLE %%I.%%I RENAME CONSTRAINT %%I TO %%I',
              clone_ns.nspname, clone_table.relname, clone_con.conname, template_con.conname)
FROM pg_constraint template_con
JOIN pg_class template_table ON template_table.oid = template_con.conrelid
JOIN pg_namespace template_ns ON template_ns.oid = template_table.relnamespace
JOIN pg_namespace clone_ns ON clone_ns.nspname = %(clone)s
JOIN pg_class clone_table
  ON clone_table.relnamespace = clone_ns.oid AND clone_table.relname = template_table.relname
JOIN pg_constraint clone_con
  ON clone_con.conrelid = clone_table.oid AND clone_con.contype = template_con.contype
 AND pg_get_constraintdef(clone_con.oid) = pg_get_constraintdef(template_con.oid)
WHERE template_ns.nspname = %(template)s
  AND template_con.contype IN ('u', 'p', 'x')
  AND clone_con.conname <> template_con.conname
"""


def _constraint_names_restore(cursor, template: str, clone: str) -> None:
    cursor.execute(_RENAMES_SQL, {"template": template, "clone": clone})
    for (statement,) in cursor.fetchall():
        cursor.execute(statement)


def pool_add() -> Tenant:
    """Clone one more ready schema into the pool."""
    schema_name = POOL_SCHEMA_PREFIX + secrets.token_hex(6)
    with transaction.atomic():
        tenant = Tenant.objects.create(schema_name=schema_name, kind=Tenant.Kind.POOLED)
        clone_template(schema_name)
    logger.info("added schema %s to the pool", schema_name)
    return tenant


def pool_size() -> int:
    return Tenant.objects.filter(kind=Tenant.Kind.POOLED).count()


def pool_refill(*, target: int | None = None) -> int:
    """Top the pool up to `target` schemas (TENANT_POOL_SIZE). Returns how many it added.

    Runs in one process at a time; a second caller returns 0 at once (the running one
    also replaces what is taken while it runs).
    """
    target = settings.TENANT_POOL_SIZE if target is None else target
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s)", [_POOL_REFILL_LOCK])
        if not cursor.fetchone()[0]:
            return 0
    try:
        if not Tenant.objects.filter(kind=Tenant.Kind.TEMPLATE).exists():
            return 0
        # Counted again after every clone: sign-ups that take schemas meanwhile find
        # the lock held and queue nothing more, so this call makes up for them too.
        added = 0
        while pool_size() < target:
            pool_add()
            added += 1
        return added
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s)", [_POOL_REFILL_LOCK])


def workspace_claim(*, slug: str, name: str, owner_email: str) -> Tenant:
    """Give the workspace `slug` its schema: a pooled one renamed, else a direct clone.

    Must run inside the caller's transaction: if anything after it fails, the
    rename, the tenant row and the domain all roll back and the pooled schema
    returns to the pool untouched.
    """
    assert connection.in_atomic_block, "workspace_claim must run inside a transaction"
    schema_name = workspace_schema_name(slug)
    now = timezone.now()
    pooled = (
        Tenant.objects.select_for_update(skip_locked=True)
        .filter(kind=Tenant.Kind.POOLED)
        .order_by("created_at", "pk")
        .first()
    )
    if pooled is not None:
        # The row first: its unique slug makes a concurrent sign-up for the same slug
        # wait here and then fail, before either touches a schema name.
        pooled.kind = Tenant.Kind.ACTIVE
        pooled.slug = slug
        pooled.name = name
        pooled.owner_email = owner_email
        pooled.activated_at = now
        pooled.save(update_fields=["kind", "slug", "name", "owner_email", "activated_at"])
        schema_rename(pooled, schema_name, save=False)
        pooled.save(update_fields=["schema_name"])
        tenant = pooled
    else:
        logger.warning("schema pool empty: cloning the template for %s", slug)
        tenant = Tenant.objects.create(
            schema_name=schema_name,
            kind=Tenant.Kind.ACTIVE,
            slug=slug,
            name=name,
            owner_email=owner_email,
            activated_at=now,
        )
        clone_template(schema_name)
    Domain.objects.create(domain=workspace_domain(slug), tenant=tenant, is_primary=True)
    return tenant
