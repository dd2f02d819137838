"""Background work for reports. Periodic tasks run once in every active workspace
(settings.CELERY_BEAT_SCHEDULE), in its schema."""

from __future__ import annotations

import datetime
import logging

from django.db import connection

from tradepost.celery import app
from tradepost.reports import rollup

logger = logging.getLogger(__name__)


@app.task(name="tradepost.reports.tasks.stock_monthly_close")
def stock_monthly_close(today: str | None = None) -> int:
    """Close last month's stock report (beat: the 1st of every month, in every
    workspace): rebuild it, and the current month, from the ledger, so every product
    and location holding stock has its row. Idempotent. `today` (ISO date) stands in
    for the day it runs. Returns last month's row count."""
    day = datetime.date.fromisoformat(today) if today else rollup.current_month()
    month = rollup.previous_month(day.replace(day=1))
    rows = rollup.stock_monthly_rebuild(month=month)
    logger.info(
        "stock report in %s: %s closed with %s rows",
        connection.schema_name,  # type: ignore[attr-defined]  # django-tenants
        f"{month:%Y-%m}",
        rows,
    )
    return rows
