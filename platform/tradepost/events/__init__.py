"""Domain events: the one way a domain app tells the outside world that something changed.

A service calls `emit("order.confirmed", payload)` inside its own transaction. The
registered writer (the outbound-webhook outbox, `api.webhooks`, registers itself from its
AppConfig.ready) records the event in that same transaction and queues delivery with
`transaction.on_commit`, so a change that rolls back publishes nothing.

This package is platform code: it never imports `api` (or any app). Delivery over HTTP is
the writer's business; domain apps only know event types (`types.EVENT_TYPES`) and `emit`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import transaction

from tradepost.events.types import EVENT_TYPES, PING

# Writes an event in the caller's transaction and queues its delivery on commit.
Writer = Callable[..., Any]

_writer: Writer | None = None


def register_writer(writer: Writer) -> None:
    """Install the function that records events: `writer(event_type=..., payload=...)`.

    Called once at start-up by the app that owns the outbox (api.webhooks). Registering
    again replaces the writer (Django may call ready() twice in tests)."""
    global _writer
    _writer = writer


def check_event_type(event_type: str) -> None:
    """Raise ValueError for a type nobody registered in `types.EVENT_TYPES` (or `ping`,
    which is only ever sent on request to one endpoint)."""
    if event_type not in EVENT_TYPES or event_type == PING:
        raise ValueError(
            f"unregistered event type {event_type!r} (add it to tradepost/events/types.py)"
        )


def emit(event_type: str, payload: dict[str, Any]) -> Any:
    """Publish `event_type` with `payload`, in the caller's transaction.

    Returns what the writer returns (the outbox row, or None when nobody subscribed).
    Without a writer installed (no outbox app in INSTALLED_APPS) the event is checked
    and dropped: there is nobody to deliver it to.
    """
    check_event_type(event_type)
    if _writer is None:
        return None
    # No savepoint of its own: it writes in the caller's transaction, and an error in
    # it fails the caller's change too (a savepoint would cost two round trips an event).
    with transaction.atomic(savepoint=False):
        return _writer(event_type=event_type, payload=payload)
