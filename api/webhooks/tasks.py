"""Background work for webhooks. Tasks take ids and run in the sender's schema."""

from __future__ import annotations

from api.webhooks import services
from api.webhooks.delivery import attempt_delivery
from tradepost.celery import app


@app.task(bind=True, name="api.webhooks.tasks.deliver_webhook", max_retries=None)
def deliver_webhook(self, delivery_id: int) -> str:
    """One attempt at a delivery; a failed one is retried with exponential backoff.

    Idempotent: a delivery that succeeded, failed for good, is not yet due or is
    being sent by another task is skipped. The attempt limit is the delivery's
    (`conf.max_attempts`, counted in the database), so `max_retries` is unbounded here.
    """
    result = attempt_delivery(delivery_id)
    if result.retry_in is not None and not self.request.is_eager:
        # Without a worker (no REDIS_URL) tasks run in-process: no sleeping retries
        # there; the delivery stays "retrying" for the sweeper.
        raise self.retry(countdown=result.retry_in)
    return result.status


@app.task(name="api.webhooks.tasks.requeue_stalled_deliveries")
def requeue_stalled_deliveries() -> int:
    """Beat, every few minutes in every workspace: queue deliveries whose task was lost."""
    return services.webhook_requeue_stalled()
