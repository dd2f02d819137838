"""What one request works out about its caller once — the user's roles, their customer
scope — kept for that request only.

A page asks for the caller's scope several times (the list, its filter choices, the
buttons) and each time the roles and the staff profile were read again. `remembered`
keeps such an answer in a dict that `RequestMemoMiddleware` opens at the start of a
request and drops at its end. Outside a request (services called by a task, a command,
a test) nothing is kept and every call reads the database, as before.

Why not on the user object, as Django keeps `_perm_cache`: a user object can outlive a
request (a test's fixture user acting in several service calls and requests, an object
kept by a cache), and then a count of queries depended on what had run before with the
same object. Keyed by request, an answer never outlives the request it was read in.
A change that would alter an answer (a user's roles, a staff profile, a role's
permissions) empties the memo of the request making it (`forget`).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from contextvars import ContextVar
from typing import TypeVar

T = TypeVar("T")

_memo: ContextVar[dict[Hashable, object] | None] = ContextVar("request_memo", default=None)


def remembered(key: Hashable, compute: Callable[[], T]) -> T:
    """`compute()`, once per request for `key`; called every time outside a request."""
    memo = _memo.get()
    if memo is None:
        return compute()
    if key in memo:
        return memo[key]  # type: ignore[return-value]  # stored by compute() for this key
    value = memo[key] = compute()
    return value


def forget(*_args, **_kwargs) -> None:
    """Empty the current request's memo (a signal receiver, too)."""
    memo = _memo.get()
    if memo is not None:
        memo.clear()


class RequestMemoMiddleware:
    """Opens the memo for the request and drops it once the response is made."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = _memo.set({})
        try:
            return self.get_response(request)
        finally:
            _memo.reset(token)
