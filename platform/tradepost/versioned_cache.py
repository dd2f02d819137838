"""Small read-mostly answers of a workspace kept in the shared cache, forgotten at once
when what they are built from changes.

    subscribers = VersionedCache("webhooks:subscribers")
    ids = subscribers.get("order.created", lambda: list(...query...))
    subscribers.invalidate()        # from the signal handlers of the rows it reads

Each entry remembers the version token it was built under, and a read fetches entry
and token in one round trip (`get_many`). `invalidate()` replaces the token at once and
again after commit, so a request that re-read the old rows in between is not believed
either. The token is random: one evicted and recreated never matches an older entry.
Keys go through the cache's key function, so every workspace has its own entries.

Only a shared cache (Redis, `REDIS_URL`) is used: with each process's own memory one
worker could not tell the others, so without Redis every read calls the loader.
An entry is never filled inside a transaction that invalidated it (it could hold rows
that transaction later rolls back).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction


class VersionedCache:
    def __init__(self, name: str, timeout: int = 300):
        self.name = name
        self.timeout = timeout  # seconds: a bound on anything invalidation could miss
        self._version_key = f"{name}:version"

    def _changed_in_this_transaction(self) -> bool:
        # The after-commit renewal `invalidate` queued is still pending exactly while the
        # transaction that changed the rows is open (Django drops it on rollback).
        if not connection.in_atomic_block:
            return False
        renew = self._new_version
        return any(entry[1] == renew for entry in connection.run_on_commit)

    def _new_version(self) -> str:
        token = uuid.uuid4().hex
        cache.set(self._version_key, token, timeout=None)
        return token

    def get(self, key: str, loader: Callable[[], Any]) -> Any:
        if not settings.REDIS_URL:
            return loader()
        entry_key = f"{self.name}:{key}"
        found = cache.get_many([self._version_key, entry_key])
        version, entry = found.get(self._version_key), found.get(entry_key)
        if version is not None and entry is not None and entry[0] == version:
            return entry[1]
        value = loader()
        if self._changed_in_this_transaction():
            return value  # it may hold rows this transaction could still roll back
        if version is None:
            version = self._new_version()
        cache.set(entry_key, (version, value), timeout=self.timeout)
        return value

    def invalidate(self, **_signal_kwargs) -> None:
        """Forget every entry of the current workspace (usable as a signal receiver)."""
        if not settings.REDIS_URL:
            return
        self._new_version()
        if connection.in_atomic_block:
            transaction.on_commit(self._new_version)
