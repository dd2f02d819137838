"""`/api/v1/profitability/?start=&end=&by=`: revenue, cost of goods, gross margin,
rebates, expenses, net contribution and margin % per branch, salesperson or product
line over a period, with the totals — the figures of the finance page
`/finance/profitability/` (`settlement.profitability`), in the base currency.

`start` and `end` are ISO dates (default: this month), at most 366 days apart; `by`
is `branch` (default), `salesperson` or `product_line`. A bad value is a 400 naming
the parameter. Reading takes `settlement.view_invoice` and `settlement.view_rebate`
(finance, executives, sales managers; 403 otherwise); a sales manager's figures cover
the customers in their scope. The cost figures are null without
`inventory.view_stock_cost`."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_serializer
from rest_framework import exceptions, permissions, serializers
from rest_framework.response import Response

from api.fields import MoneyField
from api.views import TradepostViewSet
from tradepost.lifecycle import permitted
from tradepost.settlement import profitability
from tradepost.settlement.filters import ProfitabilityForm

PARAMETERS = ("start", "end", "by")


def _money(help_text: str) -> MoneyField:
    return MoneyField(read_only=True, min_value=None, allow_null=True, help_text=help_text)


class ProfitRowSerializer(serializers.Serializer):
    id = serializers.IntegerField(
        source="key",
        read_only=True,
        allow_null=True,
        help_text="The branch, user or top-level product category; null: unassigned.",
    )
    name = serializers.CharField(source="label", read_only=True)
    revenue = _money("Invoices less credit notes issued in the period, excl. tax.")
    cost_of_goods = _money(
        "Deliveries less customer returns at their stock-ledger unit cost; null without "
        "`inventory.view_stock_cost`."
    )
    gross_margin = _money("revenue − cost_of_goods.")
    rebates = _money("Rebates posted in the period.")
    expenses = _money("Expense claims approved or paid, dated in the period.")
    net_contribution = _money("gross_margin − rebates − expenses.")
    margin_percent = serializers.DecimalField(
        max_digits=12,
        decimal_places=1,
        read_only=True,
        allow_null=True,
        help_text="net_contribution ÷ revenue × 100; null without revenue (or cost).",
    )


@extend_schema_serializer(many=False)  # the list action answers one report, not a list
class ProfitabilitySerializer(serializers.Serializer):
    start = serializers.DateField(read_only=True)
    end = serializers.DateField(read_only=True)
    by = serializers.ChoiceField(choices=list(profitability.DIMENSIONS), read_only=True)
    currency = serializers.CharField(read_only=True, help_text="The base currency.")
    show_cost = serializers.BooleanField(read_only=True)
    unconverted = serializers.IntegerField(
        read_only=True, help_text="Documents left out: no exchange rate on or before their date."
    )
    results = ProfitRowSerializer(source="rows", many=True, read_only=True)
    totals = ProfitRowSerializer(read_only=True)


class ProfitabilityViewSet(TradepostViewSet):
    """The report (see the module docstring); one answer, not paginated."""

    serializer_class = ProfitabilitySerializer
    filter_backends: list[type] = []  # its parameters are the report's (below), not a list's
    pagination_class = None
    http_method_names = ["get", "head", "options"]

    def get_permissions(self):
        return [permissions.IsAuthenticated()]

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "start", OpenApiTypes.DATE, description="Default: this month's first day."
            ),
            OpenApiParameter(
                "end", OpenApiTypes.DATE, description="Default: this month's last day."
            ),
            OpenApiParameter(
                "by",
                OpenApiTypes.STR,
                enum=list(profitability.DIMENSIONS),
                description="Default: branch.",
            ),
        ],
        summary="Profitability by branch, salesperson or product line",
    )
    def list(self, request, *args, **kwargs):
        if not permitted(request.user, profitability.PROFITABILITY):
            raise exceptions.PermissionDenied()
        asked: dict[str, Any] = {}
        errors: dict[str, list[str]] = {}
        for name in PARAMETERS:
            values = request.query_params.getlist(name)
            if len(values) > 1:
                errors[name] = [_("Give this parameter once.")]
            elif values == [""]:
                errors[name] = [_("Must not be empty; leave the parameter out instead.")]
            elif values:
                asked[name] = values[0]
        if errors:
            raise exceptions.ValidationError(errors)
        form = ProfitabilityForm(asked)
        if not form.is_valid():
            raise exceptions.ValidationError(
                {name: list(messages) for name, messages in form.errors.items()}
            )
        report = profitability.profitability(
            request.user,
            start=form.cleaned_data["start"],
            end=form.cleaned_data["end"],
            by=form.cleaned_data["by"],
        )
        return Response(ProfitabilitySerializer(report).data)


ROUTES = [("profitability", ProfitabilityViewSet, "profitability")]
