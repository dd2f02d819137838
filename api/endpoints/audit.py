"""`/api/v1/audit-entries/`: the workspace's audit log, read-only, newest first, for
administrators and executives (`audit.view_auditentry`)."""

from __future__ import annotations

from rest_framework import mixins, permissions, serializers

from api.views import TradepostViewSet
from tradepost.accounts.filters import AuditEntryFilter
from tradepost.audit import selectors
from tradepost.audit.models import AuditEntry


class AuditEntrySerializer(serializers.ModelSerializer):
    action_label = serializers.CharField(
        read_only=True, help_text="What happened, in the request's language."
    )
    target_type_label = serializers.CharField(
        read_only=True, help_text="The kind of object, in the request's language."
    )
    actor = serializers.IntegerField(
        source="actor_id", read_only=True, allow_null=True, help_text="The user's id."
    )
    actor_label = serializers.CharField(
        read_only=True, help_text="The user's e-mail address when the entry was recorded."
    )

    class Meta:
        model = AuditEntry
        fields = [
            "id",
            "created_at",
            "actor",
            "actor_label",
            "action",
            "action_label",
            "target_type",
            "target_type_label",
            "target_id",
            "target_label",
            "data",
        ]
        read_only_fields = fields


class AuditPermissions(permissions.BasePermission):
    def has_permission(self, request, view):
        return bool(request.user and request.user.has_perm("audit.view_auditentry"))


class AuditEntryViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, TradepostViewSet):
    """Who did what, when, to which object. Filter by `actor` (user id), `action`,
    `date_from` / `date_to` (days), `target_type` (e.g. `sales.order`) and `target_id`."""

    serializer_class = AuditEntrySerializer
    permission_classes = [permissions.IsAuthenticated, AuditPermissions]
    filterset_class = AuditEntryFilter
    ordering_fields = ["created_at"]
    ordering = ["-created_at", "-pk"]

    def get_queryset(self):
        return selectors.audit_entries(self.request.user)
