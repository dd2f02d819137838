"""The JSON error shape every 4xx/5xx answer on /api/ has (see api.errors):

    {"code": "invalid", "message": "Human sentence.", "errors": {"field": ["..."]}}

It lives on the platform, not in `api`, because answers made before any API view runs
(error pages, the billing gate middleware) use it too and must not import the API.
"""

from __future__ import annotations

from typing import Any


def error_body(code: str, message: str, errors: dict[str, list[str]] | None = None) -> dict:
    body: dict[str, Any] = {"code": code, "message": message}
    if errors:
        body["errors"] = errors
    return body


# Rules with a name of their own: a service raising `ValidationError(message,
# code=…)` with one of these codes gets it as the API answer's `code` (instead of
# "invalid"), so a client can tell "not enough stock" from a typo.
DOMAIN_ERROR_CODES = frozenset({"insufficient_stock", "credit_limit_exceeded"})
