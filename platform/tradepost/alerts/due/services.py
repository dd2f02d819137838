"""The dispatcher's side of the due index (public schema)."""

from __future__ import annotations

import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from tenants.models import Tenant
from tradepost.alerts.due.models import WorkspaceDue

# A workspace handed to a worker is not handed out again for this long; its run sets
# the real next due time when it ends (a run that dies is retried after the lease).
LEASE = datetime.timedelta(minutes=5)
BATCH = 1000


def due_workspaces_claim(*, now: datetime.datetime | None = None, limit: int = BATCH) -> list[str]:
    """The schemas of the active workspaces whose due time has passed, earliest first,
    leased for LEASE (one indexed range read on `due_at` and one UPDATE of those rows;
    rows another dispatcher holds are skipped)."""
    now = now or timezone.now()
    with transaction.atomic():
        rows = list(
            WorkspaceDue.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(due_at__lte=now, tenant__kind=Tenant.Kind.ACTIVE)
            .order_by("due_at")
            .values_list("pk", "tenant__schema_name")[:limit]
        )
        if rows:
            WorkspaceDue.objects.filter(pk__in=[pk for pk, _ in rows]).update(due_at=now + LEASE)
    return [schema for _, schema in rows]


def workspace_enrol(sender: Any = None, instance: Any = None, **kwargs: Any) -> None:
    """A workspace that became active is due at once (its cloned rules have checks
    waiting): post_save of `tenants.Tenant`, wired in the app's ready()."""
    if instance is None or instance.kind != Tenant.Kind.ACTIVE:
        return
    WorkspaceDue.objects.get_or_create(tenant_id=instance.pk, defaults={"due_at": timezone.now()})
