"""Logs and error reports that carry the tenant and never carry secrets."""

from __future__ import annotations

import contextlib
import logging
import re
from typing import Any

import sentry_sdk
from django.db import connection
from sentry_sdk.scrubber import DEFAULT_DENYLIST, DEFAULT_PII_DENYLIST, EventScrubber

# Keys whose values never leave the process, wherever they appear in an event
# (request data, headers, cookies, local variables, extra).
SECRET_KEYS = [
    *DEFAULT_DENYLIST,
    *DEFAULT_PII_DENYLIST,
    "password1",
    "password2",
    "new_password1",
    "new_password2",
    "old_password",
    "token",
    "api_key",
    "apikey",
    "key",
    "secret_key",
    "stripe_secret_key",
    "webhook_secret",
    "idempotency_key",
    "database_url",
    "redis_url",
    "sentry_dsn",
    "email_host_password",
]


def current_tenant_label() -> str:
    """The active tenant's slug (or schema for template/pool/public)."""
    tenant = getattr(connection, "tenant", None)
    if tenant is not None and getattr(tenant, "slug", None):
        return tenant.slug
    return getattr(connection, "schema_name", "public") or "public"


class TenantLogFilter(logging.Filter):
    """Adds `%(tenant)s` to every log record."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "tenant"):
            try:
                record.tenant = current_tenant_label()
            except Exception:  # noqa: BLE001 - logging must never fail
                record.tenant = "-"
        return True


class TenantContextMiddleware:
    """Tags the request's error reports with the tenant (after tenant routing)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        sentry_sdk.get_isolation_scope().set_tag("tenant", current_tenant_label())
        return self.get_response(request)


_SECRET_HEADERS = {"authorization", "proxy-authorization", "cookie", "stripe-signature"}
# Header names come spelled `X-Csrftoken`; the deny list spells keys `x_csrftoken`.
_SECRET_HEADER_KEYS = {key.lower().replace("-", "_") for key in SECRET_KEYS}

# A key (of a dict anywhere in an event: request data, headers, frame locals, extra,
# breadcrumb data) whose lowered name CONTAINS one of these has its value dropped —
# `raw_password`, `api_key_secret`, `session_key`, `HTTP_AUTHORIZATION` included.
SECRET_KEY_PARTS = (
    "password",
    "passwd",
    "secret",
    "token",
    "api_key",
    "apikey",
    "authorization",
    "cookie",
    "sessionid",
    "session_key",
    "csrf",
    "credential",
    "private_key",
    "dsn",
)

FILTERED = "[Filtered]"

# Secrets recognised by their SHAPE, whatever variable, header or sentence holds them.
# Group 1 is what stays visible: the kind of secret and, for our API keys, the first
# characters of their (non-secret) lookup prefix.
_SECRET_SHAPES = re.compile(
    r"(?<![A-Za-z0-9])(?:"
    # Our API keys, tp_<12 prefix chars>_<secret> (api/keys.py); tp_live_/tp_test_ too.
    r"(tp_(?:live_|test_)?[A-Za-z0-9]{4})[A-Za-z0-9]{8}_[A-Za-z0-9_\-]{16,}"
    r"|(tp_(?:live|test)_)[A-Za-z0-9_\-]{8,}"
    # Webhook signing secrets, ours (api/webhooks) and Stripe's.
    r"|(whsec_)[A-Za-z0-9_\-+/=]{8,}"
    # Stripe secret and restricted keys.
    r"|((?:sk|rk)_(?:live|test)_)[A-Za-z0-9]{8,}"
    r")"
)
# `Bearer <credential>` wherever it is written out (an Authorization header in a repr).
_AUTH_SCHEME = re.compile(r"(?i)\b(bearer)\s+[A-Za-z0-9._~+/=\-]{6,}")
# 'password': 'x' / "token": "x" in reprs of dicts and JSON in messages.
_QUOTED_PAIR = re.compile(
    r"(?i)(['\"][A-Za-z0-9_\-]*(?:" + "|".join(SECRET_KEY_PARTS) + r")[A-Za-z0-9_\-]*['\"]"
    r"\s*:\s*)(['\"])(?:(?!\2).)*\2"
)


def _mask_match(match: re.Match) -> str:
    visible = next(group for group in match.groups() if group is not None)
    return f"{visible}…"


def mask_secret(secret: str) -> str:
    """The safe text form of a secret: its kind and a few identifying characters.

    `tp_0a1b2c3d4e5f_…secret…` → `tp_0a1b…`; anything not shaped like a known
    secret → `…`.
    """
    masked = _SECRET_SHAPES.sub(_mask_match, secret)
    return masked if masked != secret else "…"


# Invitation and password-reset links carry their token as a path segment (32+ URL-safe
# characters); query strings may carry `?api_key=…`. Both turn up in the request's URL,
# in the repr of the request in stack frames and in log messages, so every string of
# the event is cleaned.
_LINK_TOKEN = re.compile(r"(?<=/)[A-Za-z0-9_\-]{32,}(?=[/?#'\"\s]|$)")
# name=value in query strings, form bodies and Cookie headers (`a=1; sessionid=…`).
_QUERY_SECRET = re.compile(
    r"(?i)(^|[?&;\s])("
    + "|".join(
        re.escape(key)
        for key in sorted(
            {*SECRET_KEYS, "csrfmiddlewaretoken", "sessionid", "csrftoken"}, key=len, reverse=True
        )
    )
    + r")=[^&;#'\"\s]*"
)


def mask_secrets_in_text(text: str) -> str:
    """`text` with every secret-shaped value, credential and link token masked."""
    text = _AUTH_SCHEME.sub(lambda m: f"{m.group(1)} {FILTERED}", text)
    text = _SECRET_SHAPES.sub(_mask_match, text)
    text = _QUOTED_PAIR.sub(lambda m: f"{m.group(1)}{m.group(2)}{FILTERED}{m.group(2)}", text)
    text = _QUERY_SECRET.sub(r"\1\2=" + FILTERED, text)
    return _LINK_TOKEN.sub(FILTERED, text)


def _is_secret_key(key: Any) -> bool:
    if not isinstance(key, str):
        return False
    lowered = key.lower().replace("-", "_")
    return lowered in _SECRET_HEADER_KEYS or any(part in lowered for part in SECRET_KEY_PARTS)


def scrub(value: Any) -> Any:
    """`value` (an event or any part of one) with every secret removed, recursively.

    Dict values under secret-sounding keys are dropped whole; every string anywhere
    (messages, exception values, frame locals, URLs, headers, bodies, breadcrumbs) has
    secret-SHAPED values masked.
    """
    if isinstance(value, str):
        return mask_secrets_in_text(value)
    if isinstance(value, dict):
        return {
            key: (FILTERED if _is_secret_key(key) and item else scrub(item))
            for key, item in value.items()
        }
    if isinstance(value, list | tuple):
        return [scrub(item) for item in value]
    if isinstance(value, bytes | bytearray):
        return mask_secrets_in_text(bytes(value).decode("utf-8", "replace"))
    return value


def _before_send(event: dict[str, Any], hint: dict[str, Any]) -> dict[str, Any]:
    event = scrub(event)
    event.setdefault("tags", {}).setdefault("tenant", current_tenant_label())
    # Credentials in headers (Authorization, cookies, X-Api-Key, X-CSRFToken …) are
    # dropped whole.
    request = event.get("request") or {}
    headers = request.get("headers") or {}
    for name in list(headers):
        lowered = name.lower()
        if lowered in _SECRET_HEADERS or lowered.replace("-", "_") in _SECRET_HEADER_KEYS:
            headers[name] = FILTERED
    if "cookies" in request:
        request["cookies"] = FILTERED
    return event


def _before_breadcrumb(crumb: dict[str, Any], hint: dict[str, Any]) -> dict[str, Any]:
    """Log-message and HTTP breadcrumbs are cleaned as they are recorded."""
    return scrub(crumb)


def _masking_repr(value: Any) -> str | None:
    """How Sentry writes objects (frame locals): their repr, with secrets masked."""
    from sentry_sdk.utils import safe_repr

    return mask_secrets_in_text(safe_repr(value))


class SecretLogFilter(logging.Filter):
    """Masks secret-shaped values (API keys, webhook and Stripe secrets, bearer
    credentials, link tokens) in every log record: its message and its traceback."""

    def filter(self, record: logging.LogRecord) -> bool:
        # A record whose message cannot be built is reported by logging itself.
        with contextlib.suppress(Exception):
            message = record.getMessage()
            masked = mask_secrets_in_text(message)
            if masked != message:
                record.msg, record.args = masked, ()
            if record.exc_info and not record.exc_text:
                record.exc_text = logging.Formatter().formatException(record.exc_info)
            if record.exc_text:
                record.exc_text = mask_secrets_in_text(record.exc_text)
            if record.stack_info:
                record.stack_info = mask_secrets_in_text(record.stack_info)
        return True


def sentry_options(*, dsn: str, environment: str) -> dict[str, Any]:
    """The options Sentry is initialised with (also used by the tests)."""
    from sentry_sdk.integrations.celery import CeleryIntegration
    from sentry_sdk.integrations.django import DjangoIntegration

    return {
        "dsn": dsn,
        "environment": environment,
        "send_default_pii": False,
        "event_scrubber": EventScrubber(denylist=SECRET_KEYS, recursive=True),
        "before_send": _before_send,
        "before_breadcrumb": _before_breadcrumb,
        "custom_repr": _masking_repr,
        "integrations": [DjangoIntegration(), CeleryIntegration()],
        "traces_sample_rate": 0.0,
    }


def init_sentry(*, dsn: str, environment: str) -> None:
    sentry_sdk.init(**sentry_options(dsn=dsn, environment=environment))
