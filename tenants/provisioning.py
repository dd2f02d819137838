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

from tenants.models import Domain, Tenant
from tradepost.links import workspace_domain

logger = logging.getLogger(__name__)

POOL_SCHEMA_PREFIX = "tp_pool_"
WORKSPACE_SCHEMA_PREFIX = "t_"
# pg_try_advisory_lock key: only one process refills the pool at a time.
_POOL_REFILL_LOCK = 7_310_001


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
    install_clone_function()  # the clone code of the django-tenants version deployed
    return template


def install_clone_function() -> None:
    """(Re)install django-tenants' `clone_schema()` SQL function in `public`.

    Once per deploy (ensure_template). Re-installing it before every clone, as
    django-tenants' CloneSchema does, costs ~30 ms and leaves ~11 MB of memory in the
    connection each time, so refills on one connection got slower clone by clone.
    """
    CloneSchema()._create_clone_schema_function()


def _clone_function_installed() -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT 1 FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace"
            " WHERE n.nspname = 'public' AND p.proname = 'clone_schema'"
        )
        return cursor.fetchone() is not None


def clone_template(schema_name: str) -> None:
    """Copy the template schema, structure and data, to `schema_name`.

    The copy includes `django_migrations`, so the clone is as migrated as the
    template and needs no migration run of its own.
    """
    connection.set_schema_to_public()  # type: ignore[attr-defined]  # django-tenants' connection
    if schema_exists(schema_name, case_sensitive=False):
        raise ValueError(f"schema {schema_name} already exists")
    if not _clone_function_installed():
        install_clone_function()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT public.clone_schema(%s, %s, 'DATA')",
            [settings.TENANT_BASE_SCHEMA, schema_name],
        )
        _constraint_names_restore(cursor, settings.TENANT_BASE_SCHEMA, schema_name)


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
