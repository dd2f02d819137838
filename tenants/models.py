"""The tenant registry. Lives in the public schema."""

from __future__ import annotations

from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _
from django_tenants.models import DomainMixin, TenantMixin


class Tenant(TenantMixin):
    """One company's workspace and the PostgreSQL schema that holds its data.

    Besides workspaces (`ACTIVE`), the registry holds the template schema new
    workspaces are cloned from and a pool of ready clones (`POOLED`). Both are rows
    here so that `migrate_schemas` keeps them current with every deploy.
    """

    class Kind(models.TextChoices):
        PUBLIC = "public", _("Public")
        TEMPLATE = "template", _("Template")
        POOLED = "pooled", _("Pooled (ready for sign-up)")
        ACTIVE = "active", _("Workspace")

    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.ACTIVE)
    name = models.CharField(_("company name"), max_length=200, blank=True)
    slug = models.SlugField(_("workspace slug"), max_length=30, null=True, blank=True, unique=True)
    owner_email = models.EmailField(_("owner e-mail"), blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    activated_at = models.DateTimeField(_("signed up"), null=True, blank=True)
    # When the owner confirmed `owner_email` by the e-mailed link (tenants.verification).
    # Until then the workspace works but cannot invite people, create API keys or webhooks.
    owner_verified_at = models.DateTimeField(_("owner e-mail confirmed"), null=True, blank=True)

    # Schemas are created by tenants.provisioning (clone or pool hand-out), never by save().
    auto_create_schema = False
    auto_drop_schema = True

    class Meta:
        verbose_name = _("tenant")
        verbose_name_plural = _("tenants")
        constraints = [
            models.UniqueConstraint(
                Lower("owner_email"),
                condition=models.Q(kind="active") & ~models.Q(owner_email=""),
                name="tenant_owner_email_unique_ci",
            )
        ]
        indexes = [models.Index(fields=["kind", "created_at"], name="tenant_kind_created")]

    def __str__(self) -> str:
        return self.slug or self.schema_name


class Domain(DomainMixin):
    """A host name that routes to a tenant (`acme.localhost`)."""

    class Meta:
        verbose_name = _("domain")
        verbose_name_plural = _("domains")


class TemplateSnapshot(models.Model):
    """The template schema's DDL for one migration state (`tenants.snapshot`).

    Written when the template is migrated (or by the first clone after it); every clone
    of that state replays it instead of reading the catalogue. Rows of older states are
    deleted when a new one is written.
    """

    state = models.CharField(_("migration state"), max_length=40, unique=True)
    template = models.CharField(_("template schema"), max_length=63)
    ddl = models.TextField(_("DDL"))
    objects_json = models.TextField(_("tables and sequences"))
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("template snapshot")
        verbose_name_plural = _("template snapshots")

    def __str__(self) -> str:
        return f"{self.template} @ {self.state[:12]}"


class SchemaMigration(models.Model):
    """Where `migrate_fleet` left one schema: migrated to `target`, or failed on it.

    One row per schema name, replaced at each attempt. A re-run skips schemas whose
    `django_migrations` already hold every migration (checked in the database, not
    here) and retries the rest; this table says what happened and why.
    """

    class Status(models.TextChoices):
        MIGRATED = "migrated", _("Migrated")
        FAILED = "failed", _("Failed")

    schema_name = models.CharField(_("schema"), max_length=63, unique=True)
    target = models.CharField(_("target state"), max_length=40)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices)
    applied = models.PositiveIntegerField(_("migrations applied"), default=0)
    error = models.TextField(_("error"), blank=True)
    seconds = models.FloatField(_("seconds"), default=0)
    finished_at = models.DateTimeField(_("finished"), auto_now=True)

    class Meta:
        verbose_name = _("schema migration")
        verbose_name_plural = _("schema migrations")

    def __str__(self) -> str:
        return f"{self.schema_name}: {self.status}"
