"""One delivery attempt: claim, POST the signed envelope, record the outcome.

The HTTP request runs outside any transaction (a slow receiver holds no locks) and
through the outbound guard (`tradepost.outbound`): a URL that leads to a private,
local or metadata address fails at once, without a request. The endpoint's URL, its
secret and the signature are never logged: a URL may carry a receiver's token, and a
signature is a credential for that body.
"""

from __future__ import annotations

import codecs
import json
import logging
from dataclasses import dataclass

from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection

from api.webhooks import conf, services
from api.webhooks.models import WebhookDelivery, WebhookEvent
from api.webhooks.signing import SIGNATURE_HEADER, signature_header
from tradepost import outbound

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

    # django-tenants' connection
    return Tenant.objects.values_list("slug", flat=True).get(schema_name=connection.schema_name)  # type: ignore[attr-defined]


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


# What a failed attempt records: generic words only, never the exception's text, so
# the delivery log cannot be used to tell open, closed and filtered ports apart.
ERROR_REFUSED = "The receiver's address is not allowed (private, local or reserved network)."
ERROR_CONNECT = "Could not connect to the receiver."
ERROR_TLS = "Could not make a secure connection to the receiver (check its certificate)."
ERROR_REDIRECT = "Redirects are not followed; register the final URL."


@dataclass(frozen=True)
class PostResult:
    response_status: int | None
    excerpt: str = ""
    error: str = ""
    final: bool = False  # no point retrying: the destination is refused


def _post(delivery: WebhookDelivery, body: bytes) -> PostResult:
    """One POST through the outbound guard (`tradepost.outbound`): the URL is resolved
    and checked now, the connection goes to the checked address, redirects are not
    followed (and would turn the POST into a GET), and at most `_READ_BYTES` of the
    answer are read. Only an answer from an address the guard let through is kept."""
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "Tradepost-Event": delivery.event.event_type,
        "Tradepost-Delivery": str(delivery.pk),
        SIGNATURE_HEADER: signature_header(delivery.endpoint.secret, body),
    }
    timeout = conf.timeout_seconds()
    try:
        response = outbound.guarded_post(
            delivery.endpoint.url,
            body=body,
            headers=headers,
            timeout=timeout,
            max_bytes=_READ_BYTES,
        )
    except outbound.OutboundError as exc:
        if exc.kind == exc.REFUSED:
            return PostResult(None, error=ERROR_REFUSED, final=True)
        if exc.kind == exc.TIMEOUT:
            return PostResult(None, error=f"No answer within {timeout:g} seconds.")
        if exc.kind == exc.TLS:
            return PostResult(None, error=ERROR_TLS)
        return PostResult(None, error=ERROR_CONNECT)
    excerpt = response.content.decode(_charset(response.headers), errors="replace")
    error = ERROR_REDIRECT if 300 <= response.status < 400 else ""
    return PostResult(response.status, excerpt[:EXCERPT_CHARS], error)


def _charset(headers) -> str:
    content_type = headers.get("Content-Type", "")
    for part in content_type.split(";")[1:]:
        name, _, value = part.strip().partition("=")
        if name.lower() == "charset" and value:
            charset = value.strip('"').strip()
            try:
                codecs.lookup(charset)
            except LookupError:
                break
            return charset
    return "utf-8"


def attempt_delivery(delivery_id: int) -> AttemptResult:
    """Make one attempt if the delivery is due; say whether and when to retry."""
    delivery = services.delivery_claim(delivery_id=delivery_id)
    if delivery is None:
        return AttemptResult("skipped")
    body = envelope_body(delivery.event, _workspace_slug())
    result = _post(delivery, body)
    response_status = result.response_status
    outcome = services.delivery_record(
        delivery=delivery,
        response_status=response_status,
        response_excerpt=result.excerpt,
        error=result.error,
        final=result.final,
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
