"""Reading the audit log."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.db.models import QuerySet

from tradepost.audit.actions import target_type_label
from tradepost.audit.models import AuditEntry

__all__ = ["AuditEntry", "audit_entries", "audit_history", "audit_target_types"]


def audit_history(target: models.Model) -> list[AuditEntry]:
    """`target`'s audit entries, oldest first: what a detail page's history (and an API
    history) shows. One query; only the columns a history line reads."""
    return list(
        AuditEntry.objects.filter(target_type=target._meta.label_lower, target_id=str(target.pk))
        .order_by("created_at", "pk")
        .only("action", "actor_label", "created_at", "data")
    )


def audit_entries(actor: Any) -> QuerySet[AuditEntry]:
    """The whole log, newest first, for who may read it (`audit.view_auditentry`:
    administrators and executives); nothing for anyone else."""
    if actor is None or not actor.has_perm("audit.view_auditentry"):
        return AuditEntry.objects.none()
    return AuditEntry.objects.select_related("actor").order_by("-created_at", "-pk")


def audit_target_types() -> list[tuple[str, str]]:
    """The kinds of object the log holds entries about, labelled in the active
    language, sorted by label: the choices of the log's "kind of object" filter."""
    types = (
        AuditEntry.objects.exclude(target_type="")
        .order_by()
        .values_list("target_type", flat=True)
        .distinct()
    )
    return sorted(((value, target_type_label(value)) for value in types), key=lambda c: c[1])
