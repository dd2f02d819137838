"""The address of the client behind a request, trusting only our own proxies.

`X-Forwarded-For` is written by whoever sends the request: anything in it that our
own proxies did not add is the client's invention. Each trusted proxy appends the
address it received the request from, so with `TRUSTED_PROXY_COUNT = n` the chain
`X-Forwarded-For + [REMOTE_ADDR]` ends with n addresses written by our proxies and
the client is the (n+1)-th from the right:

* 0 (the default): `REMOTE_ADDR`; the header is ignored entirely.
* 1 (one load balancer): the right-most `X-Forwarded-For` entry, i.e. the
  right-most-but-one address of the chain.

This is the ONE place that answers "who is this?": DRF's throttles
(`NUM_PROXIES` and `api.throttling`), django-axes (`AXES_CLIENT_IP_CALLABLE`), the
login spraying limit and the sign-up limit all call it.
"""

from __future__ import annotations

import ipaddress

from django.conf import settings


def _valid(address: str) -> bool:
    try:
        ipaddress.ip_address(address)
    except ValueError:
        return False
    return True


def client_ip(request) -> str:
    """The client's IP address as our trusted proxies saw it (never empty)."""
    request = getattr(request, "_request", request)  # a DRF Request wraps Django's
    remote = (request.META.get("REMOTE_ADDR") or "").strip()
    count = settings.TRUSTED_PROXY_COUNT
    if count > 0:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        chain = [part.strip() for part in forwarded.split(",") if part.strip()] + [remote]
        # Fewer entries than proxies: the left-most is as far as anyone vouches for.
        candidate = chain[-(count + 1)] if len(chain) > count else chain[0]
        if _valid(candidate):
            return candidate
    return remote if _valid(remote) else "0.0.0.0"  # noqa: S104 - a key, not a bind address


def axes_client_ip(request) -> str:
    """django-axes' AXES_CLIENT_IP_CALLABLE (it passes the request only)."""
    return client_ip(request)
