"""`/api/v1/users/`, `/api/v1/invitations/` and `/api/v1/me/`."""

from __future__ import annotations

from typing import Any

import django_filters
from django.contrib.auth.models import Group
from django.db import connection
from django.db.models import Prefetch
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, permissions, serializers, status
from rest_framework.response import Response

from api.filters import UpdatedSinceFilterSet
from api.serializers import StrictModelSerializer, StrictSerializer
from api.views import TradepostAPIView, TradepostViewSet
from tradepost.accounts import services
from tradepost.accounts.models import Invitation, User
from tradepost.accounts.roles import Role


class UserRolePermissions(permissions.BasePermission):
    """Reading the team takes `accounts.view_user`; changing it `accounts.invite_user`."""

    def has_permission(self, request, view):
        needed = (
            "accounts.view_user"
            if request.method in permissions.SAFE_METHODS
            else "accounts.invite_user"
        )
        return request.user.has_perm(needed)


class UserSerializer(serializers.ModelSerializer):
    role = serializers.SerializerMethodField()

    class Meta:
        model = User
        fields = [
            "id",
            "email",
            "full_name",
            "role",
            "is_active",
            "date_joined",
            "last_login",
            "updated_at",
        ]
        read_only_fields = fields

    def get_role(self, user) -> str | None:
        roles = user.roles
        return roles[0] if roles else None


class UserUpdateSerializer(StrictSerializer):
    role = serializers.ChoiceField(choices=Role.choices, required=False)
    is_active = serializers.BooleanField(required=False)


class UserFilter(UpdatedSinceFilterSet):
    role = django_filters.ChoiceFilter(field_name="groups__name", choices=Role.choices)

    class Meta:
        model = User
        fields = ["is_active", "role", "updated_since"]


class UserViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, TradepostViewSet):
    """The workspace's users. Everyone with a staff role reads; administrators change
    roles and (de)activate through PATCH."""

    serializer_class = UserSerializer
    permission_classes = [permissions.IsAuthenticated, UserRolePermissions]
    filterset_class = UserFilter
    search_fields = ["email", "full_name"]
    ordering_fields = ["email", "full_name", "date_joined", "updated_at"]
    ordering = ["email"]
    http_method_names = ["get", "patch", "head", "options"]

    def get_queryset(self):
        return User.objects.prefetch_related(
            Prefetch("groups", queryset=Group.objects.only("name"))
        ).order_by("email")

    @extend_schema(request=UserUpdateSerializer, responses=UserSerializer)
    def partial_update(self, request, pk=None):
        user = self.get_object()
        data = UserUpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        if "role" in data.validated_data:
            services.user_set_role(actor=request.user, user=user, role=data.validated_data["role"])
        if "is_active" in data.validated_data:
            services.user_set_active(
                actor=request.user, user=user, active=data.validated_data["is_active"]
            )
        return Response(UserSerializer(self.get_queryset().get(pk=user.pk)).data)


class InvitationSerializer(StrictModelSerializer):
    class Meta:
        model = Invitation
        fields = [
            "id",
            "email",
            "role",
            "created_at",
            "expires_at",
            "sent_at",
            "accepted_at",
            "revoked_at",
        ]
        read_only_fields = [
            "id",
            "created_at",
            "expires_at",
            "sent_at",
            "accepted_at",
            "revoked_at",
        ]
        extra_kwargs: dict[str, Any] = {"email": {"validators": []}}


class InvitationPermissions(permissions.BasePermission):
    def has_permission(self, request, view):
        return request.user.has_perm("accounts.invite_user")


class InvitationFilter(django_filters.FilterSet):
    open = django_filters.BooleanFilter(
        method="filter_open", label="Only invitations not yet answered."
    )

    class Meta:
        model = Invitation
        fields = ["role", "open"]

    def filter_open(self, queryset, name, value):
        condition = {"accepted_at__isnull": True, "revoked_at__isnull": True}
        return queryset.filter(**condition) if value else queryset.exclude(**condition)


class InvitationViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.DestroyModelMixin,
    TradepostViewSet,
):
    """Invitations by e-mail (administrators). DELETE withdraws an open invitation."""

    serializer_class = InvitationSerializer
    permission_classes = [permissions.IsAuthenticated, InvitationPermissions]
    filterset_class = InvitationFilter
    search_fields = ["email"]
    ordering_fields = ["created_at", "email"]
    ordering = ["-created_at"]

    def get_queryset(self):
        return Invitation.objects.order_by("-created_at", "-pk")

    def perform_create(self, serializer):
        serializer.instance = services.invitation_create(
            actor=self.request.user, **serializer.validated_data
        )

    def perform_destroy(self, instance):
        services.invitation_revoke(actor=self.request.user, invitation=instance)


class WorkspaceSerializer(serializers.Serializer):
    slug = serializers.CharField()
    name = serializers.CharField()


class MeSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=["user", "api_key"])
    id = serializers.IntegerField(help_text="User id, or API key id.")
    name = serializers.CharField()
    email = serializers.EmailField(allow_null=True)
    role = serializers.CharField(allow_null=True)
    permissions = serializers.ListField(child=serializers.CharField())
    workspace = WorkspaceSerializer()


class MeView(TradepostAPIView):
    """Who is calling: the signed-in user or the API key, with its role and permissions."""

    @extend_schema(responses={status.HTTP_200_OK: MeSerializer})
    def get(self, request):
        from tenants.models import Tenant

        caller = request.user
        tenant = getattr(request, "tenant", None)  # routed (and cached) with the request
        if getattr(tenant, "schema_name", None) != connection.schema_name or not hasattr(
            tenant, "slug"
        ):
            tenant = Tenant.objects.get(schema_name=connection.schema_name)
        api_key = getattr(caller, "api_key", None)
        if api_key is not None:
            body = {
                "kind": "api_key",
                "id": api_key.pk,
                "name": api_key.name,
                "email": None,
                "role": api_key.role,
                "permissions": sorted(caller._permissions),
            }
        else:
            body = {
                "kind": "user",
                "id": caller.pk,
                "name": caller.get_full_name(),
                "email": caller.email,
                "role": (caller.roles or [None])[0],
                "permissions": sorted(caller.get_all_permissions()),
            }
        body["workspace"] = {"slug": tenant.slug, "name": tenant.name}
        return Response(MeSerializer(body).data)
