"""Reading the audit log."""

from __future__ import annotations

from django.db import models

from tradepost.audit.models import AuditEntry


def audit_history(target: models.Model) -> list[AuditEntry]:
    """`target`'s audit entries, oldest first: what a detail page's history (and an API
    history) shows. One query; only the columns a history line reads."""
    return list(
        AuditEntry.objects.filter(target_type=target._meta.label_lower, target_id=str(target.pk))
        .order_by("created_at", "pk")
        .only("action", "actor_label", "created_at", "data")
    )
