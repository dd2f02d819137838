"""`/api/v1/targets/`: sales targets with their completion (`tradepost.plans`).

List and read the targets in the caller's scope (`plans.view_salestarget`), each with
its actual sales, completion and run-rate forecast as of today; set one
(`plans.add_salestarget`; a POST with `Idempotency-Key` runs once); adjust one with
`POST /api/v1/targets/{id}/adjust/` (`plans.change_salestarget`, a reason required),
which keeps the old figures in `adjustments`. Every write is a service of
`tradepost.plans`, the same the pages call."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import mixins, permissions, serializers, status
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.response import Response

from api.fields import MoneyField, QuantityField
from api.serializers import ReadSerializer, StrictSerializer, StringField
from api.views import CanView, ServiceViewSet, TradepostViewSet
from tradepost.plans import production, selectors, services
from tradepost.plans.filters import TargetFilter
from tradepost.plans.models import SalesTarget, TargetAdjustment
from tradepost.plans.periods import PeriodKind


class AdjustmentSerializer(ReadSerializer):
    adjusted_by = serializers.SerializerMethodField()

    class Meta:
        model = TargetAdjustment
        fields = [
            "id",
            "old_amount",
            "new_amount",
            "old_quantity",
            "new_quantity",
            "reason",
            "adjusted_by",
            "adjusted_at",
        ]

    @extend_schema_field(OpenApiTypes.EMAIL)
    def get_adjusted_by(self, adjustment: TargetAdjustment) -> str | None:
        return adjustment.adjusted_by.email if adjustment.adjusted_by else None


class CompletionSerializer(serializers.Serializer):
    currency = serializers.CharField(help_text="The base currency: targets and actuals are in it.")
    actual_amount = MoneyField(help_text="Net of tax, orders confirmed or later in the period.")
    actual_quantity = QuantityField()
    amount_percent = serializers.DecimalField(
        max_digits=9, decimal_places=1, allow_null=True, help_text="Actual ÷ target × 100."
    )
    quantity_percent = serializers.DecimalField(max_digits=9, decimal_places=1, allow_null=True)
    elapsed_days = serializers.IntegerField(help_text="Calendar days of the period gone by.")
    period_days = serializers.IntegerField()
    forecast_amount = MoneyField(
        allow_null=True, help_text="Actual ÷ elapsed days × period days; null before it starts."
    )
    forecast_quantity = QuantityField(allow_null=True)
    forecast_percent = serializers.DecimalField(max_digits=9, decimal_places=1, allow_null=True)
    unconverted = serializers.IntegerField(
        help_text="Days of sales in another currency left out for want of an exchange rate."
    )
    children_count = serializers.IntegerField(
        help_text="Branch and region targets: how many child branches or regions have one."
    )
    children_amount = MoneyField(allow_null=True, help_text="Their targets' amounts summed.")
    children_quantity = QuantityField(allow_null=True)


class TargetSerializer(ReadSerializer):
    period = serializers.CharField(read_only=True, help_text="2026-12, 2026-Q4 or 2026.")
    salesperson = serializers.SerializerMethodField()
    object_label = serializers.CharField(read_only=True)
    completion = serializers.SerializerMethodField()
    adjustments = serializers.SerializerMethodField()

    class Meta:
        model = SalesTarget
        fields = [
            "id",
            "period",
            "period_kind",
            "period_start",
            "dimension",
            "branch",
            "region",
            "salesperson",
            "category",
            "object_label",
            "amount",
            "quantity",
            "completion",
            "adjustments",
            "created_at",
            "updated_at",
        ]

    @extend_schema_field(OpenApiTypes.INT)
    def get_salesperson(self, target: SalesTarget) -> int | None:
        return target.salesperson_id

    @extend_schema_field(CompletionSerializer)
    def get_completion(self, target: SalesTarget) -> dict[str, Any]:
        figures = self.context["completion"][target.pk]
        return CompletionSerializer(figures).data

    @extend_schema_field(AdjustmentSerializer(many=True))
    def get_adjustments(self, target: SalesTarget) -> Any:
        """Only when one target is read: its history, the latest first."""
        history = self.context.get("adjustments")
        if history is None:
            return None
        return AdjustmentSerializer(history, many=True).data


def _caller(field: serializers.Field) -> Any:
    return getattr(field.context.get("request"), "user", None)


def _scope(field: serializers.Field) -> selectors.TargetScope:
    return selectors.target_scope(_caller(field), writing=True)


@extend_schema_field(OpenApiTypes.INT)
class ScopedBranchField(serializers.PrimaryKeyRelatedField):
    def get_queryset(self):
        return _scope(self).branches()


@extend_schema_field(OpenApiTypes.INT)
class ScopedRegionField(serializers.PrimaryKeyRelatedField):
    def get_queryset(self):
        return _scope(self).regions()


@extend_schema_field(OpenApiTypes.INT)
class ScopedSalespersonField(serializers.PrimaryKeyRelatedField):
    def get_queryset(self):
        return _scope(self).salespeople()


@extend_schema_field(OpenApiTypes.INT)
class ScopedCategoryField(serializers.PrimaryKeyRelatedField):
    def get_queryset(self):
        return _scope(self).categories()


class TargetInputSerializer(StrictSerializer):
    period_kind = serializers.ChoiceField(choices=PeriodKind.choices)
    period_start = serializers.DateField(help_text="The period's first day.")
    dimension = serializers.ChoiceField(choices=SalesTarget.Dimension.choices)
    branch = ScopedBranchField(required=False, allow_null=True, default=None)
    region = ScopedRegionField(required=False, allow_null=True, default=None)
    salesperson = ScopedSalespersonField(required=False, allow_null=True, default=None)
    category = ScopedCategoryField(required=False, allow_null=True, default=None)
    amount = MoneyField(help_text="In the base currency, net of tax.")
    quantity = QuantityField(required=False, allow_null=True, default=None)


class AdjustInputSerializer(StrictSerializer):
    amount = MoneyField()
    quantity = QuantityField(
        required=False, allow_null=True, help_text="Left out: unchanged; null: no quantity target."
    )
    reason = StringField(max_length=300, help_text="Why the target changes (kept in its history).")


@extend_schema_view(
    create=extend_schema(
        request=TargetInputSerializer,
        responses={status.HTTP_201_CREATED: TargetSerializer},
        summary="Set a target",
        description="One target per object and period. Needs `plans.add_salestarget`; a "
        "sales manager sets targets for their branch's and region's subtrees and their "
        "people only.",
    ),
)
class TargetViewSet(ServiceViewSet):
    """Sales targets in the caller's scope, the latest period first, with completion.
    Needs `plans.view_salestarget`."""

    serializer_class = TargetSerializer
    create_serializer_class = TargetInputSerializer
    filterset_class = TargetFilter
    http_method_names = ["get", "post", "head", "options"]
    ordering_fields = ["period_start", "amount", "updated_at"]
    ordering = ["-period_start", "period_kind", "dimension", "pk"]

    def get_permissions(self):
        # Adjusting needs the read permission here; the service checks
        # `plans.change_salestarget` and the scope (a 403 from there).
        if self.action == "adjust":
            return [permissions.IsAuthenticated(), CanView("plans.view_salestarget")]
        return super().get_permissions()

    def get_queryset(self):
        return selectors.targets_visible_to(self.request.user)

    def _context_for(self, targets: list[SalesTarget], **extra: Any) -> dict[str, Any]:
        figures = selectors.completion(targets, today=timezone.localdate())
        return {**self.get_serializer_context(), "completion": figures, **extra}

    def list(self, request, *args, **kwargs):
        queryset = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(queryset)
        rows = list(page if page is not None else queryset)
        body = TargetSerializer(rows, many=True, context=self._context_for(rows)).data
        if page is not None:
            return self.get_paginated_response(body)
        return Response(body)

    def _one(self, target: SalesTarget, status_code: int = status.HTTP_200_OK) -> Response:
        history = list(selectors.adjustments_of(target))
        context = self._context_for([target], adjustments=history)
        return Response(TargetSerializer(target, context=context).data, status=status_code)

    def retrieve(self, request, *args, **kwargs):
        return self._one(self.get_object())

    def _read(self, instance, status_code=status.HTTP_200_OK) -> Response:
        return self._one(self.get_queryset().get(pk=instance.pk), status_code)

    def service_create(self, data: dict[str, Any]) -> SalesTarget:
        return services.target_create(actor=self.request.user, **data)

    @extend_schema(
        request=AdjustInputSerializer,
        responses={status.HTTP_200_OK: TargetSerializer},
        summary="Adjust a target",
        description="New amount (and quantity), with the reason; the old figures stay in "
        "`adjustments`. Needs `plans.change_salestarget`.",
    )
    @action(detail=True, methods=["post"])
    def adjust(self, request, *args, **kwargs):
        target = self.get_object()
        data = self._body(AdjustInputSerializer)
        quantity = data.get("quantity", target.quantity)
        services.target_adjust(
            actor=request.user,
            target=target,
            amount=data["amount"],
            quantity=quantity,
            reason=data["reason"],
        )
        return self._read(target)


class ProductionPlanRowSerializer(serializers.Serializer):
    product = serializers.SerializerMethodField()
    demand_plans = QuantityField(read_only=True, min_value=None)
    targets = QuantityField(read_only=True, min_value=None)
    open_orders = QuantityField(read_only=True, min_value=None)
    demand = QuantityField(read_only=True, min_value=None)
    on_hand = QuantityField(read_only=True, min_value=None)
    reserved = QuantityField(read_only=True, min_value=None)
    receipts_due = QuantityField(read_only=True, min_value=None)
    supply = QuantityField(read_only=True, min_value=None)
    plan = QuantityField(read_only=True, min_value=None)

    @extend_schema_field(OpenApiTypes.OBJECT)
    def get_product(self, row: production.PlanRow) -> dict[str, Any]:
        return {"id": row.product_id, "sku": row.sku, "name": row.name, "unit": row.unit}

    def to_representation(self, instance):
        body = {"product": self.get_product(instance)}
        for name in production.FIGURES:
            body[name] = self.fields[name].to_representation(instance.figures[name])
        return body


@extend_schema(
    summary="Production / purchasing plan (以销定产)",
    parameters=[
        OpenApiParameter("month", OpenApiTypes.STR, description="YYYY-MM; default next month."),
        OpenApiParameter("category", OpenApiTypes.INT, description="A product category's id."),
        OpenApiParameter("q", OpenApiTypes.STR, description="Part of the SKU or name."),
    ],
    responses=ProductionPlanRowSerializer(many=True),
)
class ProductionPlanViewSet(mixins.ListModelMixin, TradepostViewSet):
    """Per product: accepted demand plans + category targets + open orders (demand),
    stock on hand + draft receipts (supply; reserved shown, not subtracted), and the
    plan, max(demand − supply, 0).
    Executives, administrators, warehouse, sales and finance managers."""

    http_method_names = ["get", "head", "options"]
    filter_backends: list[Any] = []
    serializer_class = ProductionPlanRowSerializer

    def get_permissions(self):
        return [permissions.IsAuthenticated(), CanView(production.STOCK_VIEW)]

    def list(self, request, *args, **kwargs):
        if not production.may_see_plan(request.user):
            raise PermissionDenied()
        params = request.query_params
        errors: dict[str, list[str]] = {}
        month = production.next_month(timezone.localdate())
        if params.get("month"):
            try:
                month = production.parse_month(params["month"])
            except DjangoValidationError as exc:
                errors["month"] = list(exc.messages)
        category = params.get("category", "")
        if category and not (category.isascii() and category.isdigit() and len(category) < 19):
            errors["category"] = [_("Enter a category's id (a whole number).")]
        if errors:
            raise ValidationError(errors)
        plan = production.production_plan(
            month=month,
            actor=request.user,
            category_id=int(category) if category else None,
            search=params.get("q", "")[:100],
        )
        page = self.paginate_queryset(plan.rows) or []
        response = self.get_paginated_response(self.get_serializer(page, many=True).data)
        response.data["month"] = f"{month:%Y-%m}"
        field = QuantityField(read_only=True, min_value=None)
        response.data["totals"] = {
            name: field.to_representation(value) for name, value in plan.totals.items()
        }
        return response


ROUTES = [
    ("targets", TargetViewSet, "target"),
    ("production-plan", ProductionPlanViewSet, "production-plan"),
]
