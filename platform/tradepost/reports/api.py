"""`/api/v1/reports/stock-monthly/`: the monthly stock report (进销存月报), read-only —
one row per product and location of the month (`?month=YYYY-MM`, default last month),
filtered by `location` (id), `product` (id), `category` (id, with its sub-categories)
and `q` (SKU or name), paged, with the totals of all rows. Values only for callers who
may see what stock cost (`inventory.view_stock_cost`); reading needs
`reports.view_stockmonthly`. A bad month or filter is a 400 naming the parameter."""

from __future__ import annotations

import dataclasses
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, permissions, serializers
from rest_framework.exceptions import PermissionDenied, ValidationError

from api.fields import QuantityField
from api.views import CanView, TradepostViewSet
from tradepost.reports import customer_value, sales_drilldown
from tradepost.reports.forms import StockMonthlyForm
from tradepost.reports.models import FIGURE_NAMES
from tradepost.reports.selectors import StockMonthlyRow, stock_monthly_report

VIEW = "reports.view_stockmonthly"
COST = "inventory.view_stock_cost"
FILTERS = ("month", "location", "category", "q", "product")


def _value_field() -> serializers.DecimalField:
    return serializers.DecimalField(
        max_digits=24, decimal_places=2, rounding=ROUND_HALF_UP, read_only=True
    )


class ReportProductSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="product_id", read_only=True)
    sku = serializers.CharField(read_only=True)
    name = serializers.CharField(source="product", read_only=True)
    unit = serializers.CharField(read_only=True)
    category = serializers.CharField(read_only=True)


class ReportLocationSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="location_id", read_only=True)
    code = serializers.CharField(source="location_code", read_only=True)
    name = serializers.CharField(source="location", read_only=True)


class StockMonthlyRowSerializer(serializers.Serializer):
    """One product at one location in the month: quantities (out-figures positive,
    adjustments signed; closing = opening + in − out + adjustments)."""

    product = ReportProductSerializer(source="*", read_only=True)
    location = ReportLocationSerializer(source="*", read_only=True)


class StockMonthlyCostRowSerializer(StockMonthlyRowSerializer):
    """The row with the values at the moves' cost, rounded to cents."""


for _name in FIGURE_NAMES:
    StockMonthlyRowSerializer._declared_fields[f"{_name}_qty"] = QuantityField(
        read_only=True, min_value=None
    )
    StockMonthlyCostRowSerializer._declared_fields[f"{_name}_qty"] = QuantityField(
        read_only=True, min_value=None
    )
    StockMonthlyCostRowSerializer._declared_fields[f"{_name}_value"] = _value_field()


@extend_schema(
    summary="Monthly stock report (进销存月报)",
    parameters=[
        OpenApiParameter("month", OpenApiTypes.STR, description="YYYY-MM; default last month."),
        OpenApiParameter("location", OpenApiTypes.INT, description="A location's id."),
        OpenApiParameter("product", OpenApiTypes.INT, description="A product's id."),
        OpenApiParameter("category", OpenApiTypes.INT, description="A product category's id."),
        OpenApiParameter("q", OpenApiTypes.STR, description="Part of the SKU or name."),
    ],
    responses=StockMonthlyCostRowSerializer(many=True),
)
class StockMonthlyViewSet(mixins.ListModelMixin, TradepostViewSet):
    """The month's rows (see the module docstring)."""

    http_method_names = ["get", "head", "options"]
    filter_backends: list[Any] = []

    def get_permissions(self):
        return [permissions.IsAuthenticated(), CanView(VIEW)]

    def get_serializer_class(self):
        if self.request.user.has_perm(COST):
            return StockMonthlyCostRowSerializer
        return StockMonthlyRowSerializer

    def _report(self):
        params = self.request.query_params
        errors: dict[str, list[str]] = {}
        # As every list's filters (api.filters.StrictFilterBackend): a parameter given
        # empty or twice is a 400, not silently ignored.
        for name in FILTERS:
            values = params.getlist(name)
            if len(values) > 1:
                errors[name] = [_("Give this parameter once.")]
            elif values == [""]:
                errors[name] = [_("Must not be empty; leave the parameter out instead.")]
        if errors:
            raise ValidationError(errors)
        form = StockMonthlyForm({name: params.get(name, "") for name in FILTERS[:-1]})
        if not form.is_valid():
            errors.update({name: list(messages) for name, messages in form.errors.items()})
        product = params.get("product", "")
        if product and not (product.isascii() and product.isdigit() and len(product) < 19):
            errors["product"] = [_("Enter a product's id (a whole number).")]
        if errors:
            raise ValidationError(errors)
        chosen = form.report_filter()
        if product:
            chosen = dataclasses.replace(chosen, product_id=int(product))
        return stock_monthly_report(chosen)

    def get_queryset(self):
        return self._report()

    def list(self, request, *args, **kwargs):
        report = self._report()
        page: list[StockMonthlyRow] = self.paginate_queryset(report) or []
        serializer = self.get_serializer(page, many=True)
        response = self.get_paginated_response(serializer.data)
        response.data["month"] = f"{report.filter.month:%Y-%m}"
        fields = self.get_serializer_class()._declared_fields
        response.data["totals"] = {
            name: fields[name].to_representation(value)
            for name, value in report.totals.items()
            if name in fields
        }
        return response


# --- Customer value ---------------------------------------------------------------------
CUSTOMER_VALUE = "reports.view_customervalue"


class CustomerValueRowSerializer(serializers.Serializer):
    """One customer's value figures (see `tradepost.reports.customer_value`); amounts in
    the company's base currency."""

    id = serializers.IntegerField(source="pk", read_only=True)
    code = serializers.CharField(read_only=True)
    name = serializers.CharField(read_only=True)
    rank = serializers.IntegerField(source="value_rank", read_only=True)
    top = serializers.BooleanField(read_only=True)
    lifetime_value = _value_field()
    order_count = serializers.IntegerField(read_only=True)
    first_order = serializers.DateField(read_only=True, allow_null=True)
    last_order = serializers.DateField(read_only=True, allow_null=True)
    usual_interval_days = serializers.FloatField(
        source="usual_interval", read_only=True, allow_null=True
    )
    days_since_last_order = serializers.IntegerField(
        source="days_since_last", read_only=True, allow_null=True
    )
    churn_warning = serializers.BooleanField(source="churn", read_only=True)
    referral_value = _value_field()


@extend_schema(
    summary="Customer value (TOP-N, churn warnings, lifetime and referral value)",
    parameters=[
        OpenApiParameter(
            "view",
            OpenApiTypes.STR,
            enum=list(customer_value.VIEWS),
            description="top (TOP-N, default), churn (past the churn line) or all.",
        ),
        OpenApiParameter(
            "sort",
            OpenApiTypes.STR,
            enum=list(customer_value.SORTS),
            description="For view=all: value (default), last_order or referral.",
        ),
    ],
    responses=CustomerValueRowSerializer(many=True),
)
class CustomerValueViewSet(mixins.ListModelMixin, TradepostViewSet):
    """The customers the caller sees with their value figures, paged."""

    http_method_names = ["get", "head", "options"]
    filter_backends: list[Any] = []
    serializer_class = CustomerValueRowSerializer

    def get_permissions(self):
        return [permissions.IsAuthenticated(), CanView(CUSTOMER_VALUE)]

    def get_queryset(self):
        params = self.request.query_params
        errors: dict[str, list[str]] = {}
        choices = {"view": customer_value.VIEWS, "sort": tuple(customer_value.SORTS)}
        for name, allowed in choices.items():
            values = params.getlist(name)
            if len(values) > 1:
                errors[name] = [_("Give this parameter once.")]
            elif values and values[0] not in allowed:
                errors[name] = [_("Choose one of: %(choices)s.") % {"choices": ", ".join(allowed)}]
        if errors:
            raise ValidationError(errors)
        return customer_value.customer_value_list(
            self.request.user,
            today=timezone.localdate(),
            view=params.get("view", "top"),
            sort=params.get("sort", "value"),
        )


# --- Sales drill-down --------------------------------------------------------------------
def _money(value) -> str | None:
    return None if value is None else f"{value.quantize(Decimal('0.01'), ROUND_HALF_UP):f}"


def _figures(row: sales_drilldown.DrillRow, report: sales_drilldown.Drilldown) -> dict[str, Any]:
    if report.query.measure == "receivables":
        return {"receivables": _money(row.receivables), "unconverted": row.unconverted}
    figures: dict[str, Any] = {
        "quantity": f"{row.quantity.quantize(Decimal('0.001'), ROUND_HALF_UP):f}",
        "sales": _money(row.sales),
        "unconverted": row.unconverted,
    }
    if report.show_cost:
        figures["cost"] = _money(row.cost)
        figures["gross_margin"] = _money(row.gross_margin)
        figures["margin_percent"] = (
            None if row.margin_percent is None else f"{row.margin_percent:f}"
        )
    return figures


def _key(key: sales_drilldown.DrillKey) -> dict[str, Any]:
    if key.dimension == "period":
        return {"start": key.param, "label": key.label}
    return {"id": key.value, "name": key.label}


class SalesDrilldownRowSerializer(serializers.Serializer):
    """One key of the dimensions asked (each `{"id", "name"}`, a period
    `{"start", "label"}`; id null: unassigned) with its figures: quantity, sales,
    cost, gross_margin and margin_percent (the cost figures only for who may see stock
    costs), or receivables."""

    def to_representation(self, instance):
        row, report = instance
        keys = {key.dimension: _key(key) for key in row.keys}
        return {**keys, **_figures(row, report)}


SALES_PARAMETERS = [
    OpenApiParameter(
        "dimensions",
        OpenApiTypes.STR,
        description="One or two of region, branch, channel, salesperson, customer, "
        "category, product, period (comma-separated); default region.",
    ),
    OpenApiParameter(
        "measure",
        OpenApiTypes.STR,
        enum=list(sales_drilldown.MEASURES),
        description="sales (default), margin (needs the stock-cost permission) or "
        "receivables (by the customer's dimensions only).",
    ),
    OpenApiParameter("period", OpenApiTypes.STR, enum=list(sales_drilldown.PERIODS)),
    OpenApiParameter("start", OpenApiTypes.STR, description="YYYY-MM; default 11 months ago."),
    OpenApiParameter("end", OpenApiTypes.STR, description="YYYY-MM; default this month."),
    *(
        OpenApiParameter(
            name,
            OpenApiTypes.STR,
            description="An id, or “none” for the unassigned figures"
            if name != "channel"
            else "A channel code.",
        )
        for name in sales_drilldown.FILTERS
    ),
]


@extend_schema(
    summary="Sales drill-down: sales, gross margin or receivables by dimension",
    parameters=SALES_PARAMETERS,
    responses=SalesDrilldownRowSerializer(many=True),
)
class SalesDrilldownViewSet(mixins.ListModelMixin, TradepostViewSet):
    """The figures grouped by the dimensions asked, largest first (periods in order),
    paged, with the totals of all rows; the same service as `/reports/sales/`."""

    http_method_names = ["get", "head", "options"]
    filter_backends: list[Any] = []
    serializer_class = SalesDrilldownRowSerializer

    def get_permissions(self):
        return [permissions.IsAuthenticated(), CanView(sales_drilldown.VIEW)]

    def _report(self) -> sales_drilldown.Drilldown:
        params = self.request.query_params.copy()
        params.pop("page", None)
        params.pop("page_size", None)
        unknown = sorted(set(params) - set(sales_drilldown.PARAMETERS))
        if unknown:
            raise ValidationError({name: [_("Unknown parameter.")] for name in unknown})
        try:
            query = sales_drilldown.drilldown_query(params)
        except DjangoValidationError as exc:
            raise ValidationError(exc.message_dict) from exc
        try:
            return sales_drilldown.sales_drilldown(self.request.user, query, trend=False)
        except DjangoPermissionDenied as exc:
            raise PermissionDenied(str(exc)) from exc

    def get_queryset(self):
        return self._report().rows

    def list(self, request, *args, **kwargs):
        report = self._report()
        page = self.paginate_queryset(report.rows) or []
        response = self.get_paginated_response(
            [SalesDrilldownRowSerializer().to_representation((row, report)) for row in page]
        )
        query = report.query
        response.data.update(
            {
                "measure": query.measure,
                "dimensions": list(query.dimensions),
                "period": query.period,
                "start": f"{query.start:%Y-%m}",
                "end": f"{query.end:%Y-%m}",
                "currency": report.currency,
                "totals": _figures(report.totals, report),
            }
        )
        return response


ROUTES = [
    ("reports/sales", SalesDrilldownViewSet, "report-sales"),
    ("reports/stock-monthly", StockMonthlyViewSet, "report-stock-monthly"),
    ("reports/customer-value", CustomerValueViewSet, "report-customer-value"),
]
