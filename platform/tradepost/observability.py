"""Logs and error reports that carry the tenant and never carry secrets."""

from __future__ import annotations

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


# Invitation and password-reset links carry their token as a path segment (32+ URL-safe
# characters); query strings may carry `?api_key=…`. Both turn up in the request's URL,
# in the repr of the request in stack frames and in log messages, so every string of
# the event is cleaned.
_LINK_TOKEN = re.compile(r"(?<=/)[A-Za-z0-9_\-]{32,}(?=[/?#'\"\s]|$)")
_QUERY_SECRET = re.compile(
    r"(?i)(^|[?&;])("
    + "|".join(re.escape(key) for key in sorted(set(SECRET_KEYS), key=len, reverse=True))
    + r")=[^&;#'\"\s]*"
)


def _without_url_secrets(value: Any) -> Any:
    if isinstance(value, str):
        return _QUERY_SECRET.sub(r"\1\2=[Filtered]", _LINK_TOKEN.sub("[Filtered]", value))
    if isinstance(value, dict):
        return {key: _without_url_secrets(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_without_url_secrets(item) for item in value]
    return value


def _before_send(event: dict[str, Any], hint: dict[str, Any]) -> dict[str, Any]:
    event = _without_url_secrets(event)
    event.setdefault("tags", {}).setdefault("tenant", current_tenant_label())
    # Credentials in headers (Authorization, cookies, X-Api-Key, X-CSRFToken …) are
    # dropped whole.
    request = event.get("request") or {}
    headers = request.get("headers") or {}
    for name in list(headers):
        lowered = name.lower()
        if lowered in _SECRET_HEADERS or lowered.replace("-", "_") in _SECRET_HEADER_KEYS:
            headers[name] = "[Filtered]"
    if "cookies" in request:
        request["cookies"] = "[Filtered]"
    return event


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
        "integrations": [DjangoIntegration(), CeleryIntegration()],
        "traces_sample_rate": 0.0,
    }


def init_sentry(*, dsn: str, environment: str) -> None:
    sentry_sdk.init(**sentry_options(dsn=dsn, environment=environment))
