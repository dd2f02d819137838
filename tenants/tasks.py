"""Background work on the tenant registry (public schema)."""

from __future__ import annotations

from tenants import provisioning
from tradepost.celery import app


@app.task(name="tenants.tasks.refill_schema_pool")
def refill_schema_pool() -> int:
    """Top the pool of ready schemas up to TENANT_POOL_SIZE. Safe to run any time."""
    return provisioning.pool_refill()
