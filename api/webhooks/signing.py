"""How Tradepost signs webhook requests, and how a receiver checks them.

Every delivery is an HTTP POST with a JSON body and these headers:

    Content-Type: application/json
    User-Agent: Tradepost-Webhooks/1
    Tradepost-Event: user.invited
    Tradepost-Delivery: 42
    Tradepost-Signature: t=1767225600,v1=5257a869e7ecebeda32affa62cdca3fa…  (64 hex digits)

`t` is the Unix time of the attempt; `v1` is the lowercase hex HMAC-SHA256, keyed
with the endpoint's secret (`whsec_…`, shown once when the endpoint is created), of

    f"{t}.{raw request body}"

i.e. the timestamp, a full stop, and the body bytes exactly as received (verify before
parsing the JSON: re-serialising changes the bytes). A receiver should

1. compute the HMAC over its own `t` and the raw body and compare it with every `v1`
   value in constant time (there may be more than one, e.g. while a secret changes);
2. refuse a `t` more than five minutes from its own clock, so a captured request
   cannot be replayed later;
3. answer any 2xx within 10 seconds once the event is stored (anything else, or no
   answer, is retried with exponential backoff), and ignore an event `id` it has
   already processed: delivery is at least once, and a retry or a manual
   redelivery sends the same event again.

In Python, with this module copied or installed:

    from api.webhooks.signing import verify_signature

    if not verify_signature(secret, request.headers["Tradepost-Signature"], request.body):
        return HttpResponse(status=400)
    event = json.loads(request.body)   # {"id", "type", "created_at", "workspace", "data"}
"""

from __future__ import annotations

import hashlib
import hmac
import time

SIGNATURE_HEADER = "Tradepost-Signature"
SCHEME = "v1"
DEFAULT_TOLERANCE_SECONDS = 300


def _as_bytes(value: bytes | str) -> bytes:
    return value.encode() if isinstance(value, str) else value


def compute_signature(secret: str, timestamp: int, body: bytes | str) -> str:
    """Hex HMAC-SHA256 of `"{timestamp}.{body}"` with `secret`."""
    message = str(timestamp).encode() + b"." + _as_bytes(body)
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def signature_header(secret: str, body: bytes | str, timestamp: int | None = None) -> str:
    """The `Tradepost-Signature` value for `body`, signed now (or at `timestamp`)."""
    timestamp = int(time.time()) if timestamp is None else int(timestamp)
    return f"t={timestamp},{SCHEME}={compute_signature(secret, timestamp, body)}"


def verify_signature(
    secret: str,
    header: str | None,
    body: bytes | str,
    tolerance: int = DEFAULT_TOLERANCE_SECONDS,
    *,
    now: float | None = None,
) -> bool:
    """True when `header` signs `body` with `secret` and its time is within `tolerance`
    seconds of now; False for anything else (missing, malformed, stale, forged)."""
    if not header:
        return False
    timestamp = None
    signatures = []
    for part in header.split(","):
        key, sep, value = part.strip().partition("=")
        if not sep:
            continue
        if key == "t":
            timestamp = value
        elif key == SCHEME:
            signatures.append(value)
    if timestamp is None or not timestamp.isdigit() or not signatures:
        return False
    current = time.time() if now is None else now
    if abs(current - int(timestamp)) > tolerance:
        return False
    expected = compute_signature(secret, int(timestamp), body)
    # Compare with every v1 and only then decide: no early exit on the first match.
    matches = [hmac.compare_digest(expected, candidate) for candidate in signatures]
    return any(matches)
