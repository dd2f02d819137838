"""`/api/v1/credit-overrides/`: a finance manager's leave to confirm one order over the
credit rules (the limit or the overdue hold), with a reason; audited, used up by that
order's confirmation (`credit.credit_override_grant`). Read in the customer scope;
granting needs `settlement.add_creditoverride`."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import status

from api.serializers import ReadSerializer, StrictSerializer, StringField
from api.views import ServiceViewSet
from tradepost.settlement import credit, selectors
from tradepost.settlement.api.common import VisibleOrderField
from tradepost.settlement.filters import CreditOverrideApiFilter
from tradepost.settlement.models import CreditOverride


class CreditOverrideSerializer(ReadSerializer):
    class Meta:
        model = CreditOverride
        fields = [
            "id",
            "order",
            "customer",
            "reason",
            "exposure",
            "credit_limit",
            "currency",
            "created_by",
            "created_at",
            "used_at",
        ]
        extra_kwargs = {
            "exposure": {"help_text": "What the customer owed with the order, when granted."},
            "used_at": {"help_text": "When the order's confirmation used it; null: waiting."},
        }


class CreditOverrideInputSerializer(StrictSerializer):
    order = VisibleOrderField(help_text="An order not confirmed yet.")
    reason = StringField(max_length=300, allow_blank=True, help_text="Why; required.")


@extend_schema_view(
    create=extend_schema(
        request=CreditOverrideInputSerializer,
        responses={status.HTTP_201_CREATED: CreditOverrideSerializer},
        summary="Let one order go over the credit rules",
        description="Recorded with the customer's exposure and limit at the time; the "
        "order's next confirmation passes the credit check once and uses it up. One "
        "waiting override per order. Needs `settlement.add_creditoverride`.",
    ),
)
class CreditOverrideViewSet(ServiceViewSet):
    """Credit overrides of the customers in the caller's scope, newest first."""

    serializer_class = CreditOverrideSerializer
    create_serializer_class = CreditOverrideInputSerializer
    filterset_class = CreditOverrideApiFilter
    http_method_names = ["get", "post", "head", "options"]
    search_fields = ["reason"]
    ordering_fields = ["created_at", "used_at"]
    ordering = ["-created_at", "-pk"]
    answer_create_from_row = True

    def get_queryset(self):
        return selectors.overrides_visible_to(self.request.user).order_by("-created_at", "-pk")

    def service_create(self, data: dict[str, Any]) -> CreditOverride:
        return credit.credit_override_grant(
            actor=self.request.user, order=data["order"], reason=data["reason"]
        )


ROUTES = [("credit-overrides", CreditOverrideViewSet, "credit-override")]
