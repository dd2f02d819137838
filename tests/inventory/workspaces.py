"""A committed workspace of a test's own, for tests whose rows must be committed
(other connections, a live server) and that write stock moves: the ledger refuses to
delete them (migration inventory 0002), so such a test signs up a workspace and drops
it, schema and all, afterwards — the way a workspace leaves the platform."""

from __future__ import annotations

import uuid

from django.db import connection
from django.utils import timezone

from tenants.models import Domain
from tenants.services import tenant_signup
from tests.conftest import PASSWORD, Workspace


def workspace_signup(prefix: str) -> Workspace:
    """A new workspace `<prefix>-<random>` with its owner (e-mail confirmed), committed."""
    slug = f"{prefix}-{uuid.uuid4().hex[:6]}"
    email = f"owner@{slug}.test"
    result = tenant_signup(
        company_name=f"{prefix} 测试", slug=slug, owner_email=email, password=PASSWORD
    )
    result.tenant.owner_verified_at = timezone.now()
    result.tenant.save(update_fields=["owner_verified_at"])
    connection.set_schema_to_public()
    return Workspace(tenant=result.tenant, owner_email=email)


def workspace_drop(workspace: Workspace) -> None:
    """The workspace gone: its tenant row, its domain and its schema."""
    connection.set_schema_to_public()
    Domain.objects.filter(tenant=workspace.tenant).delete()
    workspace.tenant.delete(force_drop=True)
