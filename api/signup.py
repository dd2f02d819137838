"""`POST /api/v1/signup` on the public domain: sign-up for integrations and scripts."""

from __future__ import annotations

from rest_framework import serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from api.throttling import SignupRateThrottle
from tenants.services import SignupError, tenant_signup
from tenants.views import welcome_url
from tradepost.links import workspace_url


class SignupAPI(APIView):
    """Create a workspace and its owner; returns where the owner signs in."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes = [SignupRateThrottle]  # one counter with the sign-up form

    class InputSerializer(serializers.Serializer):
        company_name = serializers.CharField(max_length=200, allow_blank=True)
        slug = serializers.CharField(max_length=30, allow_blank=True)
        # Checked by the sign-up service with the other fields, so all errors come at once.
        owner_email = serializers.CharField(max_length=254, allow_blank=True)
        password = serializers.CharField(
            write_only=True, trim_whitespace=False, max_length=128, allow_blank=True
        )
        full_name = serializers.CharField(max_length=150, required=False, default="")

        def validate(self, attrs):
            unknown = set(self.initial_data) - set(self.fields)
            if unknown:
                raise serializers.ValidationError(
                    {name: ["Unknown field."] for name in sorted(unknown)}
                )
            return attrs

    def post(self, request):
        if not isinstance(request.data, dict):
            raise serializers.ValidationError("Send a JSON object.")
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            result = tenant_signup(**serializer.validated_data)
        except SignupError as exc:
            raise serializers.ValidationError(exc.message_dict) from exc
        return Response(
            {
                "slug": result.tenant.slug,
                "name": result.tenant.name,
                "workspace_url": workspace_url(result.tenant, "/"),
                "login_url": welcome_url(result),
                "owner_email": result.owner.email,
            },
            status=status.HTTP_201_CREATED,
        )
