"""`/api/v1/demand-plans/`: dealers' monthly demand plans, their review and the
month's aggregate.

Reads go through the customer scope (`channel.selectors`): a dealer's key or user sees
only its own plans, an id outside the scope is a 404. Every write is a service of
`channel.plans` — the same the browser calls — which checks the step's permission
(403) and the plan's status (400 with `status` in `errors`).
"""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Prefetch
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import permissions, serializers, status
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from api.fields import QuantityField
from api.lifecycle import AllowedActionsField
from api.serializers import ReadSerializer, StrictSerializer, StringField
from api.views import CanView, ServiceViewSet
from tradepost.channel import plans as plan_services
from tradepost.channel import selectors
from tradepost.channel.filters import MONTH_HELP, DemandPlanFilter
from tradepost.channel.models import DemandPlan, DemandPlanLine
from tradepost.channel.months import month_parse
from tradepost.customers.scoped_fields import VisibleCustomerField
from tradepost.masterdata.forms import active_products


def _month(value, field: str = "month"):
    try:
        return month_parse(value, field=field)
    except DjangoValidationError as exc:
        raise ValidationError(exc.message_dict) from None


@extend_schema_field(OpenApiTypes.STR)
class MonthField(serializers.Field):
    """A month: "2026-12" in, "2026-12" out (stored as its first day)."""

    default_error_messages = {"invalid": MONTH_HELP}

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        try:
            return month_parse(data)
        except DjangoValidationError:
            self.fail("invalid")

    def to_representation(self, value):
        return f"{value:%Y-%m}"


# --- Demand plans --------------------------------------------------------------------
class DemandPlanLineSerializer(ReadSerializer):
    product_sku = serializers.CharField(source="product.sku", read_only=True)
    product_name = serializers.CharField(source="product.name", read_only=True)
    unit = serializers.CharField(source="product.unit", read_only=True)

    class Meta:
        model = DemandPlanLine
        fields = ["id", "product", "product_sku", "product_name", "unit", "quantity"]


class DemandPlanSerializer(ReadSerializer):
    allowed_actions = AllowedActionsField(plan_services.LIFECYCLE)
    allowed_actions = AllowedActionsField(plan_services.LIFECYCLE)
    month = MonthField(read_only=True)
    dealer_name = serializers.CharField(source="dealer.name", read_only=True)
    lines = DemandPlanLineSerializer(many=True, read_only=True)

    class Meta:
        model = DemandPlan
        fields = [
            "id",
            "dealer",
            "dealer_name",
            "month",
            "status",
            "allowed_actions",
            "allowed_actions",
            "notes",
            "review_comment",
            "submitted_at",
            "reviewed_by",
            "reviewed_at",
            "created_by",
            "created_at",
            "updated_at",
            "lines",
        ]
        extra_kwargs = {"review_comment": {"help_text": "Why it was returned, or a note."}}


class PlanLineInputSerializer(StrictSerializer):
    product = serializers.PrimaryKeyRelatedField(queryset=active_products())
    quantity = QuantityField(help_text="More than zero; up to 3 decimal places.")


class DemandPlanUpdateSerializer(StrictSerializer):
    lines = PlanLineInputSerializer(  # type: ignore[call-arg]
        many=True,
        allow_empty=False,
        max_length=200,
        required=False,
        help_text="Every product of the plan, each once; replaces the lines.",
    )
    notes = StringField(required=False, allow_blank=True, max_length=2000)


class DemandPlanCreateSerializer(DemandPlanUpdateSerializer):
    dealer = VisibleCustomerField(help_text="A dealer or franchisee in the caller's scope.")
    month = MonthField(help_text=MONTH_HELP + " This month or later.")
    lines = PlanLineInputSerializer(  # type: ignore[call-arg]
        many=True,
        allow_empty=False,
        max_length=200,
        help_text="Every product of the plan, each once.",
    )


class PlanCommentSerializer(StrictSerializer):
    comment = StringField(
        required=False, allow_blank=True, max_length=2000, help_text="Required to return."
    )


class AggregateRowSerializer(serializers.Serializer):
    product = serializers.IntegerField(source="product.pk")
    product_sku = serializers.CharField(source="product.sku")
    product_name = serializers.CharField(source="product.name")
    unit = serializers.CharField(source="product.unit")
    planned = QuantityField(
        min_value=None, help_text="Σ quantity over the month's submitted and accepted plans."
    )
    dealers = serializers.IntegerField(help_text="Dealers whose plan has the product.")
    ordered = QuantityField(
        min_value=None,
        help_text="Σ quantity on those dealers' orders dated in the month, cancelled "
        "orders left out.",
    )
    difference = QuantityField(min_value=None, help_text="ordered − planned.")


class DemandAggregateSerializer(serializers.Serializer):
    month = MonthField()
    plans = serializers.IntegerField(help_text="Submitted and accepted plans counted.")
    dealers = serializers.IntegerField()
    rows = AggregateRowSerializer(many=True)


@extend_schema_view(
    create=extend_schema(
        request=DemandPlanCreateSerializer,
        responses={status.HTTP_201_CREATED: DemandPlanSerializer, 200: DemandPlanSerializer},
        summary="Save a dealer's plan for a month",
        description="Creates the dealer's plan for the month (201), or replaces the lines "
        "and notes of the one it has while that is a draft or returned (200). Dealers and "
        "franchisees only; this month or up to 12 months ahead.",
    ),
    partial_update=extend_schema(
        request=DemandPlanUpdateSerializer,
        responses=DemandPlanSerializer,
        summary="Change a draft or returned plan",
    ),
)
class DemandPlanViewSet(ServiceViewSet):
    """Dealers' monthly demand plans in the caller's scope, newest month first, with
    their lines. draft → submitted → accepted | returned; returned → (edited) →
    submitted."""

    serializer_class = DemandPlanSerializer
    filterset_class = DemandPlanFilter
    search_fields = ["dealer__name", "dealer__code"]
    ordering_fields = ["month", "updated_at", "created_at"]
    ordering = ["-month", "dealer__name", "id"]

    def get_permissions(self):
        if self.action in ("submit", "accept", "return_", "aggregate"):
            return [permissions.IsAuthenticated(), CanView("channel.view_demandplan")]
        return super().get_permissions()

    def get_queryset(self):
        return (
            selectors.demand_plans_visible_to(self.request.user)
            .select_related("dealer")
            .prefetch_related(
                Prefetch(
                    "lines",
                    queryset=DemandPlanLine.objects.select_related("product").order_by(
                        "product__sku", "pk"
                    ),
                )
            )
            .order_by("-month", "dealer__name", "pk")
        )

    def create(self, request, *args, **kwargs):
        data = self._body(DemandPlanCreateSerializer)
        plan = plan_services.demand_plan_save(
            actor=request.user,
            dealer=data["dealer"],
            month=data["month"],
            lines=data["lines"],
            notes=data.get("notes", ""),
        )
        return self._read(plan, status.HTTP_201_CREATED if plan.created_now else status.HTTP_200_OK)

    def partial_update(self, request, *args, **kwargs):
        plan = self.get_object()
        data = self._body(DemandPlanUpdateSerializer)
        return self._read(plan_services.demand_plan_update(actor=request.user, plan=plan, **data))

    @extend_schema(request=None, responses=DemandPlanSerializer, summary="Submit for review")
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        plan = plan_services.demand_plan_submit(actor=request.user, plan=self.get_object())
        return self._read(plan)

    @extend_schema(
        request=PlanCommentSerializer,
        responses=DemandPlanSerializer,
        summary="Accept a submitted plan",
        description="Needs `review_demandplan` (sales managers).",
    )
    @action(detail=True, methods=["post"])
    def accept(self, request, pk=None):
        data = self._body(PlanCommentSerializer)
        plan = plan_services.demand_plan_accept(
            actor=request.user, plan=self.get_object(), comment=data.get("comment", "")
        )
        return self._read(plan)

    @extend_schema(
        request=PlanCommentSerializer,
        responses=DemandPlanSerializer,
        summary="Return a submitted plan to the dealer (comment required)",
        description="Needs `review_demandplan`. The plan leaves the aggregate until it is "
        "submitted again.",
    )
    @action(detail=True, methods=["post"], url_path="return", url_name="return")
    def return_(self, request, pk=None):
        data = self._body(PlanCommentSerializer)
        plan = plan_services.demand_plan_return(
            actor=request.user, plan=self.get_object(), comment=data.get("comment", "")
        )
        return self._read(plan)

    @extend_schema(
        parameters=[OpenApiParameter("month", str, required=True, description=MONTH_HELP)],
        responses=DemandAggregateSerializer,
        summary="Plans vs. orders per product for a month",
        description="Σ planned quantity per product over the month's submitted and "
        "accepted plans in the caller's scope, the number of dealers planning it, and Σ "
        "the quantity those dealers ordered in the month (orders dated in the month, "
        "cancelled ones left out). Products ordered without a plan show with planned 0.",
    )
    @action(detail=False, methods=["get"], filter_backends=[], pagination_class=None)
    def aggregate(self, request):
        month = request.query_params.get("month")
        if not month:
            raise ValidationError({"month": [MONTH_HELP]})
        result = plan_services.demand_aggregate(request.user, _month(month))
        return Response(DemandAggregateSerializer(result).data)


ROUTES = [
    ("demand-plans", DemandPlanViewSet, "demand-plan"),
]
