"""Background billing work (public schema)."""

from __future__ import annotations

from billing import services
from tradepost.celery import app


@app.task(name="billing.tasks.expire_trials")
def expire_trials() -> int:
    """Move workspaces whose trial ended without a subscription to the free plan."""
    return services.trials_expire()
