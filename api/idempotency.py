"""`Idempotency-Key` on POST: the same key and body replay the first response.

How it holds under concurrency: the whole POST runs in one transaction that first
takes a PostgreSQL advisory lock on (schema, caller, key). A second request with the
same key waits on that lock until the first commits, then finds its stored response
and replays it — the handler never runs twice. The record is written in the same
transaction as the change, so a change and its record commit or vanish together.

* same key, same body (within 24 h): the stored status and body, with the header
  `Idempotent-Replayed: true`;
* same key, another body: 422 `idempotency_key_reused`;
* responses worth replaying are stored: 2xx and the 4xx that describe the request
  itself (400, 404, 409, 422); 401/403/429 and 5xx are not, so a retry can succeed.
"""

from __future__ import annotations

import hashlib
import json
from datetime import timedelta

from django.db import connection
from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework import exceptions, status

from api.models import IdempotencyRecord

HEADER = "Idempotency-Key"
KEY_MAX_LENGTH = 255
VALID_FOR = timedelta(hours=24)
STORED_STATUSES = frozenset({400, 404, 409, 422})


class IdempotencyKeyReused(exceptions.APIException):
    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    default_code = "idempotency_key_reused"
    default_detail = "This Idempotency-Key was used with a different request."


class IdempotentReplay(Exception):
    """Raised to short-circuit the handler with the stored response."""

    def __init__(self, record: IdempotencyRecord):
        self.record = record


def fingerprint(method: str, path: str, data) -> str:
    body = json.dumps(data, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(f"{method} {path}\n{body}".encode()).hexdigest()


def claim(*, principal: str, key: str, request_fingerprint: str) -> None:
    """Lock the key for this transaction; raise IdempotentReplay if already answered."""
    if not key or len(key) > KEY_MAX_LENGTH:
        raise exceptions.ValidationError(
            {HEADER: [_("Must be 1 to %(max)d characters.") % {"max": KEY_MAX_LENGTH}]}
        )
    assert connection.in_atomic_block, "claim() must run inside the request's transaction"
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))",
            # django-tenants' connection
            [f"{connection.schema_name}|{principal}|{key}"],  # type: ignore[attr-defined]
        )
    record = IdempotencyRecord.objects.filter(principal=principal, key=key).first()
    if record is None:
        return
    if record.created_at <= timezone.now() - VALID_FOR:
        record.delete()  # expired: the key may be used afresh
        return
    if record.request_fingerprint != request_fingerprint:
        raise IdempotencyKeyReused(
            _("This Idempotency-Key was used with a different request body or path.")
        )
    raise IdempotentReplay(record)


def store(*, principal: str, key: str, request_fingerprint: str, response) -> None:
    if not (200 <= response.status_code < 300 or response.status_code in STORED_STATUSES):
        return
    if hasattr(response, "render") and not getattr(response, "is_rendered", True):
        response.render()
    IdempotencyRecord.objects.create(
        principal=principal,
        key=key,
        request_fingerprint=request_fingerprint,
        response_status=response.status_code,
        response_body=bytes(response.content),
        response_content_type=response.get("Content-Type", "application/json"),
    )


def replay(record: IdempotencyRecord) -> HttpResponse:
    response = HttpResponse(
        bytes(record.response_body),
        status=record.response_status,
        content_type=record.response_content_type,
    )
    response["Idempotent-Replayed"] = "true"
    return response


def purge_expired() -> int:
    deleted, _ = IdempotencyRecord.objects.filter(
        created_at__lte=timezone.now() - VALID_FOR
    ).delete()
    return deleted
