"""The gate in front of everything that reaches people or places outside a workspace.

Invitation e-mails go to any address, API keys allow scripted use, webhooks make our
servers call out. Services of those doors call `require_allowed()` before they act;
the checks themselves are registered by the app that owns the rule (today the tenants
app: the owner must have confirmed the workspace's e-mail address, see
tenants.verification), so the accounts and api apps need not import the tenant
registry. A check raises a ValidationError (shown at the top of a form, or as the
API's 400) when the workspace may not reach out yet.
"""

from __future__ import annotations

from collections.abc import Callable

_checks: list[Callable[[], None]] = []


def register(check: Callable[[], None]) -> None:
    """Add a check (idempotent: registering the same function twice keeps one)."""
    if check not in _checks:
        _checks.append(check)


def require_allowed() -> None:
    """Run every registered check for the current workspace; the first refusal raises."""
    for check in _checks:
        check()
