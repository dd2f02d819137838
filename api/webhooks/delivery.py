"""One delivery attempt: claim, POST the signed envelope, record the outcome.

The HTTP request runs outside any transaction (a slow receiver holds no locks). The
endpoint's URL, its secret and the signature are never logged: a URL may carry a
receiver's token, and a signature is a credential for that body.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass

import requests
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection

from api.webhooks import conf, services
from api.webhooks.models import WebhookDelivery, WebhookEvent
from api.webhooks.signing import SIGNATURE_HEADER, signature_header

logger = logging.getLogger(__name__)

USER_AGENT = "Tradepost-Webhooks/1"
EXCERPT_CHARS = 500
_READ_BYTES = 4 * EXCERPT_CHARS  # of the response, at most; the rest is not read


@dataclass(frozen=True)
class AttemptResult:
    status: str  # the delivery's status afterwards, or "skipped"
    retry_in: float | None = None


def _workspace_slug() -> str:
    tenant = getattr(connection, "tenant", None)
    slug = getattr(tenant, "slug", None)
    if slug:
        return slug
    from tenants.models import Tenant

    return Tenant.objects.values_list("slug", flat=True).get(schema_name=connection.schema_name)


def envelope(event: WebhookEvent, workspace: str) -> dict:
    """What receivers get: the event's id, type and time, the workspace, and `data`."""
    return {
        "id": event.pk,
        "type": event.event_type,
        "created_at": event.created_at,
        "workspace": workspace,
        "data": event.payload,
    }


def envelope_body(event: WebhookEvent, workspace: str) -> bytes:
    return json.dumps(
        envelope(event, workspace), cls=DjangoJSONEncoder, ensure_ascii=False, separators=(",", ":")
    ).encode()


def _post(delivery: WebhookDelivery, body: bytes) -> tuple[int | None, str, str]:
    """(response status, response excerpt, error) of one POST."""
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "Tradepost-Event": delivery.event.event_type,
        "Tradepost-Delivery": str(delivery.pk),
        SIGNATURE_HEADER: signature_header(delivery.endpoint.secret, body),
    }
    timeout = conf.timeout_seconds()
    try:
        # Redirects are not followed: requests would turn the POST into a GET.
        with requests.post(
            delivery.endpoint.url,
            data=body,
            headers=headers,
            timeout=timeout,
            allow_redirects=False,
            stream=True,
        ) as response:
            raw = b""
            for chunk in response.iter_content(chunk_size=_READ_BYTES):
                raw = chunk[:_READ_BYTES]
                break
            excerpt = raw.decode(response.encoding or "utf-8", errors="replace")[:EXCERPT_CHARS]
            error = ""
            if 300 <= response.status_code < 400:
                error = "Redirects are not followed; register the final URL."
            return response.status_code, excerpt, error
    except requests.Timeout:
        return None, "", f"No answer within {timeout:g} seconds."
    except requests.ConnectionError as exc:
        return None, "", f"Could not connect: {exc}"
    except requests.RequestException as exc:
        return None, "", f"Request failed: {exc}"


def attempt_delivery(delivery_id: int) -> AttemptResult:
    """Make one attempt if the delivery is due; say whether and when to retry."""
    delivery = services.delivery_claim(delivery_id=delivery_id)
    if delivery is None:
        return AttemptResult("skipped")
    body = envelope_body(delivery.event, _workspace_slug())
    response_status, excerpt, error = _post(delivery, body)
    outcome = services.delivery_record(
        delivery=delivery, response_status=response_status, response_excerpt=excerpt, error=error
    )
    if outcome is None:
        logger.info("webhook delivery %s: redelivered meanwhile, outcome dropped", delivery_id)
        return AttemptResult("skipped")
    logger.info(
        "webhook delivery %s (event %s %s, endpoint %s) attempt %s: %s, %s",
        delivery.pk,
        delivery.event_id,
        delivery.event.event_type,
        delivery.endpoint_id,
        delivery.attempts,
        response_status if response_status is not None else "no response",
        outcome.delivery.status,
    )
    return AttemptResult(outcome.delivery.status, outcome.retry_in)
