"""`/api/v1/promotions/` — the company's promotions — and `/api/v1/promotions/preview/`,
which says which promotion a line would get and how much it would take off.

Promotions are company-wide rules, so every caller holding `pricing.view_promotion`
reads all of them; writes need `pricing.add_promotion` / `pricing.change_promotion` and go
through `pricing.promotions`, the same services as the browser, which check each kind's
fields (400 naming the field) and record an audit entry.
"""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_view,
)
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from api.fields import MoneyField, PercentField, QuantityField
from api.serializers import ReadSerializer, StrictSerializer, StringField
from api.views import ServiceViewSet
from tradepost.customers.models import Channel
from tradepost.customers.scoped_fields import VisibleCustomerField
from tradepost.masterdata.models import Currency, Product
from tradepost.pricing import promotions as services
from tradepost.pricing.filters import PromotionFilter
from tradepost.pricing.models import Promotion

MAX_ID = 2**63 - 1


class TierSerializer(serializers.Serializer):
    min_quantity = QuantityField(help_text="From this quantity on (more than zero).")
    unit_price = MoneyField(help_text="Tax-exclusive unit price in the promotion's currency.")


# --- Reading -------------------------------------------------------------------------
class PromotionSerializer(ReadSerializer):
    tiers = TierSerializer(many=True, read_only=True)
    channels = serializers.ListField(child=serializers.ChoiceField(choices=Channel.choices))
    summary = serializers.SerializerMethodField()

    class Meta:
        model = Promotion
        fields = [
            "id",
            "name",
            "kind",
            "percent",
            "amount",
            "buy_quantity",
            "free_quantity",
            "tiers",
            "currency",
            "starts_on",
            "ends_on",
            "products",
            "categories",
            "customer_groups",
            "channels",
            "priority",
            "is_active",
            "summary",
            "created_at",
            "updated_at",
        ]
        extra_kwargs = {
            "percent": {"help_text": "percent_off only."},
            "amount": {"help_text": "amount_off only: off each unit, in `currency`."},
            "buy_quantity": {"help_text": "buy_x_get_y only: X."},
            "free_quantity": {"help_text": "buy_x_get_y only: Y free with every X."},
            "currency": {"help_text": "amount_off and tiered_price: orders in this currency."},
            "starts_on": {"help_text": "Inclusive."},
            "ends_on": {"help_text": "Inclusive."},
            "products": {"help_text": "Empty with `categories` empty: every product."},
            "categories": {"help_text": "Products anywhere below these categories."},
            "customer_groups": {"help_text": "Empty: every group."},
            "channels": {"help_text": "Empty: every channel."},
        }

    def get_summary(self, promotion) -> str:
        """The rule in words."""
        return services.promotion_summary(promotion)


# --- Writing -------------------------------------------------------------------------
def _ids(help_text: str) -> serializers.ListField:
    return serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=MAX_ID),
        max_length=services.MAX_LINKS,
        required=False,
        help_text=help_text,
    )


class PromotionWriteSerializer(StrictSerializer):
    """Types only; what each kind needs is the service's to say (400 naming the field)."""

    name = StringField(max_length=services.MAX_NAME)
    kind = serializers.ChoiceField(choices=Promotion.Kind.choices)
    percent = PercentField(
        min_value=None,
        max_value=None,
        required=False,
        allow_null=True,
        help_text="percent_off: more than 0, at most 100.",
    )
    amount = MoneyField(
        min_value=None, required=False, allow_null=True, help_text="amount_off: off each unit."
    )
    buy_quantity = serializers.IntegerField(
        required=False, allow_null=True, min_value=1, max_value=services.MAX_UNITS
    )
    free_quantity = serializers.IntegerField(
        required=False, allow_null=True, min_value=1, max_value=services.MAX_UNITS
    )
    tiers = TierSerializer(  # type: ignore[call-arg]
        many=True,
        required=False,
        max_length=services.MAX_TIERS,
        help_text="tiered_price: 1–20 tiers, each minimum quantity once.",
    )
    currency = serializers.ChoiceField(
        choices=Currency.choices,
        required=False,
        allow_blank=True,
        help_text="amount_off and tiered_price: required.",
    )
    starts_on = serializers.DateField()
    ends_on = serializers.DateField(help_text="On or after `starts_on`.")
    products = _ids("Product ids; replaces the list.")
    categories = _ids("Product category ids; replaces the list.")
    customer_groups = _ids("Customer group ids; replaces the list.")
    channels = serializers.ListField(
        child=serializers.ChoiceField(choices=Channel.choices),
        max_length=len(Channel.values),
        required=False,
    )
    priority = serializers.IntegerField(
        required=False,
        min_value=0,
        max_value=services.MAX_PRIORITY,
        help_text="On equal discounts the higher priority wins.",
    )
    is_active = serializers.BooleanField(required=False)


class PreviewQuerySerializer(StrictSerializer):
    customer = VisibleCustomerField()
    product = serializers.PrimaryKeyRelatedField(queryset=Product.objects.all())
    quantity = QuantityField()
    date = serializers.DateField(required=False)
    currency = serializers.ChoiceField(choices=Currency.choices, required=False)
    unit_price = MoneyField(required=False)


class PreviewOptionSerializer(serializers.Serializer):
    promotion = serializers.IntegerField()
    name = serializers.CharField()
    priority = serializers.IntegerField()
    discount = MoneyField(min_value=None)
    chosen = serializers.BooleanField(help_text="The one the line gets.")


class PreviewSerializer(serializers.Serializer):
    customer = serializers.IntegerField()
    product = serializers.IntegerField()
    quantity = QuantityField(min_value=None)
    date = serializers.DateField()
    currency = serializers.CharField()
    unit_price = MoneyField(min_value=None, help_text="Tax-exclusive.")
    price_source = serializers.CharField(
        help_text="customer list, group list, list price, or manual (given)."
    )
    subtotal = MoneyField(min_value=None)
    promotion = serializers.IntegerField(
        allow_null=True, help_text="The promotion the line gets; null: none."
    )
    promotion_name = serializers.CharField(allow_blank=True)
    discount = MoneyField(min_value=None, help_text="What the promotion takes off.")
    options = PreviewOptionSerializer(
        many=True, help_text="Every promotion that applies, with what it alone would give."
    )


def _preview_body(preview: services.PromotionPreview) -> dict:
    return {
        "customer": preview.customer.pk,
        "product": preview.product.pk,
        "quantity": preview.quantity,
        "date": preview.on_date,
        "currency": preview.currency,
        "unit_price": preview.unit_price,
        "price_source": preview.price_source,
        "subtotal": preview.subtotal,
        "promotion": preview.promotion.id if preview.promotion else None,
        "promotion_name": preview.promotion.name if preview.promotion else "",
        "discount": preview.discount,
        "options": [
            {
                "promotion": option.rule.id,
                "name": option.rule.name,
                "priority": option.rule.priority,
                "discount": option.discount,
                "chosen": option.chosen,
            }
            for option in preview.options
        ],
    }


# --- Views ---------------------------------------------------------------------------
@extend_schema_view(
    list=extend_schema(summary="Promotions", description="Every promotion, newest start first."),
    create=extend_schema(
        request=PromotionWriteSerializer,
        responses={status.HTTP_201_CREATED: PromotionSerializer},
        summary="Create a promotion",
        description="percent_off needs `percent`; amount_off `amount` and `currency`; "
        "buy_x_get_y `buy_quantity` and `free_quantity`; tiered_price `tiers` and "
        "`currency`. Fields of other kinds are cleared. Needs `pricing.add_promotion`.",
    ),
    partial_update=extend_schema(
        request=PromotionWriteSerializer,
        responses=PromotionSerializer,
        summary="Change a promotion",
        description="The promotion is checked whole after the change; a new `kind` needs "
        "its own fields. `is_active: false` stops it for documents priced from now on.",
    ),
)
class PromotionViewSet(ServiceViewSet):
    """Date-bounded price rules. A line gets at most one promotion: the one with the
    largest discount; on equal discounts the higher priority, then the older one."""

    serializer_class = PromotionSerializer
    create_serializer_class = PromotionWriteSerializer
    update_serializer_class = PromotionWriteSerializer
    filterset_class = PromotionFilter
    search_fields = ["name"]
    ordering_fields = ["starts_on", "ends_on", "name", "priority", "created_at", "updated_at"]
    ordering = ["-starts_on", "name", "pk"]

    def get_queryset(self):
        return services.promotion_queryset(self.request.user).order_by("-starts_on", "name", "pk")

    def service_create(self, data):
        return services.promotion_create(actor=self.request.user, **data)

    def service_update(self, instance, data):
        return services.promotion_update(actor=self.request.user, promotion=instance, **data)

    @extend_schema(
        parameters=[
            OpenApiParameter("customer", OpenApiTypes.INT, required=True),
            OpenApiParameter("product", OpenApiTypes.INT, required=True),
            OpenApiParameter(
                "quantity", OpenApiTypes.DECIMAL, required=True, description="More than zero."
            ),
            OpenApiParameter("date", OpenApiTypes.DATE, description="Default: today."),
            OpenApiParameter(
                "currency", str, enum=Currency.values, description="Default: the customer's."
            ),
            OpenApiParameter(
                "unit_price",
                OpenApiTypes.DECIMAL,
                description="Default: the customer's resolved price.",
            ),
        ],
        responses=PreviewSerializer,
        summary="Which promotion a line would get",
        description="The promotion an order line for this customer, product and quantity "
        "would get on the date, and its discount — priced exactly as an order would be — "
        "with every other applicable promotion and what it alone would give.",
    )
    @action(detail=False, methods=["get"], filter_backends=[], pagination_class=None)
    def preview(self, request):
        keys = ("customer", "product", "quantity", "date", "currency", "unit_price")
        query = PreviewQuerySerializer(
            data={key: request.query_params[key] for key in keys if key in request.query_params},
            context=self.get_serializer_context(),
        )
        query.is_valid(raise_exception=True)
        data = query.validated_data
        preview = services.promotion_preview(
            actor=request.user,
            customer=data["customer"],
            product=data["product"],
            quantity=data["quantity"],
            on_date=data.get("date"),
            currency=data.get("currency"),
            unit_price=data.get("unit_price"),
        )
        return Response(PreviewSerializer(_preview_body(preview)).data)


ROUTES = [("promotions", PromotionViewSet, "promotion")]
