"""Stripe event payloads, and webhook requests signed exactly as Stripe signs them:
`Stripe-Signature: t=<unix time>,v1=<hex HMAC-SHA256 of "<t>.<raw body>" keyed with
the endpoint secret>`."""

from __future__ import annotations

import hashlib
import hmac
import json
import time

WEBHOOK_SECRET = "whsec_test_tradepost_billing"
WEBHOOK_PATH = "/billing/stripe/webhook/"
PRICES = {
    ("starter", "month"): "price_starter_month",
    ("starter", "year"): "price_starter_year",
    ("pro", "month"): "price_pro_month",
    ("pro", "year"): "price_pro_year",
}


def sign(payload: bytes, secret: str = WEBHOOK_SECRET, timestamp: int | None = None) -> str:
    timestamp = int(time.time()) if timestamp is None else timestamp
    signed = f"{timestamp}.".encode() + payload
    digest = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def event(event_id: str, event_type: str, created: int, obj: dict) -> dict:
    return {
        "id": event_id,
        "object": "event",
        "api_version": "2025-03-31.basil",
        "created": created,
        "data": {"object": obj},
        "livemode": False,
        "pending_webhooks": 1,
        "request": {"id": None, "idempotency_key": None},
        "type": event_type,
    }


def subscription(
    sub_id: str,
    customer: str,
    *,
    status: str = "active",
    plan: str = "starter",
    interval: str = "month",
    period_start: int = 1_790_000_000,
    period_end: int | None = None,
    cancel_at_period_end: bool = False,
    tenant_id: int | None = None,
) -> dict:
    period_end = period_end or period_start + (31_536_000 if interval == "year" else 2_592_000)
    return {
        "id": sub_id,
        "object": "subscription",
        "customer": customer,
        "status": status,
        "cancel_at_period_end": cancel_at_period_end,
        "canceled_at": period_start if status == "canceled" else None,
        "trial_end": None,
        "metadata": {"tenant_id": str(tenant_id)} if tenant_id else {},
        "items": {
            "object": "list",
            "data": [
                {
                    "id": f"si_{sub_id}",
                    "object": "subscription_item",
                    "current_period_start": period_start,
                    "current_period_end": period_end,
                    "price": {
                        "id": PRICES[(plan, interval)],
                        "object": "price",
                        "recurring": {"interval": interval},
                    },
                }
            ],
        },
    }


def checkout_completed(session_id: str, customer: str, sub_id: str, tenant_id: int) -> dict:
    return {
        "id": session_id,
        "object": "checkout.session",
        "mode": "subscription",
        "customer": customer,
        "subscription": sub_id,
        "client_reference_id": str(tenant_id),
        "metadata": {"tenant_id": str(tenant_id)},
    }


def invoice(invoice_id: str, customer: str, sub_id: str, *, paid_at: int | None = None) -> dict:
    return {
        "id": invoice_id,
        "object": "invoice",
        "customer": customer,
        "subscription": sub_id,
        "status": "paid" if paid_at else "open",
        "status_transitions": {"paid_at": paid_at},
        "total": 2900,
        "currency": "usd",
    }


def deliver(client, payload: dict | bytes, *, secret: str = WEBHOOK_SECRET, timestamp=None):
    """POST an event to the webhook endpoint as Stripe would."""
    body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    return client.post(
        WEBHOOK_PATH,
        data=body,
        content_type="application/json",
        HTTP_STRIPE_SIGNATURE=sign(body, secret, timestamp),
    )
