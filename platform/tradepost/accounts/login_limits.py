"""Failed sign-ins per client address, across all usernames (password spraying).

django-axes locks a (username, address) pair after AXES_FAILURE_LIMIT failures, so
an attacker failing for owner@x from address A never locks owner@x out from address
B. That alone would let one address try a few passwords on *every* account; this
counter adds the other half: LOGIN_IP_FAILURE_LIMIT failures from one address (as
`tradepost.clientip.client_ip` sees it) in LOGIN_IP_WINDOW_MINUTES refuse every
sign-in from that address until the window ends. A success does not reset it.

Counters live in the cache under the workspace's schema (the cache key function adds
it), so failures in one workspace never pause sign-in to another.
"""

from __future__ import annotations

import logging

from django.conf import settings

from tradepost import ratelimit
from tradepost.clientip import client_ip

logger = logging.getLogger(__name__)


def _limits() -> list[ratelimit.Limit]:
    return [ratelimit.Limit(settings.LOGIN_IP_FAILURE_LIMIT, settings.LOGIN_IP_WINDOW_MINUTES * 60)]


def _name(request) -> str:
    return f"login-failures:{client_ip(request)}"


def address_locked(request) -> int | None:
    """Seconds until sign-in from this request's address is allowed again, or None."""
    return ratelimit.exceeded(_name(request), _limits())


def failure_record(sender, credentials=None, request=None, **kwargs) -> None:
    """`user_login_failed` receiver: count the failure against the client address."""
    if request is None:
        return
    if ratelimit.record(_name(request), _limits()) is not None:
        logger.warning("sign-in paused for a client address: too many failures")
