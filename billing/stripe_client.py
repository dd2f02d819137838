"""The one way to reach Stripe: the official SDK, never inside a database transaction.

Every call that writes to Stripe carries an idempotency key, so a retry (ours, the
SDK's or a double click) never creates a second customer or session.
"""

from __future__ import annotations

import stripe
from django.db import connection
from stripe.params.billing_portal import SessionCreateParams as PortalSessionParams

from billing import conf

# The SDK retries connection errors and 409/5xx answers; safe with idempotency keys.
MAX_NETWORK_RETRIES = 2


class BillingOffline(RuntimeError):
    """Payments are not connected (no STRIPE_SECRET_KEY)."""


def _outside_transaction() -> None:
    # A Stripe call inside a transaction would hold row locks for a network round
    # trip, and a rollback could not undo what Stripe did.
    # (The test suite's own wrapping transaction is no request's transaction.)
    if any(not getattr(block, "_from_testcase", False) for block in connection.atomic_blocks):
        raise RuntimeError("Stripe must not be called inside a database transaction")


def client() -> stripe.StripeClient:
    if not conf.online():
        raise BillingOffline("STRIPE_SECRET_KEY is not set")
    base = conf.stripe_api_base()
    return stripe.StripeClient(
        conf.stripe_secret_key(),
        base_addresses={"api": base} if base else None,
        max_network_retries=MAX_NETWORK_RETRIES,
    )


def _write_options(idempotency_key: str) -> stripe.RequestOptions:
    if not idempotency_key:
        raise ValueError("every write to Stripe needs an idempotency key")
    return {"idempotency_key": idempotency_key}


def customer_create(*, email: str, name: str, tenant_id: int, idempotency_key: str) -> str:
    _outside_transaction()
    customer = client().v1.customers.create(
        params={
            "email": email,
            "name": name,
            "metadata": {"tenant_id": str(tenant_id)},
        },
        options=_write_options(idempotency_key),
    )
    return customer.id


def checkout_session_create(
    *,
    customer: str,
    price: str,
    tenant_id: int,
    plan_code: str,
    success_url: str,
    cancel_url: str,
    idempotency_key: str,
) -> str:
    """A Checkout session subscribing `customer` to `price`; returns its URL."""
    _outside_transaction()
    metadata = {"tenant_id": str(tenant_id), "plan": plan_code}
    session = client().v1.checkout.sessions.create(
        params={
            "mode": "subscription",
            "customer": customer,
            "client_reference_id": str(tenant_id),
            "line_items": [{"price": price, "quantity": 1}],
            "success_url": success_url,
            "cancel_url": cancel_url,
            "metadata": metadata,
            "subscription_data": {"metadata": metadata},
        },
        options=_write_options(idempotency_key),
    )
    return session.url  # type: ignore[return-value]  # a session just created has its URL


def portal_session_create(
    *,
    customer: str,
    return_url: str,
    idempotency_key: str,
    update_subscription: str = "",
    update_item: str = "",
    new_price: str = "",
) -> str:
    """A Customer Portal session; with a subscription and a new price it opens straight
    on the confirmation of that plan change. Returns its URL."""
    _outside_transaction()
    params: PortalSessionParams = {
        "customer": customer,
        "return_url": return_url,
    }
    if update_subscription and update_item and new_price:
        params["flow_data"] = {
            "type": "subscription_update_confirm",
            "subscription_update_confirm": {
                "subscription": update_subscription,
                "items": [{"id": update_item, "price": new_price, "quantity": 1}],
            },
            "after_completion": {"type": "redirect", "redirect": {"return_url": return_url}},
        }
    session = client().v1.billing_portal.sessions.create(
        params=params, options=_write_options(idempotency_key)
    )
    return session.url


def subscription_retrieve(subscription_id: str) -> dict:
    """The subscription as Stripe has it now, as plain data."""
    _outside_transaction()
    return client().v1.subscriptions.retrieve(subscription_id).to_dict()


def invoices_list(customer: str, *, limit: int = 12) -> list[dict]:
    _outside_transaction()
    page = client().v1.invoices.list(params={"customer": customer, "limit": limit})
    return [invoice.to_dict() for invoice in page.data]


def undelivered_events(*, created_after: int, limit: int = 100) -> list[dict]:
    """Events Stripe has not managed to deliver to us since `created_after` (Unix time),
    oldest first."""
    _outside_transaction()
    page = client().v1.events.list(
        params={"delivery_success": False, "created": {"gte": created_after}, "limit": limit}
    )
    events = [event.to_dict() for event in page.auto_paging_iter()]
    return sorted(events, key=lambda event: (event.get("created", 0), event.get("id", "")))


def construct_event(payload: bytes, signature: str, secret: str) -> stripe.Event:
    """Verify Stripe's signature (HMAC-SHA256 of "<t>.<payload>" in `Stripe-Signature`)
    and the timestamp's age; raises stripe.SignatureVerificationError or ValueError."""
    return stripe.Webhook.construct_event(
        payload, signature, secret, tolerance=conf.WEBHOOK_TOLERANCE_SECONDS
    )
