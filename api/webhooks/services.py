"""Writes for webhooks: endpoints, the outbox, deliveries and their attempts.

The API, the settings page and the delivery task only call these. Changes made by
people run in one transaction with their audit entry; work for the worker is queued
through `enqueue_on_commit`, so nothing is sent for a change that rolls back.
"""

from __future__ import annotations

import random
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from api.webhooks import conf
from api.webhooks.models import WebhookDelivery, WebhookEndpoint, WebhookEvent
from tradepost import outbound, outreach
from tradepost.audit.services import audit_record
from tradepost.background import enqueue_on_commit
from tradepost.events import check_event_type
from tradepost.events.types import PING, SUBSCRIBABLE_EVENT_TYPES
from tradepost.principals import Actor
from tradepost.text import SINGLE_LINE_MESSAGE, has_forbidden_characters
from tradepost.versioned_cache import VersionedCache

# Which active endpoints take each event type: asked at every event a service emits,
# changed only when an endpoint is saved or deleted (signals in apps.py).
subscribers = VersionedCache("webhooks:subscribers")

SECRET_PREFIX = "whsec_"  # noqa: S105 - a prefix, not a secret
# An attempt holds its delivery this long (the request's timeout plus a margin); a
# second task for the same delivery meanwhile skips it, and a worker that died
# mid-attempt lets the delivery become due again afterwards.
CLAIM_MARGIN = timedelta(seconds=60)
# Celery's countdown and our clock may disagree by a little: an attempt this early
# still counts as due.
EARLY_TOLERANCE = timedelta(seconds=5)
# A pending or retrying delivery this far past due has lost its queued task (broker
# down at commit, worker killed): the sweeper queues it again.
STALLED_AFTER = timedelta(minutes=10)
REQUEUE_BATCH = 500

Status = WebhookDelivery.Status
OPEN_STATUSES = [Status.PENDING, Status.RETRYING]


def _require(actor: Actor, permission: str, message: str) -> None:
    if actor is None or not actor.has_perm(permission):
        raise PermissionDenied(message)


def new_secret() -> str:
    return f"{SECRET_PREFIX}{secrets.token_urlsafe(32)}"


_url_validator = URLValidator(schemes=["http", "https"])


def _clean_url(url: object, errors: dict[str, list[str]]) -> str:
    url = url.strip() if isinstance(url, str) else ""
    if not url:
        errors["url"] = [_("Enter the URL that should receive the events.")]
        return url
    if len(url) > WebhookEndpoint._meta.get_field("url").max_length:  # type: ignore[operator]
        errors["url"] = [_("Use at most 2000 characters.")]
        return url
    try:
        _url_validator(url)
    except ValidationError:
        errors["url"] = [_("Enter a full http:// or https:// URL.")]
        return url
    try:
        # Refuses local, private, reserved and metadata destinations (resolving the
        # name now; every send resolves and checks again).
        outbound.validate_url(url)
    except outbound.OutboundRefused as exc:
        errors["url"] = list(exc.messages)
    return url


def _clean_event_types(event_types: Any, errors: dict[str, list[str]]) -> list[str]:
    if not isinstance(event_types, list | tuple) or not all(
        isinstance(item, str) for item in event_types
    ):
        errors["event_types"] = [_("Give the event types as a list of names.")]
        return []
    unknown = sorted(set(event_types) - set(SUBSCRIBABLE_EVENT_TYPES))
    if unknown:
        errors["event_types"] = [
            _("Unknown event type: %(type)s.") % {"type": event_type} for event_type in unknown
        ]
    elif not event_types:
        errors["event_types"] = [_("Choose at least one event type.")]
    # The registry's order, each once.
    return [code for code in SUBSCRIBABLE_EVENT_TYPES if code in event_types]


def _clean_description(description: object, errors: dict[str, list[str]]) -> str:
    description = description.strip() if isinstance(description, str) else ""
    if len(description) > 200:
        errors["description"] = [_("Use at most 200 characters.")]
    elif has_forbidden_characters(description):
        errors["description"] = [SINGLE_LINE_MESSAGE]
    return description


@transaction.atomic
def webhook_endpoint_create(
    *, actor: Actor, url: str, event_types: list[str], description: str = "", is_active: bool = True
) -> WebhookEndpoint:
    """Register `url` for `event_types`. Administrators only (webhooks.add_webhookendpoint).

    The endpoint gets a new signing secret; the caller shows it once.
    """
    _require(
        actor, "webhooks.add_webhookendpoint", _("Only administrators can add webhook endpoints.")
    )
    outreach.require_allowed()  # our servers call out on its behalf: confirmed owners only
    errors: dict[str, list[str]] = {}
    url = _clean_url(url, errors)
    event_types = _clean_event_types(event_types, errors)
    description = _clean_description(description, errors)
    if errors:
        raise ValidationError(errors)
    endpoint = WebhookEndpoint.objects.create(
        url=url,
        description=description,
        event_types=event_types,
        is_active=bool(is_active),
        secret=new_secret(),
    )
    audit_record(
        actor=actor,
        action="webhook_endpoint.created",
        target=endpoint,
        data={"event_types": event_types, "active": endpoint.is_active},
    )
    return endpoint


@transaction.atomic
def webhook_endpoint_update(
    *,
    actor: Actor,
    endpoint: WebhookEndpoint,
    url: str | None = None,
    description: str | None = None,
    event_types: list[str] | None = None,
    is_active: bool | None = None,
) -> WebhookEndpoint:
    """Change the given fields (None leaves one as it is). The secret never changes here.

    Deliveries already queued keep going to the endpoint's URL at the time they are
    sent; disabling the endpoint stops them.
    """
    _require(
        actor,
        "webhooks.change_webhookendpoint",
        _("Only administrators can change webhook endpoints."),
    )
    endpoint = WebhookEndpoint.objects.select_for_update().get(pk=endpoint.pk)
    errors: dict[str, list[str]] = {}
    changes: dict[str, Any] = {}
    if url is not None:
        changes["url"] = _clean_url(url, errors)
    if description is not None:
        changes["description"] = _clean_description(description, errors)
    if event_types is not None:
        changes["event_types"] = _clean_event_types(event_types, errors)
    if is_active is not None:
        changes["is_active"] = bool(is_active)
    if errors:
        raise ValidationError(errors)
    changed = {name: value for name, value in changes.items() if getattr(endpoint, name) != value}
    if changed:
        for name, value in changed.items():
            setattr(endpoint, name, value)
        endpoint.save(update_fields=[*changed, "updated_at"])
        audit_record(
            actor=actor,
            action="webhook_endpoint.updated",
            target=endpoint,
            data={"changed": sorted(changed)},
        )
    return endpoint


@transaction.atomic
def webhook_endpoint_delete(*, actor: Actor, endpoint: WebhookEndpoint) -> None:
    """Delete the endpoint with its delivery log; nothing more is sent to it."""
    _require(
        actor,
        "webhooks.delete_webhookendpoint",
        _("Only administrators can delete webhook endpoints."),
    )
    audit_record(
        actor=actor,
        action="webhook_endpoint.deleted",
        target=endpoint,
        data={"event_types": endpoint.event_types},
    )
    WebhookEndpoint.objects.filter(pk=endpoint.pk).delete()


def _queue(deliveries: list[WebhookDelivery]) -> None:
    for delivery in deliveries:
        enqueue_on_commit("api.webhooks.tasks.deliver_webhook", delivery.pk)


def webhook_emit(*, event_type: str, payload: dict[str, Any]) -> WebhookEvent | None:
    """Record `event_type` in the outbox, in the caller's transaction, with one delivery
    per active endpoint subscribed to it; each is sent after commit.

    This is the writer behind `tradepost.events.emit` (registered in `apps.py`); domain
    code calls `emit`, never this.

    A rolled-back change leaves no event and sends nothing. With no subscriber nothing
    is written (and None returned); who subscribes is cached (`subscribers`), so
    workspaces without webhooks usually pay no query at all.
    """
    check_event_type(event_type)
    endpoint_ids = subscribers.get(
        event_type,
        lambda: list(
            WebhookEndpoint.objects.filter(is_active=True, event_types__contains=[event_type])
            .order_by("pk")
            .values_list("pk", flat=True)
        ),
    )
    if not endpoint_ids:
        return None
    # In the caller's transaction, without a savepoint of its own (see events.emit).
    with transaction.atomic(savepoint=False):
        event = WebhookEvent.objects.create(event_type=event_type, payload=payload)
        now = timezone.now()
        deliveries = WebhookDelivery.objects.bulk_create(
            [
                WebhookDelivery(endpoint_id=endpoint_id, event=event, next_attempt_at=now)
                for endpoint_id in endpoint_ids
            ]
        )
        _queue(deliveries)
    return event


@transaction.atomic
def webhook_ping(*, actor: Actor, endpoint: WebhookEndpoint) -> WebhookDelivery:
    """Send a `ping` event to this endpoint only (also when it is disabled), to test it."""
    _require(
        actor,
        "webhooks.change_webhookendpoint",
        _("Only administrators can send test events."),
    )
    event = WebhookEvent.objects.create(
        event_type=PING,
        payload={"endpoint_id": endpoint.pk, "message": "Test event from Tradepost."},
    )
    delivery = WebhookDelivery.objects.create(
        endpoint=endpoint, event=event, next_attempt_at=timezone.now()
    )
    audit_record(
        actor=actor, action="webhook_endpoint.pinged", target=endpoint, data={"event_id": event.pk}
    )
    _queue([delivery])
    return delivery


@transaction.atomic
def webhook_redeliver(*, actor: Actor, delivery: WebhookDelivery) -> WebhookDelivery:
    """Send the delivery's event to its endpoint again, whatever its state: it becomes
    pending with a fresh set of attempts. The endpoint must be active (pings aside)."""
    _require(
        actor,
        "webhooks.change_webhookdelivery",
        _("Only administrators can redeliver webhooks."),
    )
    delivery = (
        WebhookDelivery.objects.select_for_update(of=("self",))
        .select_related("endpoint", "event")
        .get(pk=delivery.pk)
    )
    if not delivery.endpoint.is_active and delivery.event.event_type != PING:
        raise ValidationError(_("The endpoint is disabled. Enable it before redelivering."))
    delivery.status = Status.PENDING
    delivery.attempts = 0
    delivery.next_attempt_at = timezone.now()
    delivery.save(update_fields=["status", "attempts", "next_attempt_at", "updated_at"])
    audit_record(
        actor=actor,
        action="webhook_delivery.redelivered",
        target=delivery,
        data={"event_id": delivery.event_id, "event_type": delivery.event.event_type},
    )
    _queue([delivery])
    return delivery


def retry_delay(attempts: int) -> float:
    """Seconds to wait after failed attempt number `attempts` (1 for the first):
    base × 2^(attempts − 1), ±20 % so a receiver's outage is not met by a stampede."""
    delay: float = conf.retry_base_seconds() * 2 ** max(attempts - 1, 0)
    return delay * random.uniform(0.8, 1.2)  # noqa: S311 - jitter, not cryptography


def delivery_claim(*, delivery_id: int) -> WebhookDelivery | None:
    """Take a due delivery for one attempt, or None when there is nothing to do (sent
    already, failed, not yet due, or another task holds it).

    The claim is one conditional UPDATE, so two tasks for the same delivery (a retry
    and a redelivery, a requeued one) never send it twice at the same time. A
    delivery whose endpoint was disabled meanwhile is marked failed instead.
    """
    now = timezone.now()
    claimed = WebhookDelivery.objects.filter(
        Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now + EARLY_TOLERANCE),
        pk=delivery_id,
        status__in=OPEN_STATUSES,
    ).update(
        attempts=F("attempts") + 1,
        last_attempt_at=now,
        next_attempt_at=now + timedelta(seconds=conf.timeout_seconds()) + CLAIM_MARGIN,
        updated_at=now,
    )
    if not claimed:
        return None
    delivery = WebhookDelivery.objects.select_related("endpoint", "event").get(pk=delivery_id)
    if not delivery.endpoint.is_active and delivery.event.event_type != PING:
        WebhookDelivery.objects.filter(
            pk=delivery.pk, attempts=delivery.attempts, last_attempt_at=delivery.last_attempt_at
        ).update(
            status=Status.FAILED,
            next_attempt_at=None,
            error="The endpoint is disabled.",
            updated_at=now,
        )
        return None
    return delivery


@dataclass(frozen=True)
class AttemptOutcome:
    delivery: WebhookDelivery
    retry_in: float | None  # seconds until the next attempt, when one is scheduled


def delivery_record(
    *,
    delivery: WebhookDelivery,
    response_status: int | None,
    response_excerpt: str = "",
    error: str = "",
    final: bool = False,
) -> AttemptOutcome | None:
    """Record a claimed attempt's outcome: a 2xx succeeds; anything else is retried
    after `retry_delay` until `conf.max_attempts()`, then the delivery has failed.
    A `final` failure (the destination was refused) fails at once, without retries.

    Returns None when the delivery was redelivered by hand during the attempt: the
    newer run owns it, and this outcome is dropped.
    """
    now = timezone.now()
    retry_in = None
    if response_status is not None and 200 <= response_status < 300:
        status, next_attempt_at = Status.SUCCEEDED, None
    elif final or delivery.attempts >= conf.max_attempts():
        status, next_attempt_at = Status.FAILED, None
    else:
        retry_in = retry_delay(delivery.attempts)
        status, next_attempt_at = Status.RETRYING, now + timedelta(seconds=retry_in)
    fields = {
        "status": status,
        "next_attempt_at": next_attempt_at,
        "response_status": response_status,
        "response_excerpt": response_excerpt[:500],
        "error": error[:500],
    }
    updated = WebhookDelivery.objects.filter(
        pk=delivery.pk, attempts=delivery.attempts, last_attempt_at=delivery.last_attempt_at
    ).update(**fields, updated_at=now)
    if not updated:
        return None
    for name, value in fields.items():
        setattr(delivery, name, value)
    return AttemptOutcome(delivery=delivery, retry_in=retry_in)


def webhook_requeue_stalled() -> int:
    """Queue again the open deliveries long past due (their task was lost); the claim
    in `delivery_claim` keeps a late original task from sending twice."""
    cutoff = timezone.now() - STALLED_AFTER
    stalled = list(
        WebhookDelivery.objects.filter(status__in=OPEN_STATUSES, next_attempt_at__lte=cutoff)
        .order_by("pk")
        .only("pk")[:REQUEUE_BATCH]
    )
    _queue(stalled)
    return len(stalled)
