"""`/api/v1/alert-rules/`, `/api/v1/alerts/` and `/api/v1/notifications/`
(`tradepost.alerts`).

- alert-rules: list and read (`alerts.view_alertrule`), PATCH (`alerts.change_alertrule`:
  administrators and executives) through `services.rule_update`, the bounds per kind.
- alerts: list and read the alerts in the caller's scope (`alerts.view_alert`;
  `?scope=mine|team|all`, `?state=open|acknowledged|resolved|unresolved`, `?kind=`),
  each with its step history when read; `POST …/{id}/acknowledge/` (optional note) and
  `…/{id}/resolve/` (note required), `alerts.change_alert`.
- notifications: the caller's own, the latest first (`?unread=true`);
  `POST /api/v1/notifications/mark-read/` with `{"ids": [...]}` or `{"all": true}`.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import mixins, permissions, serializers, status
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from api.serializers import ReadSerializer, StrictSerializer, StringField
from api.views import CanView, ServiceViewSet, TradepostViewSet
from tradepost.accounts.roles import Role
from tradepost.alerts import selectors, services
from tradepost.alerts.filters import AlertFilter
from tradepost.alerts.kinds import SPECS, Responsible
from tradepost.alerts.models import Alert, AlertRule, AlertStep, Notification


def _email(user: Any) -> str | None:
    return user.email if user is not None else None


# Method fields that may answer null, as the schema says.
NULLABLE_EMAIL = serializers.EmailField(allow_null=True, read_only=True)
NULLABLE_TEXT = serializers.CharField(allow_null=True, read_only=True)


class RuleSerializer(ReadSerializer):
    scheduled = serializers.SerializerMethodField()
    responsible_user = serializers.IntegerField(
        source="responsible_user_id", read_only=True, allow_null=True
    )
    threshold_unit = serializers.SerializerMethodField()

    class Meta:
        model = AlertRule
        fields = [
            "id",
            "kind",
            "enabled",
            "scheduled",
            "threshold",
            "threshold_unit",
            "deadline_hours",
            "responsible",
            "responsible_user",
            "check_every_hours",
            "next_run_at",
            "updated_at",
        ]

    @extend_schema_field(OpenApiTypes.BOOL)
    def get_scheduled(self, rule: AlertRule) -> bool:
        return SPECS[rule.kind].scheduled

    @extend_schema_field(NULLABLE_TEXT)
    def get_threshold_unit(self, rule: AlertRule) -> str | None:
        spec = SPECS[rule.kind].threshold
        return str(spec.unit) if spec else None


@extend_schema_field(OpenApiTypes.INT)
class StaffField(serializers.PrimaryKeyRelatedField):
    """An active member of staff (no dealers): who may be named responsible."""

    def get_queryset(self):
        return (
            get_user_model().objects.filter(is_active=True).exclude(groups__name=Role.DEALER.value)
        )


class RuleUpdateSerializer(StrictSerializer):
    enabled = serializers.BooleanField(required=False)
    threshold = serializers.DecimalField(
        max_digits=9, decimal_places=2, required=False, allow_null=True
    )
    deadline_hours = serializers.IntegerField(required=False, min_value=1, max_value=720)
    responsible = serializers.ChoiceField(choices=Responsible.choices, required=False)
    responsible_user = StaffField(required=False, allow_null=True)
    check_every_hours = serializers.IntegerField(
        required=False, allow_null=True, min_value=1, max_value=168
    )


class StepSerializer(ReadSerializer):
    actor = serializers.SerializerMethodField()
    to_user = serializers.SerializerMethodField()

    class Meta:
        model = AlertStep
        fields = ["action", "actor", "to_user", "level", "note", "at"]

    @extend_schema_field(NULLABLE_EMAIL)
    def get_actor(self, step: AlertStep) -> str | None:
        return _email(step.actor)

    @extend_schema_field(NULLABLE_EMAIL)
    def get_to_user(self, step: AlertStep) -> str | None:
        return _email(step.to_user)


class AlertSerializer(ReadSerializer):
    message = serializers.SerializerMethodField()
    subject = serializers.SerializerMethodField()
    assignee = serializers.SerializerMethodField()
    responsible = serializers.SerializerMethodField()
    steps = serializers.SerializerMethodField()

    class Meta:
        model = Alert
        fields = [
            "id",
            "kind",
            "state",
            "message",
            "subject",
            "subject_label",
            "data",
            "responsible",
            "assignee",
            "level",
            "deadline_at",
            "raised_at",
            "acknowledged_at",
            "resolved_at",
            "resolution_note",
            "steps",
        ]

    @extend_schema_field(OpenApiTypes.STR)
    def get_message(self, alert: Alert) -> str:
        return selectors.alert_message(alert)

    @extend_schema_field(OpenApiTypes.OBJECT)
    def get_subject(self, alert: Alert) -> dict[str, Any]:
        return {"type": alert.subject_type, "id": alert.subject_id}

    @extend_schema_field(NULLABLE_EMAIL)
    def get_assignee(self, alert: Alert) -> str | None:
        return _email(alert.assignee)

    @extend_schema_field(NULLABLE_EMAIL)
    def get_responsible(self, alert: Alert) -> str | None:
        return _email(alert.responsible)

    @extend_schema_field(StepSerializer(many=True, allow_null=True))
    def get_steps(self, alert: Alert) -> Any:
        """Only when one alert is read: its history, the oldest first."""
        steps = self.context.get("steps")
        if steps is None:
            return None
        return StepSerializer(steps, many=True).data


class NoteSerializer(StrictSerializer):
    note = StringField(max_length=500, required=False, allow_blank=True, default="")


class ResolveSerializer(StrictSerializer):
    note = StringField(max_length=500, help_text="What was done (kept in the history).")


class RuleViewSet(ServiceViewSet):
    """The workspace's alert rules, one per kind. Read: `alerts.view_alertrule`;
    PATCH: `alerts.change_alertrule`."""

    serializer_class = RuleSerializer
    update_serializer_class = RuleUpdateSerializer
    http_method_names = ["get", "patch", "head", "options"]
    filter_backends: list[Any] = []
    pagination_class = None

    def get_queryset(self):
        return selectors.rules()

    def service_update(self, instance: AlertRule, data: dict[str, Any]) -> AlertRule:
        merged = {
            "enabled": instance.enabled,
            "threshold": instance.threshold,
            "deadline_hours": instance.deadline_hours,
            "responsible": instance.responsible,
            "responsible_user": instance.responsible_user,
            "check_every_hours": instance.check_every_hours,
            **data,
        }
        return services.rule_update(actor=self.request.user, rule=instance, **merged)

    @extend_schema(request=RuleUpdateSerializer, responses=RuleSerializer)
    def partial_update(self, request, *args, **kwargs):
        return super().partial_update(request, *args, **kwargs)


class AlertViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, TradepostViewSet):
    """The alerts in the caller's scope, the latest first. `alerts.view_alert`."""

    serializer_class = AlertSerializer
    filterset_class = AlertFilter
    http_method_names = ["get", "post", "head", "options"]
    ordering_fields = ["raised_at", "deadline_at"]
    ordering = ["-raised_at", "-pk"]

    def get_permissions(self):
        return [permissions.IsAuthenticated(), CanView("alerts.view_alert")]

    def get_queryset(self):
        return selectors.alert_list(self.request.user)

    def retrieve(self, request, *args, **kwargs):
        alert = self.get_object()
        return self._one(alert)

    def _one(self, alert: Alert) -> Response:
        fresh = selectors.alert_list(self.request.user).get(pk=alert.pk)
        context = {**self.get_serializer_context(), "steps": list(selectors.alert_steps(fresh))}
        return Response(AlertSerializer(fresh, context=context).data)

    def _body(self, serializer_class: type[serializers.Serializer]) -> dict[str, Any]:
        data = serializer_class(data=self.request.data)
        data.is_valid(raise_exception=True)
        return dict(data.validated_data)

    @extend_schema(
        request=NoteSerializer,
        responses={status.HTTP_200_OK: AlertSerializer},
        summary="Acknowledge an alert",
        description="Say you are on it (an optional note). It keeps its deadline.",
    )
    @action(detail=True, methods=["post"])
    def acknowledge(self, request, *args, **kwargs):
        alert = self.get_object()
        data = self._body(NoteSerializer)
        services.alert_acknowledge(actor=request.user, alert=alert, note=data["note"])
        return self._one(alert)

    @extend_schema(
        request=ResolveSerializer,
        responses={status.HTTP_200_OK: AlertSerializer},
        summary="Resolve an alert",
        description="Close it with a note of what was done.",
    )
    @action(detail=True, methods=["post"])
    def resolve(self, request, *args, **kwargs):
        alert = self.get_object()
        data = self._body(ResolveSerializer)
        services.alert_resolve(actor=request.user, alert=alert, note=data["note"])
        return self._one(alert)


class NotificationSerializer(ReadSerializer):
    message = serializers.SerializerMethodField()
    kind = serializers.SerializerMethodField()

    class Meta:
        model = Notification
        fields = ["id", "reason", "alert", "kind", "message", "created_at", "read_at"]

    @extend_schema_field(OpenApiTypes.STR)
    def get_kind(self, notification: Notification) -> str:
        return notification.alert.kind

    @extend_schema_field(OpenApiTypes.STR)
    def get_message(self, notification: Notification) -> str:
        return selectors.alert_message(notification.alert)


class MarkReadSerializer(StrictSerializer):
    ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=2**63 - 1),
        required=False,
        max_length=500,
    )
    all = serializers.BooleanField(required=False, default=False)


class NotificationViewSet(mixins.ListModelMixin, TradepostViewSet):
    """The caller's own notifications (the bell), the latest first; `?unread=true`
    for the unread ones only."""

    serializer_class = NotificationSerializer
    http_method_names = ["get", "post", "head", "options"]
    filter_backends: list[Any] = []
    permission_classes = [permissions.IsAuthenticated]

    def get_queryset(self):
        unread = self.request.query_params.get("unread", "")
        if unread not in ("", "true", "false"):
            raise ValidationError({"unread": [_("Must be true or false.")]})
        return selectors.notifications_of(self.request.user, unread=unread == "true")

    @extend_schema(
        request=MarkReadSerializer,
        responses={status.HTTP_200_OK: OpenApiTypes.OBJECT},
        summary="Mark notifications read",
        description='`{"ids": [1, 2]}` marks those (your own only); `{"all": true}` every '
        "unread one. Answers how many were marked and the unread count left.",
    )
    @action(detail=False, methods=["post"], url_path="mark-read")
    def mark_read(self, request, *args, **kwargs):
        body = MarkReadSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        ids = body.validated_data.get("ids")
        if not body.validated_data["all"] and not ids:
            raise ValidationError({"ids": [_("Give the ids to mark, or all: true.")]})
        marked = services.notifications_mark_read(
            actor=request.user, ids=None if body.validated_data["all"] else ids
        )
        return Response({"marked": marked, "unread": selectors.unread_count(request.user)})


ROUTES = [
    ("alert-rules", RuleViewSet, "alert-rule"),
    ("alerts", AlertViewSet, "alert"),
    ("notifications", NotificationViewSet, "notification"),
]
