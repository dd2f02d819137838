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
