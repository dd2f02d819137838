"""Background work for the API layer."""

from api import idempotency
from tradepost.celery import app


@app.task(name="api.tasks.purge_idempotency_records")
def purge_idempotency_records() -> int:
    """Drop idempotency records past their 24 hours (runs in every workspace)."""
    return idempotency.purge_expired()
