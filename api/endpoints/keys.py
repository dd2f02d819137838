"""`/api/v1/api-keys/`: administrators create (the key is in the response once),
list and revoke keys."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status
from rest_framework.response import Response

from api import keys
from api.models import ApiKey
from api.serializers import StrictSerializer
from api.views import ResourceViewSet
from tradepost.accounts.roles import Role


class ApiKeySerializer(serializers.ModelSerializer):
    active = serializers.BooleanField(source="is_active", read_only=True)

    class Meta:
        model = ApiKey
        fields = [
            "id",
            "name",
            "role",
            "prefix",
            "active",
            "created_at",
            "last_used_at",
            "revoked_at",
        ]
        read_only_fields = fields


class ApiKeyCreateSerializer(StrictSerializer):
    name = serializers.CharField(max_length=100)
    role = serializers.ChoiceField(choices=Role.choices)


class ApiKeyCreatedSerializer(ApiKeySerializer):
    key = serializers.CharField(help_text="The key itself. Shown once: store it now.")

    class Meta(ApiKeySerializer.Meta):
        fields = [*ApiKeySerializer.Meta.fields, "key"]
        read_only_fields = fields


class ApiKeyViewSet(mixins.DestroyModelMixin, ResourceViewSet):
    """API keys of the workspace. DELETE revokes: the key stops working at once."""

    serializer_class = ApiKeySerializer
    queryset = ApiKey.objects.order_by("-created_at", "-pk")
    filterset_fields = ["role"]
    search_fields = ["name", "prefix"]
    ordering_fields = ["created_at", "name", "last_used_at"]

    @extend_schema(
        request=ApiKeyCreateSerializer, responses={status.HTTP_201_CREATED: ApiKeyCreatedSerializer}
    )
    def create(self, request):
        data = ApiKeyCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        created = keys.api_key_create(actor=request.user, **data.validated_data)
        body = ApiKeySerializer(created.api_key).data | {"key": created.secret}
        return Response(body, status=status.HTTP_201_CREATED)

    def perform_destroy(self, instance):
        keys.api_key_revoke(actor=self.request.user, api_key=instance)
