"""Background work for settlement. Tasks run in the schema they were sent for (beat
sends a per-workspace entry once to every active workspace: tradepost.celery)."""

from __future__ import annotations

import datetime
import logging

from django.db import connection

from billing.access import WorkspaceReadOnly
from tradepost.celery import app
from tradepost.settlement import rebates

logger = logging.getLogger(__name__)


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
