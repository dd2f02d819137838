"""`/api/v1/settlement-credits/`, read-only: money owed to customers in the caller's
customer scope (a dealer sees its own; an id outside the scope is a 404)."""

from __future__ import annotations

from rest_framework import serializers

from api.serializers import ReadSerializer
from api.views import ResourceViewSet
from tradepost.sales.filters import SettlementCreditFilter
from tradepost.sales.models import SettlementCredit
from tradepost.sales.selectors import settlement_credit_list


class SettlementCreditSerializer(ReadSerializer):
    customer_name = serializers.CharField(source="customer.name", read_only=True)

    class Meta:
        model = SettlementCredit
        fields = [
            "id",
            "customer",
            "customer_name",
            "amount",
            "currency",
            "reason",
            "price_adjustment",
            "order_return",
            "status",
            "created_at",
        ]


class SettlementCreditViewSet(ResourceViewSet):
    """Money owed to customers in the caller's scope (from price adjustments and
    returns), newest first. Read-only: the settlement module settles them."""

    serializer_class = SettlementCreditSerializer
    filterset_class = SettlementCreditFilter
    ordering_fields = ["created_at", "amount"]
    ordering = ["-created_at"]
    search_fields = ["reason", "customer__name"]
    http_method_names = ["get", "head", "options"]

    def get_queryset(self):
        return settlement_credit_list(self.request.user)


ROUTES = [
    ("settlement-credits", SettlementCreditViewSet, "settlement-credit"),
]
