"""Reads for the webhooks page and API: lists with what each row shows, in a fixed
number of queries however long the lists grow."""

from __future__ import annotations

from django.db.models import QuerySet

from api.webhooks.models import WebhookDelivery, WebhookEndpoint


def endpoint_list() -> QuerySet[WebhookEndpoint]:
    return WebhookEndpoint.objects.order_by("-created_at", "-pk")


def delivery_list(*, endpoint_id: int | None = None) -> QuerySet[WebhookDelivery]:
    """Newest first, with endpoint and event joined in (no query per row)."""
    deliveries = WebhookDelivery.objects.select_related("endpoint", "event").order_by(
        "-created_at", "-pk"
    )
    if endpoint_id is not None:
        deliveries = deliveries.filter(endpoint_id=endpoint_id)
    return deliveries
