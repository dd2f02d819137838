"""Who did it, as text that survives a trip to a worker, and back.

A caller is a signed-in user (`user:<pk>`) or something another layer authenticates,
such as an API key (`key:<pk>`). Background work stores `principal_of(actor)` and the
worker calls `actor_for(principal)` to act with the caller's permissions as they are
now. Kinds other than `user` are resolved by whoever owns them: the API registers
`key` from its AppConfig.ready, so domain code never imports `api`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

_resolvers: dict[str, Callable[[str], Any]] = {}


def register_resolver(kind: str, resolver: Callable[[str], Any]) -> None:
    """`resolver(ident)` returns the actor behind `<kind>:<ident>`, or None when it is
    gone or no longer allowed to act (revoked, deactivated)."""
    _resolvers[kind] = resolver


def principal_of(actor: Any) -> str:
    """Who started something, as text (`key:<pk>` for an API key, `user:<pk>`)."""
    principal = getattr(actor, "principal_id", None)
    if principal:
        return str(principal)
    return f"user:{actor.pk}"


def actor_for(principal: str) -> Any:
    """The user or API key behind `principal`, as it is now (a revoked key or a
    deactivated user has no permissions left, so the work is refused)."""
    kind, _sep, ident = principal.partition(":")
    if kind != "user":
        resolver = _resolvers.get(kind)
        return resolver(ident) if resolver else None
    from tradepost.accounts.models import User

    return User.objects.filter(pk=ident, is_active=True).first()
