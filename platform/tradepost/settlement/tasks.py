"""Background work for settlement. Periodic tasks run once in every active workspace
(settings.CELERY_BEAT_SCHEDULE), in its schema."""

from __future__ import annotations

import datetime
import logging

from django.conf import settings
from django.db import connection
from django_tenants.utils import get_tenant_model

from billing.access import WorkspaceReadOnly
from tradepost.celery import app
from tradepost.settlement import collections, rebates

logger = logging.getLogger(__name__)


@app.task(name="tradepost.settlement.tasks.payment_reminders")
def payment_reminders() -> int:
    """E-mail today's payment reminders of this workspace (`settlement.collections`)."""
    tenant = get_tenant_model().objects.get(schema_name=connection.schema_name)  # type: ignore[attr-defined]  # django-tenants
    return collections.reminders_run(workspace=tenant.name, language=settings.LANGUAGE_CODE)


@app.task(name="tradepost.settlement.tasks.rebates_compute_due")
def rebates_compute_due(today: str | None = None) -> int:
    """Compute the rebates of the periods that ended with last month (beat: the 1st of
    every month, in every workspace). Idempotent: running it again changes nothing
    unless orders changed. `today` (ISO date) stands in for the day it runs. Returns
    how many rebates were created, brought up to date or withdrawn."""
    day = datetime.date.fromisoformat(today) if today else None
    schema = connection.schema_name  # type: ignore[attr-defined]  # django-tenants' connection
    try:
        result = rebates.rebates_compute_due(today=day)
    except WorkspaceReadOnly:
        logger.info("rebates in %s: skipped, the workspace is read-only", schema)
        return 0
    logger.info(
        "rebates in %s: %s created, %s updated, %s unchanged, %s withdrawn, %s reviewed",
        schema,
        result.created,
        result.updated,
        result.unchanged,
        result.withdrawn,
        result.reviewed,
    )
    return result.changed
