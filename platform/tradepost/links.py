"""Absolute links to a workspace, built from configuration.

Links that leave the request (e-mails, the sign-up hand-off, redirects to a
workspace) are built from settings.PUBLIC_URL and TRADEPOST_BASE_DOMAIN, never from
the request's Host header or port: a forged Host must not turn a password-reset
e-mail into a link elsewhere.
"""

from __future__ import annotations

from typing import Protocol
from urllib.parse import urlsplit

from django.conf import settings


class HasSlug(Protocol):
    slug: str


def workspace_domain(slug: str) -> str:
    """`<slug>.<base domain>`: the host a workspace answers on."""
    return f"{slug}.{settings.TRADEPOST_BASE_DOMAIN}"


def public_origin(slug: str) -> str:
    """`scheme://<slug>.<base domain>[:port]`, scheme and port from settings.PUBLIC_URL."""
    parts = urlsplit(settings.PUBLIC_URL)
    scheme = parts.scheme or "http"
    netloc = workspace_domain(slug)
    if parts.port and parts.port != {"http": 80, "https": 443}.get(scheme):
        netloc = f"{netloc}:{parts.port}"
    return f"{scheme}://{netloc}"


def workspace_url(tenant: HasSlug, path: str = "/") -> str:
    """Absolute URL on the workspace's own domain (see `public_origin`)."""
    return public_origin(tenant.slug) + path
