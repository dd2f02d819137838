"""Host → workspace (with its subscription and plan), cached.

Every request starts by finding its workspace from the Host header. The answer changes
only when a tenant, a domain, a subscription or a plan changes, so it is kept in the
cache (Redis in production) instead of costing a query of the public schema (and a
switch of the connection's search_path there and back) on every request.

Invalidation is by version: one token, `routing:version`, is stored beside the entries
and every entry remembers the token it was built under; one `get_many` reads both, so a
hit costs one cache round trip. Any save or delete of a Tenant, Domain, Subscription or
Plan (signals, connected in `BillingConfig.ready`) and every queryset `update()` of them
(callers call `routing_changed()` themselves) replaces the token, at once and again after
commit (so a request that re-cached the old rows meanwhile is not believed either).
The token is random, never a counter: a token evicted from the cache and recreated can
never match an entry built before.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction
from django_tenants.utils import get_public_schema_name, schema_context

VERSION_KEY = "routing:version"
ENTRY_TIMEOUT = 300  # seconds: a bound on anything the signals could not see


def _entry_key(hostname: str) -> str:
    return f"routing:host:{hostname}"


def _public_keys() -> bool:
    # Cache keys carry the connection's schema (KEY_FUNCTION); the routing entries are
    # the public schema's, and the middleware switches there before looking up.
    return connection.schema_name == get_public_schema_name()  # type: ignore[attr-defined]  # django-tenants' connection


def _new_version() -> str:
    token = uuid.uuid4().hex
    if _public_keys():
        cache.set(VERSION_KEY, token, timeout=None)
    else:  # a change made from inside a workspace: the token is the public schema's
        with schema_context(get_public_schema_name()):
            cache.set(VERSION_KEY, token, timeout=None)
    return token


def tenant_for_host(domain_model, hostname: str):
    """The tenant answering on `hostname`, loaded with its subscription and plan;
    raises `domain_model.DoesNotExist` for an unknown host (never cached). Without
    Redis the cache is each process's own memory, where one worker could not tell the
    others of a change: then every request reads the rows."""
    if not settings.REDIS_URL or not _public_keys():
        return _load(domain_model, hostname)
    entry_key = _entry_key(hostname)
    found = cache.get_many([VERSION_KEY, entry_key])
    version = found.get(VERSION_KEY)
    entry = found.get(entry_key)
    if version is not None and entry is not None and entry[0] == version:
        return entry[1]
    tenant = _load(domain_model, hostname)
    if version is None:
        version = _new_version()
    cache.set(entry_key, (version, tenant), timeout=ENTRY_TIMEOUT)
    return tenant


def _load(domain_model, hostname: str):
    domain = domain_model.objects.select_related(
        "tenant", "tenant__subscription", "tenant__subscription__plan"
    ).get(domain=hostname)
    return domain.tenant


def routing_changed(**_kwargs) -> None:
    """Forget every cached host → workspace answer, now and after commit."""
    _new_version()
    if connection.in_atomic_block:
        transaction.on_commit(_new_version)


def connect_signals() -> None:
    """Forget the cached answers whenever a row they are built from changes."""
    from django.db.models.signals import post_delete, post_save
    from django_tenants.utils import get_tenant_domain_model, get_tenant_model

    from billing.models import Plan, Subscription

    for model in (get_tenant_model(), get_tenant_domain_model(), Subscription, Plan):
        post_save.connect(routing_changed, sender=model, dispatch_uid=f"routing-save-{model}")
        post_delete.connect(routing_changed, sender=model, dispatch_uid=f"routing-del-{model}")
