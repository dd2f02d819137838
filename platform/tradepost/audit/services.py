"""Writing the audit log. Call from inside the service's transaction."""

from __future__ import annotations

from typing import Any

from django.db import models

from tradepost.audit.actions import audit_action_check
from tradepost.audit.models import AuditEntry
from tradepost.principals import Actor


def audit_record(
    *,
    actor: Actor | None,
    action: str,
    target: models.Model | None = None,
    data: dict[str, Any] | None = None,
) -> AuditEntry:
    """Record `action` (`"user.invited"`, `"order.approved"`) by `actor` on `target`.
    The action must be registered in `tradepost.audit.actions.AUDIT_ACTIONS`."""
    audit_action_check(action)
    return AuditEntry.objects.create(
        # Only a user has a pk; the foreign key points at users (an API key is None).
        actor=actor if getattr(actor, "pk", None) else None,  # type: ignore[misc]
        actor_label=str(getattr(actor, "email", "") or actor or ""),
        action=action,
        target_type=target._meta.label_lower if target is not None else "",
        target_id=str(target.pk) if target is not None else "",
        target_label=str(target)[:254] if target is not None else "",
        data=data or {},
    )
