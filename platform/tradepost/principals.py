"""Who did it, as text that survives a trip to a worker, and back.

A caller is a signed-in user (`user:<pk>`) or something another layer authenticates,
such as an API key (`key:<pk>`). Background work stores `principal_of(actor)` and the
worker calls `actor_for(principal)` to act with the caller's permissions as they are
now. Each kind is resolved by whoever owns it, registered from its AppConfig.ready:
accounts registers `user`, the API `key`, so this module imports no app and domain
code never imports `api`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from django.db.models import Model


class Actor(Protocol):
    """Whoever a service acts for: a workspace `User`, or an API key's principal
    (`api.authentication.ApiKeyPrincipal`, which domain code never imports). Services
    ask only for what both have: permissions, whether signed in, and `pk` (None for an
    API key, which is nobody a row can point at). Every service takes `actor: Actor`."""

    @property
    def pk(self) -> Any: ...

    @property
    def is_authenticated(self) -> bool: ...

    def has_perm(self, perm: str, obj: Model | None = None) -> bool: ...


Resolver = Callable[[str], Actor | None]

_resolvers: dict[str, Resolver] = {}


def register_resolver(kind: str, resolver: Resolver) -> None:
    """`resolver(ident)` returns the actor behind `<kind>:<ident>`, or None when it is
    gone or no longer allowed to act (revoked, deactivated)."""
    _resolvers[kind] = resolver


def principal_of(actor: Actor) -> str:
    """Who started something, as text (`key:<pk>` for an API key, `user:<pk>`)."""
    principal = getattr(actor, "principal_id", None)
    if principal:
        return str(principal)
    return f"user:{actor.pk}"


def actor_for(principal: str) -> Actor | None:
    """The user or API key behind `principal`, as it is now (a revoked key or a
    deactivated user has no permissions left, so the work is refused)."""
    kind, _sep, ident = principal.partition(":")
    resolver = _resolvers.get(kind)
    return resolver(ident) if resolver else None
