"""Domain events: the one way a domain app tells the outside world that something changed.

A service calls `emit("order.confirmed", payload)` inside its own transaction. The
registered writer (the outbound-webhook outbox, `api.webhooks`, registers itself from its
AppConfig.ready) records the event in that same transaction and queues delivery with
`transaction.on_commit`, so a change that rolls back publishes nothing.

In-process consumers (the alerts engine) `subscribe` a listener: it is called with the
same event, after the writer, in the same transaction, so what it records rolls back
with the change. Listeners are registered from AppConfig.ready, never imported by the
emitting apps.

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

# Called as `listener(event_type, payload)` in the emitting transaction.
Listener = Callable[[str, dict[str, Any]], None]

_writer: Writer | None = None
_listeners: list[Listener] = []


def register_writer(writer: Writer) -> None:
    """Install the function that records events: `writer(event_type=..., payload=...)`.

    Called once at start-up by the app that owns the outbox (api.webhooks). Registering
    again replaces the writer (Django may call ready() twice in tests)."""
    global _writer
    _writer = writer


def subscribe(listener: Listener) -> None:
    """Add an in-process listener of every emitted event (idempotent: subscribing the
    same function twice keeps one, as ready() may run twice in tests)."""
    if listener not in _listeners:
        _listeners.append(listener)


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
    if _writer is None and not _listeners:
        return None
    # No savepoint of its own: it writes in the caller's transaction, and an error in
    # it fails the caller's change too (a savepoint would cost two round trips an event).
    with transaction.atomic(savepoint=False):
        written = _writer(event_type=event_type, payload=payload) if _writer else None
        for listener in _listeners:
            listener(event_type, payload)
        return written
