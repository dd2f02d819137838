"""`/api/v1/rebate-rules/` and `/api/v1/rebates/`: rebate rules (返利) with their tiers,
and what each customer earned under them per period, with the explanation the rebate's
page shows (every order line counted and the tier arithmetic) and the review steps
`approve/`, `reject/` and `post/`; `rebates/compute/` computes a period
(`settlement.rebates`).

Rules are read by whoever holds `settlement.view_rebaterule` (a rule concerns many
customers: all of them), created with `add_rebaterule` and changed with
`change_rebaterule` — finance. Rebates are read in the customer scope
(`rebates.rebates_visible_to`): an id outside it is a 404. Computing needs
`settlement.add_rebate`, approving and rejecting `review_rebate`, posting `post_rebate`,
which the services check."""

from __future__ import annotations

from typing import Any

from django.db.models import Q
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_view
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from api.fields import MoneyField
from api.lifecycle import AllowedActionsField
from api.serializers import ReadSerializer, StrictSerializer, StringField
from api.views import ServiceViewSet
from tradepost.customers.models import Customer, CustomerGroup
from tradepost.customers.selectors import customer_groups_visible_to, scope_q
from tradepost.masterdata.models import Currency, ProductCategory
from tradepost.masterdata.selectors import products_visible
from tradepost.settlement import rebates
from tradepost.settlement.api.common import (
    CustomerBriefSerializer,
    SettlementStepsViewSet,
    field_caller,
)
from tradepost.settlement.filters import RebateApiFilter, RebateRuleApiFilter
from tradepost.settlement.models import (
    REBATE_THRESHOLD_DIGITS,
    REBATE_THRESHOLD_PLACES,
    Invoice,
    Rebate,
    RebateRule,
    RebateTier,
)
from tradepost.text import MULTI_LINE


# --- Rules -------------------------------------------------------------------------------
class RebateTierSerializer(ReadSerializer):
    class Meta:
        model = RebateTier
        fields = ["threshold", "rate"]
        extra_kwargs = {
            "threshold": {"help_text": "From this basis total on (≥): units or net amount."},
            "rate": {"help_text": "Percent of the net amount, or an amount per unit."},
        }


class RebateRuleSerializer(ReadSerializer):
    tiers = RebateTierSerializer(many=True, read_only=True)

    class Meta:
        model = RebateRule
        fields = [
            "id",
            "name",
            "is_active",
            "customer",
            "customer_group",
            "product",
            "category",
            "period",
            "basis",
            "reward",
            "valid_from",
            "valid_to",
            "currency",
            "notes",
            "tiers",
            "created_by",
            "created_at",
            "updated_at",
        ]
        extra_kwargs = {
            "customer": {"help_text": "One customer; null with no group: every customer."},
            "customer_group": {"help_text": "The group's members; null: see `customer`."},
            "product": {"help_text": "One product; null with no category: every product."},
            "category": {"help_text": "A category, its sub-categories included."},
        }


class TierInputSerializer(StrictSerializer):
    threshold = serializers.DecimalField(
        max_digits=REBATE_THRESHOLD_DIGITS,
        decimal_places=REBATE_THRESHOLD_PLACES,
        min_value=0,
        help_text="From this basis total on (≥); thresholds rise from tier to tier.",
    )
    rate = MoneyField(
        help_text="More than zero: percent of the net amount (at most 100) or an amount "
        "per unit, by the rule's `reward`."
    )


@extend_schema_field(OpenApiTypes.INT)
class _RuleCustomerField(serializers.PrimaryKeyRelatedField):
    """A customer in the caller's scope (the rule's own stays allowed when it changes)."""

    def get_queryset(self):
        in_scope = scope_q(field_caller(self))
        current = self.context.get("current")
        if current is not None and current.customer_id is not None:
            in_scope |= Q(pk=current.customer_id)
        return Customer.objects.filter(in_scope)


@extend_schema_field(OpenApiTypes.INT)
class _RuleGroupField(serializers.PrimaryKeyRelatedField):
    def get_queryset(self):
        groups = customer_groups_visible_to(field_caller(self))
        current = self.context.get("current")
        if current is not None and current.customer_group_id is not None:
            return CustomerGroup.objects.filter(
                Q(pk__in=groups.values("pk")) | Q(pk=current.customer_group_id)
            )
        return groups


@extend_schema_field(OpenApiTypes.INT)
class _RuleProductField(serializers.PrimaryKeyRelatedField):
    def get_queryset(self):
        return products_visible(field_caller(self))


@extend_schema_field(OpenApiTypes.INT)
class _RuleCategoryField(serializers.PrimaryKeyRelatedField):
    def get_queryset(self):
        caller = field_caller(self)
        if caller is None or not caller.has_perm("masterdata.view_productcategory"):
            return ProductCategory.objects.none()
        return ProductCategory.objects.all()


class RebateRuleInputSerializer(StrictSerializer):
    """A rule as `rebates.rebate_rule_create` takes it; PATCH takes any of its fields
    (`tiers` replaces the tiers whole)."""

    name = StringField(max_length=200)
    is_active = serializers.BooleanField(required=False, help_text="Default true.")
    customer = _RuleCustomerField(
        required=False, allow_null=True, help_text="One customer of the caller's scope, or null."
    )
    customer_group = _RuleGroupField(
        required=False, allow_null=True, help_text="A customer group, or null (not both)."
    )
    product = _RuleProductField(required=False, allow_null=True, help_text="One product, or null.")
    category = _RuleCategoryField(
        required=False, allow_null=True, help_text="A product category, or null (not both)."
    )
    period = serializers.ChoiceField(
        choices=RebateRule.Period.choices, required=False, help_text="Default month."
    )
    basis = serializers.ChoiceField(
        choices=RebateRule.Basis.choices, help_text="What the tiers are reached by."
    )
    reward = serializers.ChoiceField(
        choices=RebateRule.Reward.choices, required=False, help_text="Default percent."
    )
    valid_from = serializers.DateField()
    valid_to = serializers.DateField(required=False, allow_null=True, help_text="Null: no end.")
    currency = serializers.ChoiceField(
        choices=Currency.choices,
        required=False,
        allow_null=True,
        help_text="Only orders in it count. Default: the customer's, or the base currency.",
    )
    notes = StringField(required=False, allow_blank=True, max_length=2000, style=MULTI_LINE)
    tiers = TierInputSerializer(  # type: ignore[call-arg]
        many=True,
        max_length=rebates.MAX_TIERS,
        help_text="At least one; thresholds rising.",
    )


def _tiers(data: dict[str, Any]) -> dict[str, Any]:
    if "tiers" in data:
        data = {**data, "tiers": [dict(row) for row in data["tiers"]]}
    return data


@extend_schema_view(
    create=extend_schema(
        request=RebateRuleInputSerializer,
        responses={status.HTTP_201_CREATED: RebateRuleSerializer},
        summary="Add a rebate rule",
        description="Who earns (a customer, a customer group or everyone), on what (a "
        "product, a category or everything), per month, quarter or year, by which basis "
        "and reward, with its tiers. Refused whole, naming the field, when anything is "
        "wrong. Needs `settlement.add_rebaterule`.",
    ),
    partial_update=extend_schema(
        request=RebateRuleInputSerializer,
        responses=RebateRuleSerializer,
        summary="Change a rebate rule",
        description="Any of its fields; `tiers` replaces the tiers whole. Rebates already "
        "approved, posted or rejected keep their figures; those still computed follow "
        "the rule at the next computation. Needs `settlement.change_rebaterule`.",
    ),
)
class RebateRuleViewSet(ServiceViewSet):
    """Every rebate rule with its tiers, by name."""

    serializer_class = RebateRuleSerializer
    create_serializer_class = RebateRuleInputSerializer
    update_serializer_class = RebateRuleInputSerializer
    filterset_class = RebateRuleApiFilter
    search_fields = [
        "name",
        "customer__name",
        "customer_group__name",
        "product__sku",
        "category__name",
    ]
    ordering_fields = ["name", "valid_from", "created_at", "updated_at"]
    ordering = ["name", "pk"]

    def get_queryset(self):
        return rebates.rebate_rules().order_by("name", "pk")

    def service_create(self, data: dict[str, Any]) -> RebateRule:
        return rebates.rebate_rule_create(actor=self.request.user, **_tiers(data))

    def service_update(self, instance: RebateRule, data: dict[str, Any]) -> RebateRule:
        return rebates.rebate_rule_update(actor=self.request.user, rule=instance, **_tiers(data))


# --- Rebates -----------------------------------------------------------------------------
class RebateRuleBriefSerializer(ReadSerializer):
    class Meta:
        model = RebateRule
        fields = ["id", "name", "period", "basis", "reward"]


class CreditNoteBriefSerializer(ReadSerializer):
    class Meta:
        model = Invoice
        fields = ["id", "number", "status"]


class RebateSerializer(ReadSerializer):
    allowed_actions = AllowedActionsField(rebates.LIFECYCLE)
    rule = RebateRuleBriefSerializer(read_only=True)
    customer = CustomerBriefSerializer(read_only=True)
    credit_note = CreditNoteBriefSerializer(
        read_only=True, allow_null=True, help_text="Once posted: the issued credit note."
    )
    period_label = serializers.SerializerMethodField(help_text='"2026-11", "2026-Q4" or "2026".')

    class Meta:
        model = Rebate
        fields = [
            "id",
            "rule",
            "customer",
            "period_start",
            "period_end",
            "period_label",
            "status",
            "allowed_actions",
            "currency",
            "quantity",
            "net_amount",
            "basis_total",
            "threshold",
            "rate",
            "amount",
            "computed_at",
            "reviewed_by",
            "reviewed_at",
            "reject_reason",
            "credit_note",
            "posted_at",
            "updated_at",
        ]

    def get_period_label(self, rebate: Rebate) -> str:
        return rebates.period_label(rebate.rule.period, rebate.period_start)


class ExplainedLineSerializer(serializers.Serializer):
    order = serializers.CharField(help_text="The order's number.")
    order_id = serializers.IntegerField(
        allow_null=True, help_text="The order's id, when the caller may open it."
    )
    order_date = serializers.DateField()
    sku = serializers.CharField(allow_null=True)
    quantity = serializers.CharField(help_text="Ordered, exact.")
    returned = serializers.CharField(help_text="Came back, exact.")
    counted_quantity = serializers.CharField()
    net_amount = serializers.CharField(help_text="The line's net amount.")
    counted_net_amount = serializers.CharField(help_text="Pro rata to what was kept, exact.")


class ExplainedPeriodSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=RebateRule.Period.choices)
    # a field named like a DRF attribute
    label = serializers.CharField()  # type: ignore[assignment]
    start = serializers.DateField()
    end = serializers.DateField()


class ExplainedTierSerializer(serializers.Serializer):
    threshold = serializers.CharField()
    rate = serializers.CharField()


class ExplainedRuleSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class ExplanationSerializer(serializers.Serializer):
    """How the amount was reached, figures as exact decimal text."""

    rule = ExplainedRuleSerializer()
    period = ExplainedPeriodSerializer()
    counted_from = serializers.DateField()
    counted_to = serializers.DateField()
    currency = serializers.CharField()
    basis = serializers.ChoiceField(choices=RebateRule.Basis.choices)
    reward = serializers.ChoiceField(choices=RebateRule.Reward.choices)
    lines = ExplainedLineSerializer(many=True, help_text="Every order line counted.")
    total_quantity = serializers.CharField()
    total_net_amount = serializers.CharField()
    basis_total = serializers.CharField()
    tiers = ExplainedTierSerializer(many=True)
    tier = ExplainedTierSerializer(help_text="The tier reached.")
    arithmetic = serializers.CharField(help_text='e.g. "1393 × 2 % = 27.86 → 27.86".')


@extend_schema_field(ExplanationSerializer)
class ExplanationField(serializers.Field):
    """The rebate's explanation as computed, each line with the order's id when the
    caller may open the order."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(source="*", read_only=True, **kwargs)

    def to_representation(self, value: Rebate) -> dict[str, Any]:
        explained = dict(value.explanation or {})
        lines = [dict(line) for line in explained.get("lines", [])]
        orders = rebates.counted_order_ids(field_caller(self), lines)
        for line in lines:
            line["order_id"] = orders.get(str(line.get("order", "")))
        explained["lines"] = lines
        return explained


class RebateDetailSerializer(RebateSerializer):
    explanation = ExplanationField()

    class Meta(RebateSerializer.Meta):
        fields = [*RebateSerializer.Meta.fields, "explanation"]


class RebateComputeSerializer(StrictSerializer):
    period_end = serializers.DateField(
        help_text="The last day of a month that has ended: monthly rules compute that "
        "month, quarterly and yearly ones when their period ends with it."
    )
    rule = serializers.PrimaryKeyRelatedField(
        queryset=RebateRule.objects.all(),
        required=False,
        help_text="Only this rule (active; `period_end` must end one of its periods).",
    )


class RebateComputeResultSerializer(serializers.Serializer):
    period_end = serializers.DateField()
    created = serializers.IntegerField(help_text="Rebates earned for the first time.")
    updated = serializers.IntegerField(help_text="Still computed, figures brought up to date.")
    unchanged = serializers.IntegerField(help_text="Still computed, same figures.")
    withdrawn = serializers.IntegerField(help_text="Still computed, no longer earned: removed.")
    reviewed = serializers.IntegerField(
        help_text="Approved, posted or rejected already: left as they are."
    )


_REJECT_WHY = gettext_lazy("Say why the rebate is rejected.")


class RebateRejectSerializer(StrictSerializer):
    reason = StringField(
        max_length=300,
        help_text="Why; required.",
        error_messages={"required": _REJECT_WHY, "blank": _REJECT_WHY},
    )


@extend_schema_view(
    list=extend_schema(responses=RebateSerializer(many=True)),
    retrieve=extend_schema(responses=RebateDetailSerializer),
)
class RebateViewSet(SettlementStepsViewSet):
    """Rebates of the customers in the caller's scope, latest period first (then by
    rule and customer); read one for its explanation."""

    serializer_class = RebateDetailSerializer
    filterset_class = RebateApiFilter
    view_permission = "settlement.view_rebate"
    search_fields = ["customer__name", "customer__code", "rule__name"]
    ordering_fields = ["period_start", "amount", "status", "updated_at"]
    ordering = ["-period_start", "rule__name", "customer__name", "pk"]

    def get_serializer_class(self):
        if self.action == "list":
            return RebateSerializer
        if self.action == "compute":
            return RebateComputeResultSerializer
        return RebateDetailSerializer

    def get_queryset(self):
        rows = rebates.rebate_detail(self.request.user)
        if self.action == "list":
            rows = rows.defer("explanation")
        return rows.order_by("-period_start", "rule__name", "customer__name", "pk")

    @extend_schema(
        request=RebateComputeSerializer,
        responses=RebateComputeResultSerializer,
        summary="Compute a period's rebates",
        description="The same computation as the rebates page's button: every active "
        "rule (or `rule`) whose period ends on `period_end`. Safe to repeat: from the "
        "same orders it gives the same rows; rows still computed are brought up to date "
        "or withdrawn, reviewed ones are left alone. Needs `settlement.add_rebate`.",
    )
    @action(detail=False, methods=["post"], filter_backends=[], pagination_class=None)
    def compute(self, request):
        data = self._body(RebateComputeSerializer)
        period_end = data["period_end"]
        result = rebates.rebates_compute(
            actor=request.user, period_end=period_end, rule=data.get("rule")
        )
        body = {
            "period_end": period_end.isoformat(),
            "created": result.created,
            "updated": result.updated,
            "unchanged": result.unchanged,
            "withdrawn": result.withdrawn,
            "reviewed": result.reviewed,
        }
        return Response(body)

    @extend_schema(
        request=None,
        responses=RebateDetailSerializer,
        summary="Approve",
        description="computed → approved: computing the period again leaves it as it "
        "is. Needs `settlement.review_rebate`.",
    )
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        rebate = self.get_object()
        return self._read(rebates.rebate_approve(actor=request.user, rebate=rebate))

    @extend_schema(
        request=RebateRejectSerializer,
        responses=RebateDetailSerializer,
        summary="Reject",
        description="computed or approved → rejected, with a `reason` (required). Needs "
        "`settlement.review_rebate`.",
    )
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        rebate = self.get_object()
        data = self._body(RebateRejectSerializer)
        return self._read(
            rebates.rebate_reject(actor=request.user, rebate=rebate, reason=data["reason"])
        )

    @extend_schema(
        request=None,
        responses=RebateDetailSerializer,
        summary="Post as a credit note",
        description="approved → posted: issues a credit note of the rebate's amount "
        "(`credit_note` in the answer: its id and number), posted to the customer's "
        "account, settling the oldest open invoices; the rest stays on account. Exactly "
        "once: posting again is a 400. Needs `settlement.post_rebate`.",
    )
    @action(detail=True, methods=["post"], url_path="post", url_name="post")
    def post_credit_note(self, request, pk=None):
        rebate = self.get_object()
        return self._read(rebates.rebate_post(actor=request.user, rebate=rebate))


ROUTES = [
    ("rebate-rules", RebateRuleViewSet, "rebate-rule"),
    ("rebates", RebateViewSet, "rebate"),
]
