"""`/api/v1/webhook-endpoints/` and `/api/v1/webhook-deliveries/`: administrators
register endpoints (the signing secret is in the create response only), send a test
event, read the delivery log and redeliver."""

from __future__ import annotations

import django_filters
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, permissions, serializers, status
from rest_framework.decorators import action
from rest_framework.filters import SearchFilter
from rest_framework.response import Response
from rest_framework.settings import api_settings

from api.serializers import StrictModelSerializer, StrictSerializer
from api.views import ReadOnlyViewSet, ResourceViewSet, RolePermissions
from api.webhooks import selectors, services
from api.webhooks.models import WebhookDelivery, WebhookEndpoint, WebhookEvent
from tradepost.events.types import EVENT_TYPES, SUBSCRIBABLE_EVENT_TYPES


class WebhookEndpointSerializer(StrictModelSerializer):
    """A URL that receives the workspace's events of the subscribed types."""

    event_types = serializers.ListField(
        child=serializers.ChoiceField(choices=SUBSCRIBABLE_EVENT_TYPES),
        allow_empty=False,
        help_text="The event types sent to this endpoint.",
    )

    class Meta:
        model = WebhookEndpoint
        fields = [
            "id",
            "url",
            "description",
            "event_types",
            "is_active",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "created_at", "updated_at"]
        extra_kwargs = {
            "url": {
                "help_text": "Receives a signed POST per event (http or https). Must lead to a "
                "public address: private, local and metadata addresses are refused (400)."
            },
            "is_active": {"help_text": "Disabled endpoints get no events."},
        }


class WebhookEndpointCreatedSerializer(WebhookEndpointSerializer):
    """The new endpoint, with its signing secret (this once)."""

    secret = serializers.CharField(
        read_only=True,
        help_text="Signing secret (`whsec_…`). Shown once: store it now to verify the "
        "`Tradepost-Signature` header.",
    )

    class Meta(WebhookEndpointSerializer.Meta):
        fields = [*WebhookEndpointSerializer.Meta.fields, "secret"]


class WebhookEventSerializer(serializers.ModelSerializer):
    """The event as receivers get it (`data` is the envelope's payload)."""

    type = serializers.CharField(source="event_type", read_only=True)
    # a field named like a DRF attribute
    data = serializers.JSONField(source="payload", read_only=True)  # type: ignore[assignment]

    class Meta:
        model = WebhookEvent
        fields = ["id", "type", "created_at", "data"]
        read_only_fields = fields


class WebhookDeliverySerializer(serializers.ModelSerializer):
    """One event sent to one endpoint: its state and the last attempt's outcome."""

    endpoint_url = serializers.URLField(source="endpoint.url", read_only=True)
    event = WebhookEventSerializer(read_only=True)

    class Meta:
        model = WebhookDelivery
        fields = [
            "id",
            "endpoint",
            "endpoint_url",
            "event",
            "status",
            "attempts",
            "next_attempt_at",
            "last_attempt_at",
            "response_status",
            "response_excerpt",
            "error",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class WebhookActionSerializer(StrictSerializer):
    """No fields: send `{}` or no body."""


# Documented as an empty object (an empty serializer would leave the body out).
NO_FIELDS = {
    "application/json": {
        "type": "object",
        "properties": {},
        "additionalProperties": False,
        "description": "No fields: send `{}` or no body.",
    }
}


class WebhookEndpointViewSet(mixins.DestroyModelMixin, ResourceViewSet):
    """The workspace's webhook endpoints (administrators). Each event of a subscribed
    type is POSTed as JSON, signed in `Tradepost-Signature` (`t=<unix time>,v1=<hex
    HMAC-SHA256 of "<t>.<body>" with the secret>`); failed deliveries are retried with
    exponential backoff. DELETE removes the endpoint and its delivery log."""

    serializer_class = WebhookEndpointSerializer
    queryset = selectors.endpoint_list()
    filterset_fields = ["is_active"]
    search_fields = ["url", "description"]
    ordering_fields = ["created_at", "url"]
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    @extend_schema(
        request=WebhookEndpointSerializer,
        responses={status.HTTP_201_CREATED: WebhookEndpointCreatedSerializer},
    )
    def create(self, request):
        data = WebhookEndpointSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        endpoint = services.webhook_endpoint_create(actor=request.user, **data.validated_data)
        body = WebhookEndpointSerializer(endpoint).data | {"secret": endpoint.secret}
        return Response(body, status=status.HTTP_201_CREATED)

    def partial_update(self, request, pk=None):
        endpoint = self.get_object()
        data = WebhookEndpointSerializer(endpoint, data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        endpoint = services.webhook_endpoint_update(
            actor=request.user, endpoint=endpoint, **data.validated_data
        )
        return Response(WebhookEndpointSerializer(endpoint).data)

    def perform_destroy(self, instance):
        services.webhook_endpoint_delete(actor=self.request.user, endpoint=instance)

    @extend_schema(
        request=NO_FIELDS,
        responses={status.HTTP_201_CREATED: WebhookDeliverySerializer},
        summary="Send a test event",
        description="Queues a `ping` event to this endpoint (also when it is disabled) "
        "and returns the new delivery, pending; follow it in `/webhook-deliveries/`.",
    )
    @action(detail=True, methods=["post"])
    def ping(self, request, pk=None):
        endpoint = self.get_object()
        WebhookActionSerializer(data=request.data).is_valid(raise_exception=True)
        delivery = services.webhook_ping(actor=request.user, endpoint=endpoint)
        return Response(WebhookDeliverySerializer(delivery).data, status=status.HTTP_201_CREATED)


class WebhookDeliveryFilter(django_filters.FilterSet):
    endpoint = django_filters.ModelChoiceFilter(
        queryset=WebhookEndpoint.objects.all(), label="Only deliveries to this endpoint (id)."
    )
    status = django_filters.ChoiceFilter(choices=WebhookDelivery.Status.choices)
    event_type = django_filters.ChoiceFilter(
        field_name="event__event_type",
        choices=[(code, code) for code in EVENT_TYPES],
        label="Only deliveries of this event type.",
    )

    class Meta:
        model = WebhookDelivery
        fields = ["endpoint", "status", "event_type"]


class WebhookDeliveryViewSet(ReadOnlyViewSet):
    """The delivery log, newest first: one row per event and endpoint, with the state
    and the last attempt's response. POST `redeliver` sends one again."""

    serializer_class = WebhookDeliverySerializer
    permission_classes = [permissions.IsAuthenticated, RolePermissions]
    queryset = selectors.delivery_list()
    filterset_class = WebhookDeliveryFilter
    # The settings hold the backend classes (the stubs type them as dotted paths).
    filter_backends = [
        backend  # type: ignore[misc]
        for backend in api_settings.DEFAULT_FILTER_BACKENDS
        if backend is not SearchFilter
    ]
    ordering_fields = ["created_at", "last_attempt_at"]

    @extend_schema(
        request=NO_FIELDS,
        responses={status.HTTP_200_OK: WebhookDeliverySerializer},
        summary="Redeliver",
        description="Queues the event to the endpoint again, with a fresh set of attempts, "
        "whatever the delivery's state, and returns the delivery, pending. The endpoint "
        "must be active.",
    )
    @action(detail=True, methods=["post"])
    def redeliver(self, request, pk=None):
        delivery = self.get_object()
        WebhookActionSerializer(data=request.data).is_valid(raise_exception=True)
        delivery = services.webhook_redeliver(actor=request.user, delivery=delivery)
        return Response(WebhookDeliverySerializer(delivery).data)
