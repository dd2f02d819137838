"""`/api/v1/opportunities/` (with `move/` and `forecast/`) and
`/api/v1/stage-probabilities/`.

Opportunities are read in the caller's scope (`pipeline.selectors.opportunities_visible_to`,
the customer scope); each carries its stage's `probability` and its `weighted_amount`.
Every write is a service of `pipeline.services`, the same the browser calls: it checks the
permission (403), the scope (404 or a `customer` error) and the rules (400 with the
field in `errors`).
"""

from __future__ import annotations

from typing import Any

from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_view,
)
from rest_framework import permissions, serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from api.fields import MoneyField
from api.lifecycle import AllowedActionsField
from api.serializers import ReadSerializer, StrictSerializer, StringField
from api.views import CanView, ServiceViewSet, TradepostViewSet
from tradepost.customers.scoped_fields import ScopedChoiceField, VisibleCustomerField
from tradepost.masterdata.models import Currency
from tradepost.pipeline import selectors, services
from tradepost.pipeline.filters import OpportunityFilter
from tradepost.pipeline.models import OPEN_STAGES, Opportunity, Stage

WEIGHTED: dict[str, Any] = {"max_digits": 16, "decimal_places": 2}


# --- Opportunities: reading ----------------------------------------------------------
class OpportunitySerializer(ReadSerializer):
    allowed_actions = AllowedActionsField(services.LIFECYCLE)
    customer_name = serializers.CharField(source="customer.name", read_only=True)
    owner_name = serializers.SerializerMethodField()
    probability = serializers.IntegerField(
        read_only=True, help_text="Win probability (%) of the stage, as the workspace set it."
    )
    weighted_amount = serializers.DecimalField(
        read_only=True,
        help_text="amount × probability / 100, rounded half up to the cent.",
        **WEIGHTED,
    )

    class Meta:
        model = Opportunity
        fields = [
            "id",
            "name",
            "customer",
            "customer_name",
            "owner",
            "owner_name",
            "stage",
            "allowed_actions",
            "probability",
            "amount",
            "currency",
            "weighted_amount",
            "expected_close",
            "next_step",
            "close_reason",
            "closed_at",
            "follow_up_on",
            "notes",
            "created_at",
            "updated_at",
        ]
        extra_kwargs = {
            "close_reason": {"help_text": "Why it was won or lost; empty while open."},
            "closed_at": {"help_text": "When it was won or lost; null while open."},
            "follow_up_on": {"help_text": "After a win: when to check back with the customer."},
        }

    def get_owner_name(self, opportunity) -> str:
        return opportunity.owner.get_full_name() if opportunity.owner_id else ""


# --- Opportunities: writing ----------------------------------------------------------
class OpportunityCreateSerializer(StrictSerializer):
    customer = VisibleCustomerField()
    name = StringField(max_length=200)
    amount = MoneyField(help_text="Expected value, at most 2 decimals.")
    currency = serializers.ChoiceField(
        choices=Currency.choices, required=False, help_text="Default: the customer's currency."
    )
    expected_close = serializers.DateField(required=False, allow_null=True)
    owner = ScopedChoiceField(
        "user",
        required=False,
        allow_null=True,
        help_text="User id: yourself or someone in your team. Default: the customer's "
        "salesperson, else the caller.",
    )
    stage = serializers.ChoiceField(
        choices=[(str(stage), stage.label) for stage in OPEN_STAGES],
        required=False,
        help_text="An open stage (default prospect); move it to won or lost afterwards.",
    )
    next_step = StringField(required=False, allow_blank=True, max_length=300)
    notes = StringField(required=False, allow_blank=True, max_length=5000)


class OpportunityUpdateSerializer(StrictSerializer):
    name = StringField(required=False, max_length=200)
    amount = MoneyField(required=False)
    currency = serializers.ChoiceField(choices=Currency.choices, required=False)
    expected_close = serializers.DateField(required=False, allow_null=True)
    owner = ScopedChoiceField(
        "user",
        required=False,
        allow_null=True,
        help_text="User id: yourself or someone in your team (the current owner stays accepted).",
    )
    next_step = StringField(required=False, allow_blank=True, max_length=300)
    notes = StringField(required=False, allow_blank=True, max_length=5000)
    follow_up_on = serializers.DateField(
        required=False, allow_null=True, help_text="Only for won opportunities."
    )


class MoveSerializer(StrictSerializer):
    stage = serializers.ChoiceField(choices=Stage.choices)
    reason = StringField(
        required=False,
        allow_blank=True,
        max_length=300,
        help_text="Required to move to won or lost.",
    )
    follow_up_on = serializers.DateField(
        required=False,
        allow_null=True,
        help_text="For a win: when to check back (default 30 days after the win).",
    )


class ForecastQuerySerializer(StrictSerializer):
    months = serializers.IntegerField(
        required=False, min_value=1, max_value=services.MAX_FORECAST_MONTHS
    )
    start = serializers.DateField(required=False)
    mine = serializers.BooleanField(required=False)


class ForecastLineSerializer(serializers.Serializer):
    owner = serializers.IntegerField(
        source="owner_id", allow_null=True, help_text="User id; null for unassigned or totals."
    )
    owner_name = serializers.CharField()
    months = serializers.DictField(
        child=serializers.DecimalField(**WEIGHTED),
        help_text='Weighted amount per month of expected close, keyed "YYYY-MM".',
    )
    overdue = serializers.DecimalField(
        help_text="Expected to close before the first month.", **WEIGHTED
    )
    later = serializers.DecimalField(
        help_text="Expected to close after the last month.", **WEIGHTED
    )
    no_date = serializers.DecimalField(help_text="Without an expected close.", **WEIGHTED)
    total = serializers.DecimalField(help_text="All weighted amounts of the line.", **WEIGHTED)
    amount = serializers.DecimalField(help_text="Unweighted sum.", **WEIGHTED)
    count = serializers.IntegerField(help_text="Open opportunities counted.")


class CurrencyForecastSerializer(serializers.Serializer):
    currency = serializers.CharField()
    lines = ForecastLineSerializer(many=True, help_text="One per owner.")
    totals = ForecastLineSerializer()


class ForecastSerializer(serializers.Serializer):
    start = serializers.DateField(help_text="First day of the first month.")
    months = serializers.ListField(child=serializers.CharField(), help_text='"YYYY-MM" each.')
    currencies = CurrencyForecastSerializer(
        many=True, help_text="One per currency: amounts in different currencies never add."
    )


def _line_data(line: services.ForecastLine) -> dict:
    return {
        "owner_id": line.owner_id,
        "owner_name": line.owner_name,
        "months": {f"{month:%Y-%m}": value for month, value in line.by_month.items()},
        "overdue": line.overdue,
        "later": line.later,
        "no_date": line.no_date,
        "total": line.total,
        "amount": line.amount,
        "count": line.count,
    }


def forecast_data(result: services.Forecast) -> dict:
    return {
        "start": result.start,
        "months": [f"{month:%Y-%m}" for month in result.months],
        "currencies": [
            {
                "currency": item.currency,
                "lines": [_line_data(line) for line in item.lines],
                "totals": _line_data(item.totals),
            }
            for item in result.currencies
        ],
    }


@extend_schema_view(
    create=extend_schema(
        request=OpportunityCreateSerializer,
        responses={status.HTTP_201_CREATED: OpportunitySerializer},
        summary="Open an opportunity",
        description="For a customer in the caller's scope, in an open stage.",
    ),
    partial_update=extend_schema(
        request=OpportunityUpdateSerializer,
        responses=OpportunitySerializer,
        summary="Change an opportunity",
        description="Everything but the customer and the stage (use `move/`).",
    ),
)
class OpportunityViewSet(ServiceViewSet):
    """Opportunities in the caller's scope, most recently changed first."""

    serializer_class = OpportunitySerializer
    create_serializer_class = OpportunityCreateSerializer
    update_serializer_class = OpportunityUpdateSerializer
    filterset_class = OpportunityFilter
    search_fields = ["name"]
    ordering_fields = [
        "updated_at",
        "created_at",
        "expected_close",
        "amount",
        "weighted_amount",
        "name",
    ]
    ordering = ["-updated_at", "-id"]

    def get_permissions(self):
        if self.action in ("move", "forecast"):
            return [permissions.IsAuthenticated(), CanView("pipeline.view_opportunity")]
        return super().get_permissions()

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            # Schema generation only needs the model: `with_weight` reads the workspace's
            # stage probabilities, and there is no workspace (or database) then.
            return Opportunity.objects.none()
        return services.with_weight(
            selectors.opportunities_visible_to(self.request.user).select_related(
                "customer", "owner"
            )
        ).order_by("-updated_at", "-pk")

    def service_create(self, data):
        return services.opportunity_create(actor=self.request.user, **data)

    def service_update(self, instance, data):
        return services.opportunity_update(actor=self.request.user, opportunity=instance, **data)

    @extend_schema(
        request=MoveSerializer,
        responses=OpportunitySerializer,
        summary="Move to another stage",
        description="Won and lost need a `reason` and stamp `closed_at`; moving a closed "
        "opportunity to an open stage reopens it. A win sets `follow_up_on` (default: 30 "
        "days later). Moving to its current stage changes nothing.",
    )
    @action(detail=True, methods=["post"])
    def move(self, request, pk=None):
        body = MoveSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        moved = services.opportunity_move(
            actor=request.user, opportunity=self.get_object(), **body.validated_data
        )
        return self._read(moved)

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "months",
                OpenApiTypes.INT,
                description=f"Months in the window, 1–{services.MAX_FORECAST_MONTHS} (default 6).",
            ),
            OpenApiParameter(
                "start",
                OpenApiTypes.DATE,
                description="Any day of the first month (default: this month).",
            ),
            OpenApiParameter(
                "mine", OpenApiTypes.BOOL, description="Only the caller's own opportunities."
            ),
        ],
        responses=ForecastSerializer,
        summary="Weighted forecast of open opportunities",
        description="Open opportunities in the caller's scope, each weighted by its stage's "
        "probability (rounded to the cent), summed by month of expected close and by "
        "owner, per currency.",
    )
    @action(detail=False, methods=["get"], filter_backends=[], pagination_class=None)
    def forecast(self, request):
        query = ForecastQuerySerializer(
            data={
                key: request.query_params[key]
                for key in ("months", "start", "mine")
                if key in request.query_params
            }
        )
        query.is_valid(raise_exception=True)
        result = services.forecast(
            actor=request.user,
            months=query.validated_data.get("months", 6),
            start=query.validated_data.get("start"),
            mine=query.validated_data.get("mine", False),
        )
        return Response(ForecastSerializer(forecast_data(result)).data)


# --- Stage probabilities -------------------------------------------------------------
class StageProbabilitySerializer(serializers.Serializer):
    stage = serializers.ChoiceField(choices=Stage.choices, read_only=True)
    label = serializers.CharField(read_only=True)  # type: ignore[assignment]  # lazy text
    probability = serializers.IntegerField(read_only=True, help_text="Win probability (%).")
    is_default = serializers.BooleanField(read_only=True, help_text="Not set by the workspace.")
    configurable = serializers.BooleanField(
        read_only=True, help_text="False for won (always 100) and lost (always 0)."
    )


class ProbabilityInputSerializer(StrictSerializer):
    probability = serializers.IntegerField(min_value=0, max_value=100)


class StageProbabilityPermissions(permissions.BasePermission):
    """Reading: whoever sees opportunities or the settings; changing: sales managers
    (`change_stageprobability`)."""

    def has_permission(self, request, view):
        user = request.user
        if not (user and user.is_authenticated):
            return False
        if request.method in permissions.SAFE_METHODS:
            return user.has_perm("pipeline.view_opportunity") or user.has_perm(
                "pipeline.view_stageprobability"
            )
        return user.has_perm("pipeline.change_stageprobability")


def _stage_rows() -> list[dict]:
    return [vars(setting) for setting in services.stage_settings()]


STAGE_PATH = OpenApiParameter(
    "stage",
    str,
    OpenApiParameter.PATH,
    enum=[str(stage) for stage in Stage],
    description="The stage's code.",
)


@extend_schema_view(
    list=extend_schema(summary="Win probability per stage"),
    retrieve=extend_schema(parameters=[STAGE_PATH], summary="One stage's win probability"),
    partial_update=extend_schema(
        parameters=[STAGE_PATH],
        request=ProbabilityInputSerializer,
        responses=StageProbabilitySerializer,
        summary="Set an open stage's win probability (0–100)",
        description="Sales managers. Won is always 100 and lost 0. Forecasts and weighted "
        "amounts use the new value at once.",
    ),
)
class StageProbabilityViewSet(TradepostViewSet):
    """The stages in pipeline order with the workspace's win probabilities."""

    serializer_class = StageProbabilitySerializer
    permission_classes = [StageProbabilityPermissions]
    pagination_class = None
    filter_backends: list = []
    lookup_field = "stage"
    lookup_value_regex = "[^/]+"
    http_method_names = ["get", "patch", "head", "options"]

    def get_queryset(self):
        return Opportunity.objects.none()  # not a model list; for the schema only

    def _row(self, stage: str) -> dict:
        for row in _stage_rows():
            if row["stage"] == stage:
                return row
        raise Http404

    def list(self, request):
        return Response(StageProbabilitySerializer(_stage_rows(), many=True).data)

    def retrieve(self, request, stage=None):
        return Response(StageProbabilitySerializer(self._row(stage)).data)

    def partial_update(self, request, stage=None):
        self._row(stage)
        body = ProbabilityInputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        services.stage_probability_set(
            actor=request.user, stage=stage, probability=body.validated_data["probability"]
        )
        return Response(StageProbabilitySerializer(self._row(stage)).data)


ROUTES = [
    ("opportunities", OpportunityViewSet, "opportunity"),
    ("stage-probabilities", StageProbabilityViewSet, "stage-probability"),
]
