"""Delivery settings. Each reads a Django setting of the same name when one is set
(tests override those), else the environment (the worker of the end-to-end test is
configured that way), else the default."""

from __future__ import annotations

from django.conf import settings

from tradepost.env import env_int

DEFAULT_RETRY_BASE_SECONDS = 30
DEFAULT_MAX_ATTEMPTS = 8
DEFAULT_TIMEOUT_SECONDS = 10


def _setting(name: str, default: int) -> int:
    value = getattr(settings, name, None)
    return int(value) if value is not None else env_int(name, default)


def retry_base_seconds() -> float:
    """The wait before the second attempt; it doubles for every attempt after that."""
    return max(_setting("WEBHOOK_RETRY_BASE_SECONDS", DEFAULT_RETRY_BASE_SECONDS), 0)


def max_attempts() -> int:
    """Attempts per delivery (automatic retries included) before it is marked failed."""
    return max(_setting("WEBHOOK_MAX_ATTEMPTS", DEFAULT_MAX_ATTEMPTS), 1)


def timeout_seconds() -> float:
    """Connect and read timeout of one attempt."""
    return max(_setting("WEBHOOK_TIMEOUT_SECONDS", DEFAULT_TIMEOUT_SECONDS), 1)
