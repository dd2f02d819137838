"""Billing writes: trials, Stripe Checkout and Portal, webhook events, operator changes.

Stripe is called only outside database transactions (`billing.stripe_client` refuses
otherwise): a service that talks to Stripe makes the call first and then records the
result in a short transaction of its own. Every write to Stripe carries an
idempotency key.
"""

from __future__ import annotations

import json
import logging
import re
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tenants.utils import schema_context

from billing import conf, stripe_client
from billing.models import Plan, StripeEvent, Subscription, TenantRow
from billing.routing import routing_changed
from tradepost.audit.services import audit_record
from tradepost.principals import Actor

logger = logging.getLogger(__name__)

MANAGE_PERMISSION = "billing.manage_billing"
_CLIENT_KEY = re.compile(r"^[A-Za-z0-9-]{8,64}$")


def _require(actor: Actor, permission: str = MANAGE_PERMISSION) -> None:
    if not actor.has_perm(permission):
        raise PermissionDenied(_("You do not have permission to do this."))


def _audit(
    tenant: TenantRow | None, *, actor: Actor | None, action: str, data: dict[str, Any]
) -> None:
    """Record a billing change in the workspace's own audit log (its schema), inside
    the caller's transaction."""
    if tenant is None or tenant.kind != "active":
        return
    with schema_context(tenant.schema_name):
        audit_record(actor=actor, action=action, data=data)


def _timestamp(value: int | str | None) -> datetime | None:
    return datetime.fromtimestamp(int(value), tz=UTC) if value else None


# --- Trial -----------------------------------------------------------------------------


def subscription_start_trial(*, tenant: TenantRow) -> Subscription:
    """Give a new workspace its trial of the trial plan, for BILLING_TRIAL_DAYS.

    Called by sign-up inside its transaction, so a workspace never exists without a
    subscription.
    """
    plan = Plan.objects.get(code=conf.trial_plan_code())
    trial_ends_at = timezone.now() + conf.trial_length()
    subscription = Subscription.objects.create(
        tenant=tenant,
        plan=plan,
        status=Subscription.Status.TRIALING,
        trial_ends_at=trial_ends_at,
    )
    _audit(
        tenant,
        actor=None,
        action="billing.trial_started",
        data={"plan": plan.code, "trial_ends_at": trial_ends_at.isoformat()},
    )
    return subscription


def trials_expire() -> int:
    """Move workspaces whose own trial ended (no Stripe subscription) to the free plan.

    Their limits drop to the free plan's; nothing is deleted. Returns how many moved.
    """
    fallback = Plan.objects.get(code=conf.fallback_plan_code())
    moved = 0
    expired = Subscription.objects.filter(
        status=Subscription.Status.TRIALING,
        stripe_subscription_id="",
        trial_ends_at__lte=timezone.now(),
    ).values_list("pk", flat=True)
    for pk in expired:
        with transaction.atomic():
            subscription = (
                Subscription.objects.select_for_update().select_related("tenant").get(pk=pk)
            )
            if (
                subscription.status != Subscription.Status.TRIALING
                or subscription.stripe_subscription_id
            ):
                continue
            old_plan = subscription.plan_id
            subscription.plan = fallback
            subscription.status = Subscription.Status.ACTIVE
            subscription.save(update_fields=["plan", "status", "updated_at"])
            _audit(
                subscription.tenant,
                actor=None,
                action="billing.trial_ended",
                data={"plan": fallback.code, "previous_plan_id": old_plan},
            )
            moved += 1
    return moved


# --- Checkout and Portal -----------------------------------------------------------------


def _offline_error() -> ValidationError:
    return ValidationError(
        _("Online payments are not connected. The platform operator assigns plans.")
    )


def _key(client_key: str, *parts: object) -> str:
    """An idempotency key: the page's own key (so a double click reuses it) plus what
    is being asked for (so another choice on the same page is another request)."""
    base = client_key if client_key and _CLIENT_KEY.match(client_key) else uuid.uuid4().hex
    return ":".join(["tradepost", base, *(str(part) for part in parts)])


def customer_ensure(*, tenant: TenantRow) -> str:
    """The tenant's Stripe customer, created on first need and mapped to the tenant.

    The idempotency key is fixed per workspace, so two first clicks at once create
    one customer; the conditional update keeps the first mapping.
    """
    subscription = Subscription.objects.get(tenant=tenant)
    if subscription.stripe_customer_id:
        return subscription.stripe_customer_id
    customer = stripe_client.customer_create(
        email=tenant.owner_email,
        name=tenant.name,
        tenant_id=tenant.pk,
        idempotency_key=(
            f"tradepost:customer:{tenant.schema_name}:{int(tenant.created_at.timestamp())}"
        ),
    )
    with transaction.atomic():
        linked = Subscription.objects.filter(pk=subscription.pk, stripe_customer_id="").update(
            stripe_customer_id=customer, updated_at=timezone.now()
        )
        if linked:
            routing_changed()  # requests carry the cached subscription row
            _audit(
                tenant, actor=None, action="billing.customer_created", data={"customer": customer}
            )
    if not linked:
        return Subscription.objects.get(pk=subscription.pk).stripe_customer_id
    return customer


def _has_live_stripe_subscription(subscription: Subscription) -> bool:
    return bool(
        subscription.stripe_subscription_id
        and subscription.stripe_item_id
        and subscription.status
        not in (Subscription.Status.CANCELED, Subscription.Status.INCOMPLETE)
    )


def checkout_start(
    *,
    actor: Actor,
    tenant: TenantRow,
    plan_code: str,
    interval: str,
    client_key: str,
    success_url: str,
    cancel_url: str,
) -> str:
    """Where to send an administrator to subscribe to `plan_code` or change to it.

    Without a live Stripe subscription: a Checkout session. With one: the Customer
    Portal's confirmation of the plan change (Checkout cannot change an existing
    subscription; the Portal prorates it). Returns the Stripe URL.
    """
    _require(actor)
    if not conf.online():
        raise _offline_error()
    if interval not in Subscription.Interval.values:
        raise ValidationError({"interval": [_("Choose monthly or yearly.")]})
    plan = Plan.objects.filter(code=plan_code, is_public=True).first()
    if plan is None:
        raise ValidationError({"plan": [_("Choose one of the listed plans.")]})
    price = plan.stripe_price_for(interval)
    if not price:
        raise ValidationError(
            {"plan": [_("This plan cannot be bought online. The platform operator assigns it.")]}
        )
    subscription = Subscription.objects.select_related("plan").get(tenant=tenant)
    if (
        _has_live_stripe_subscription(subscription)
        and subscription.plan_id == plan.pk
        and subscription.interval == interval
    ):
        raise ValidationError({"plan": [_("The workspace is already on this plan.")]})
    customer = customer_ensure(tenant=tenant)
    if _has_live_stripe_subscription(subscription):
        url = stripe_client.portal_session_create(
            customer=customer,
            return_url=cancel_url,
            update_subscription=subscription.stripe_subscription_id,
            update_item=subscription.stripe_item_id,
            new_price=price,
            idempotency_key=_key(client_key, "change", plan.code, interval),
        )
        action = "billing.plan_change_started"
    else:
        url = stripe_client.checkout_session_create(
            customer=customer,
            price=price,
            tenant_id=tenant.pk,
            plan_code=plan.code,
            success_url=success_url,
            cancel_url=cancel_url,
            idempotency_key=_key(client_key, "checkout", plan.code, interval),
        )
        action = "billing.checkout_started"
    with transaction.atomic():
        _audit(tenant, actor=actor, action=action, data={"plan": plan.code, "interval": interval})
    return url


def portal_start(*, actor: Actor, tenant: TenantRow, client_key: str, return_url: str) -> str:
    """A Customer Portal session (payment methods, invoices, cancelling). Returns its URL."""
    _require(actor)
    if not conf.online():
        raise _offline_error()
    customer = customer_ensure(tenant=tenant)
    return stripe_client.portal_session_create(
        customer=customer, return_url=return_url, idempotency_key=_key(client_key, "portal")
    )


# --- Operators ---------------------------------------------------------------------------


@transaction.atomic
def subscription_operator_save(
    *, actor: Actor, subscription: Subscription, changed: list[str]
) -> None:
    """An operator's change in the console (offline mode assigns plans this way).

    Keeps `past_due_since` consistent with the status and audits the change in the
    workspace's log. A later Stripe event still wins for Stripe-managed subscriptions.
    """
    if not getattr(actor, "is_staff", False):
        raise PermissionDenied(_("Only platform operators change subscriptions here."))
    if "status" in changed:
        if subscription.status == Subscription.Status.PAST_DUE:
            subscription.past_due_since = subscription.past_due_since or timezone.now()
        elif subscription.status != Subscription.Status.UNPAID:
            subscription.past_due_since = None
    subscription.save()
    _audit(
        subscription.tenant,
        actor=None,
        action="billing.changed_by_operator",
        data={
            "operator": getattr(actor, "email", str(actor)),
            "plan": subscription.plan.code,
            "status": subscription.status,
            "fields": sorted(changed),
        },
    )


# --- Stripe webhooks ---------------------------------------------------------------------


class WebhookRejected(Exception):
    """A webhook request that is not a correctly signed Stripe event."""


def stripe_event_record(*, payload: bytes, signature: str) -> StripeEvent:
    """Verify a webhook and store its event once (the event id is unique).

    A redelivered event returns the row stored the first time.
    """
    secret = conf.stripe_webhook_secret()
    if not secret:
        raise WebhookRejected("STRIPE_WEBHOOK_SECRET is not set")
    import stripe

    try:
        stripe_client.construct_event(payload, signature, secret)
        event = json.loads(payload)
    except (ValueError, stripe.SignatureVerificationError) as exc:
        raise WebhookRejected(str(exc)) from exc
    return stripe_event_store(event=event)


def stripe_event_store(*, event: dict[str, Any]) -> StripeEvent:
    """Store a verified event unless its id is already stored; return the row."""
    if not isinstance(event, dict) or not event.get("id") or not event.get("type"):
        raise WebhookRejected("not a Stripe event")
    record, _created = StripeEvent.objects.get_or_create(
        event_id=str(event["id"]),
        defaults={
            "type": str(event["type"])[:100],
            "created": _timestamp(event.get("created")) or timezone.now(),
            "livemode": bool(event.get("livemode")),
            "payload": event,
        },
    )
    return record


class _NeedsFetch(Exception):  # noqa: N818 - a signal between two steps, not an error
    def __init__(self, subscription_id: str):
        super().__init__(subscription_id)
        self.subscription_id = subscription_id


DUPLICATE = "duplicate"


def stripe_event_process(*, event: StripeEvent) -> str:
    """Apply a stored event once; returns its outcome (or "duplicate").

    The event row is locked for the update, so two deliveries of one event apply it
    once. Stripe is called (to re-fetch a subscription) only between attempts, never
    while the transaction is open. A failure is recorded on the event and re-raised.
    """
    fetched: dict[str, Any] | None = None
    for _attempt in range(3):
        try:
            try:
                return _process_once(event.pk, fetched)
            except _NeedsFetch as need:
                fetched = stripe_client.subscription_retrieve(need.subscription_id)
        except Exception as exc:
            _record_failure(event.pk, exc)
            raise
    _record_failure(event.pk, RuntimeError("the subscription kept changing; try again"))
    return StripeEvent.Outcome.FAILED


def _record_failure(pk: int, exc: Exception) -> None:
    with transaction.atomic():
        StripeEvent.objects.filter(pk=pk, processed_at__isnull=True).update(
            outcome=StripeEvent.Outcome.FAILED,
            detail=f"{type(exc).__name__}: {exc}"[:500],
            updated_at=timezone.now(),
        )
    logger.exception("Stripe event %s failed", pk)


def _process_once(pk: int, fetched: dict[str, Any] | None) -> str:
    with transaction.atomic():
        record = StripeEvent.objects.select_for_update().get(pk=pk)
        if record.processed_at is not None:
            return DUPLICATE
        handler = _HANDLERS.get(record.type)
        outcome: str
        if handler is None:
            outcome, detail, tenant = StripeEvent.Outcome.IGNORED, "event type not handled", None
        else:
            outcome, detail, tenant = handler(record, fetched)
        record.outcome = outcome
        record.detail = detail[:500]
        record.tenant = tenant
        record.attempts += 1
        record.processed_at = timezone.now()
        record.save(
            update_fields=["outcome", "detail", "tenant", "attempts", "processed_at", "updated_at"]
        )
        return outcome


_STATUS = {
    "trialing": Subscription.Status.TRIALING,
    "active": Subscription.Status.ACTIVE,
    "past_due": Subscription.Status.PAST_DUE,
    "unpaid": Subscription.Status.UNPAID,
    "canceled": Subscription.Status.CANCELED,
    "incomplete": Subscription.Status.INCOMPLETE,
    "incomplete_expired": Subscription.Status.CANCELED,
    "paused": Subscription.Status.PAUSED,
}


def _locate(
    *, customer: str = "", subscription: str = "", tenant_id: str = ""
) -> Subscription | None:
    """The workspace subscription an object belongs to, locked: by Stripe subscription,
    then customer, then the tenant id we put in the metadata."""
    rows = Subscription.objects.select_for_update().select_related("tenant", "plan")
    if subscription and (found := rows.filter(stripe_subscription_id=subscription).first()):
        return found
    if customer and (found := rows.filter(stripe_customer_id=customer).first()):
        return found
    if tenant_id and str(tenant_id).isdigit():
        found = rows.filter(tenant_id=int(tenant_id)).first()
        if found is not None and found.stripe_customer_id in ("", customer):
            return found
    return None


def _first_item(obj: dict[str, Any]) -> dict[str, Any]:
    items = (obj.get("items") or {}).get("data") or []
    return items[0] if items else {}


def _plan_for_price(price_id: str) -> Plan | None:
    if not price_id:
        return None
    return (
        Plan.objects.filter(stripe_price_monthly=price_id).first()
        or Plan.objects.filter(stripe_price_yearly=price_id).first()
    )


def _apply_subscription(sub: Subscription, obj: dict[str, Any], version: datetime) -> list[str]:
    """Mirror a Stripe subscription object onto `sub`; returns what changed."""
    before = {f: getattr(sub, f) for f in ("plan_id", "status", "interval")}
    item = _first_item(obj)
    price = item.get("price") or {}
    plan = _plan_for_price(price.get("id", ""))
    if plan is None and (code := (obj.get("metadata") or {}).get("plan")):
        plan = Plan.objects.filter(code=code).first()
    if plan is not None:
        sub.plan = plan
    recurring = price.get("recurring") or {}
    sub.interval = (
        Subscription.Interval.YEAR
        if recurring.get("interval") == "year"
        else Subscription.Interval.MONTH
    )
    sub.status = _STATUS.get(obj.get("status", ""), Subscription.Status.INCOMPLETE)
    sub.stripe_subscription_id = obj.get("id", "") or sub.stripe_subscription_id
    if not sub.stripe_customer_id and isinstance(obj.get("customer"), str):
        sub.stripe_customer_id = obj["customer"]
    sub.stripe_item_id = item.get("id", "")
    # Newer API versions keep the period on the item, older ones on the subscription.
    sub.current_period_start = _timestamp(
        obj.get("current_period_start") or item.get("current_period_start")
    )
    sub.current_period_end = _timestamp(
        obj.get("current_period_end") or item.get("current_period_end")
    )
    sub.trial_ends_at = _timestamp(obj.get("trial_end"))
    sub.cancel_at_period_end = bool(obj.get("cancel_at_period_end"))
    sub.canceled_at = _timestamp(obj.get("canceled_at"))
    if sub.status in (Subscription.Status.PAST_DUE, Subscription.Status.UNPAID):
        # The grace period runs from the start of the period whose invoice is unpaid,
        # which the subscription itself says: the same whatever order events arrive in.
        sub.past_due_since = sub.current_period_start or sub.past_due_since or version
    else:
        sub.past_due_since = None
    sub.stripe_updated = version
    sub.save()
    return [field for field, value in before.items() if getattr(sub, field) != value]


# What a handler did: its outcome, a note for the operators, and the workspace concerned.
Handled = tuple[str, str, TenantRow | None]
Handler = Callable[[StripeEvent, dict[str, Any] | None], Handled]


def _on_subscription(record: StripeEvent, fetched: dict[str, Any] | None) -> Handled:
    obj = record.payload.get("data", {}).get("object", {})
    sub = _locate(
        customer=obj.get("customer") if isinstance(obj.get("customer"), str) else "",
        subscription=obj.get("id", ""),
        tenant_id=(obj.get("metadata") or {}).get("tenant_id", ""),
    )
    if sub is None:
        return StripeEvent.Outcome.IGNORED, "no workspace for this customer", None
    if (
        sub.stripe_subscription_id
        and sub.stripe_subscription_id != obj.get("id")
        and sub.status != Subscription.Status.CANCELED
        and _STATUS.get(obj.get("status", "")) == Subscription.Status.CANCELED
    ):
        return StripeEvent.Outcome.IGNORED, "an earlier subscription of this workspace", sub.tenant
    version = record.created
    if sub.stripe_updated is not None and version < sub.stripe_updated:
        return StripeEvent.Outcome.STALE, "a newer state is already applied", sub.tenant
    if sub.stripe_updated is not None and version == sub.stripe_updated and conf.online():
        # Two events in the same second: their order is unknown, so ask Stripe.
        if fetched is None or fetched.get("id") != obj.get("id"):
            raise _NeedsFetch(obj.get("id", ""))
        obj = fetched
    changed = _apply_subscription(sub, obj, version)
    if changed:
        _audit(
            sub.tenant,
            actor=None,
            action="billing.subscription_changed",
            data={"plan": sub.plan.code, "status": sub.status, "event": record.event_id},
        )
    return StripeEvent.Outcome.APPLIED, f"{sub.status} on {sub.plan.code}", sub.tenant


def _on_checkout_completed(record: StripeEvent, fetched: dict[str, Any] | None) -> Handled:
    session = record.payload.get("data", {}).get("object", {})
    if session.get("mode") not in (None, "subscription"):
        return StripeEvent.Outcome.IGNORED, "not a subscription checkout", None
    customer = session.get("customer") if isinstance(session.get("customer"), str) else ""
    sub = _locate(
        customer=customer,
        tenant_id=session.get("client_reference_id")
        or (session.get("metadata") or {}).get("tenant_id", ""),
    )
    if sub is None:
        return StripeEvent.Outcome.IGNORED, "no workspace for this checkout", None
    subscription_id = session.get("subscription")
    subscription_id = subscription_id if isinstance(subscription_id, str) else ""
    fields = []
    if customer and not sub.stripe_customer_id:
        sub.stripe_customer_id = customer
        fields.append("stripe_customer_id")
    if (
        subscription_id
        and (not sub.stripe_subscription_id or sub.status == Subscription.Status.CANCELED)
        and sub.stripe_subscription_id != subscription_id
    ):
        sub.stripe_subscription_id = subscription_id
        fields.append("stripe_subscription_id")
    if fields:
        sub.save(update_fields=[*fields, "updated_at"])
        _audit(
            sub.tenant,
            actor=None,
            action="billing.checkout_completed",
            data={"subscription": subscription_id, "event": record.event_id},
        )
    # The subscription's state arrives with customer.subscription.* events.
    return StripeEvent.Outcome.APPLIED, "linked" if fields else "already linked", sub.tenant


def _on_invoice(paid: bool) -> Handler:
    def handle(record: StripeEvent, fetched: dict[str, Any] | None) -> Handled:
        invoice = record.payload.get("data", {}).get("object", {})
        customer = invoice.get("customer") if isinstance(invoice.get("customer"), str) else ""
        sub = _locate(customer=customer)
        if sub is None:
            return StripeEvent.Outcome.IGNORED, "no workspace for this customer", None
        field = "last_payment_at" if paid else "last_payment_failed_at"
        when = record.created
        if paid:
            when = _timestamp((invoice.get("status_transitions") or {}).get("paid_at")) or when
        current = getattr(sub, field)
        if current is not None and current >= when:
            return StripeEvent.Outcome.STALE, "a later payment is already recorded", sub.tenant
        setattr(sub, field, when)
        sub.save(update_fields=[field, "updated_at"])
        # Status moves (past_due, back to active) arrive with customer.subscription.updated.
        return (
            StripeEvent.Outcome.APPLIED,
            "payment recorded" if paid else "failure recorded",
            sub.tenant,
        )

    return handle


_HANDLERS: dict[str, Handler] = {
    "checkout.session.completed": _on_checkout_completed,
    "customer.subscription.created": _on_subscription,
    "customer.subscription.updated": _on_subscription,
    "customer.subscription.deleted": _on_subscription,
    "customer.subscription.paused": _on_subscription,
    "customer.subscription.resumed": _on_subscription,
    "invoice.paid": _on_invoice(paid=True),
    "invoice.payment_failed": _on_invoice(paid=False),
}
HANDLED_EVENT_TYPES = sorted(_HANDLERS)


def stripe_events_replay(*, since_days: int = 30, fetch_from_stripe: bool = True) -> dict[str, int]:
    """Apply events that never reached us or failed: first the ones Stripe reports as
    undelivered (when online), then every stored event not yet processed, oldest first.
    Returns a count per outcome."""
    counts: dict[str, int] = {}
    if fetch_from_stripe and conf.online():
        since = int(timezone.now().timestamp()) - since_days * 86400
        for event in stripe_client.undelivered_events(created_after=since):
            stripe_event_store(event=event)
    pending = StripeEvent.objects.filter(processed_at__isnull=True).order_by("created", "pk")
    for record in list(pending):
        try:
            outcome = stripe_event_process(event=record)
        except Exception:  # noqa: BLE001 - recorded on the event; go on with the rest
            outcome = StripeEvent.Outcome.FAILED
        counts[outcome] = counts.get(outcome, 0) + 1
    return counts
