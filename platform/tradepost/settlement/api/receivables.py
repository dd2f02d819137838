"""`/api/v1/receivables/`: what each customer in the caller's scope owes — the balance,
its aging buckets (not yet due, 1–30, 31–60, 61–90, over 90 days past due) and the
money on account — added up from the ledger's open items in one grouped query
(`selectors.aging_by_customer`); customers whose account is settled are not listed.
`receivables/{customer_id}/` adds the credit position (`credit.credit_position`), and
`receivables/{customer_id}/adjust/` posts an adjustment (调帐, `payments.receivable_adjust`,
needs `settlement.adjust_receivable`).

Reading needs `settlement.view_customeraccount`; a customer outside the caller's scope
is a 404."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db.models import QuerySet
from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, permissions, serializers, status
from rest_framework.decorators import action
from rest_framework.filters import OrderingFilter
from rest_framework.response import Response

from api.fields import MoneyField
from api.filters import StrictFilterBackend
from api.serializers import StrictSerializer, StringField
from api.views import CanView, TradepostViewSet
from tradepost.customers.models import Customer
from tradepost.customers.selectors import customers_visible_to
from tradepost.settlement import credit, selectors
from tradepost.settlement import payments as services
from tradepost.settlement.api.common import CustomerBriefSerializer
from tradepost.settlement.api.ledger import LedgerEntrySerializer
from tradepost.settlement.filters import ReceivableApiFilter
from tradepost.settlement.models import CustomerAccount

ZERO = Decimal("0.00")
AMOUNTS = (*selectors.BUCKET_KEYS, "on_account", "balance")
CUSTOMER_PATH = OpenApiParameter(
    "customer_id", OpenApiTypes.INT, OpenApiParameter.PATH, description="The customer's id."
)


class AgingSerializer(serializers.Serializer):
    """A customer's open items by age (all in `currency`, the account's)."""

    customer = CustomerBriefSerializer(read_only=True)
    currency = serializers.CharField(read_only=True)
    credit_limit = MoneyField(read_only=True, help_text="0: no limit set.")
    balance = MoneyField(
        read_only=True, min_value=None, help_text="What the customer owes (− in credit)."
    )
    current = MoneyField(read_only=True, help_text="Open, not yet due.")
    days_1_30 = MoneyField(read_only=True, help_text="1–30 days past due.")
    days_31_60 = MoneyField(read_only=True, help_text="31–60 days past due.")
    days_61_90 = MoneyField(read_only=True, help_text="61–90 days past due.")
    days_over_90 = MoneyField(read_only=True, help_text="Over 90 days past due.")
    overdue = MoneyField(read_only=True, help_text="Past due in all (the four buckets).")
    on_account = MoneyField(
        read_only=True, help_text="Money received or credited, not allocated yet."
    )


class CreditPositionSerializer(serializers.Serializer):
    credit_limit = MoneyField(read_only=True, help_text="0: no limit set.")
    balance = MoneyField(read_only=True, min_value=None)
    uninvoiced = MoneyField(
        read_only=True, help_text="Confirmed orders not invoiced yet (the account's currency)."
    )
    exposure = MoneyField(
        read_only=True, min_value=None, help_text="balance + uninvoiced: checked against the limit."
    )
    available = MoneyField(
        read_only=True,
        min_value=None,
        allow_null=True,
        help_text="limit − exposure (negative: over the limit); null without a limit.",
    )
    overdue_days = serializers.IntegerField(
        read_only=True, help_text="Days the oldest open invoice is past due."
    )
    hold_days = serializers.IntegerField(
        read_only=True,
        allow_null=True,
        help_text="Orders are held when overdue by more than this; null: never.",
    )
    over_limit = serializers.BooleanField(read_only=True)
    overdue_hold = serializers.BooleanField(read_only=True)


class ReceivableSerializer(AgingSerializer):
    oldest_overdue_days = serializers.IntegerField(read_only=True)
    credit = CreditPositionSerializer(read_only=True)


class AdjustSerializer(StrictSerializer):
    amount = MoneyField(
        min_value=None, help_text="In the account's currency: + the customer owes more, − less."
    )
    reason = StringField(max_length=300, allow_blank=True, help_text="Why; required.")
    entry_date = serializers.DateField(required=False, help_text="Today or earlier; default today.")


def _row(customer: Customer, figures: dict[str, Any]) -> dict[str, Any]:
    row = {key: figures.get(key, ZERO) for key in AMOUNTS}
    row["overdue"] = sum((row[key] for key in selectors.BUCKET_KEYS[1:]), ZERO)
    row["customer"] = customer
    row["credit_limit"] = customer.credit_limit
    row["currency"] = figures.get("currency") or customer.currency
    return row


@extend_schema_view(
    list=extend_schema(
        summary="Balances and aging per customer",
        description="One row per customer with open items, the largest balance first.",
    ),
    retrieve=extend_schema(
        parameters=[CUSTOMER_PATH],
        responses=ReceivableSerializer,
        summary="A customer's balance, aging and credit position",
    ),
)
class ReceivableViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, TradepostViewSet):
    """Receivables per customer in the caller's scope (see the module docstring)."""

    serializer_class = AgingSerializer
    filterset_class = ReceivableApiFilter
    filter_backends = [StrictFilterBackend, OrderingFilter]
    ordering_fields = ["balance", "on_account", *selectors.BUCKET_KEYS, "customer_id"]
    ordering = ["-balance", "customer_id"]
    lookup_url_kwarg = "customer_id"
    lookup_value_regex = "[0-9]+"
    http_method_names = ["get", "post", "head", "options"]

    def get_permissions(self):
        return [permissions.IsAuthenticated(), CanView("settlement.view_customeraccount")]

    def get_queryset(self):
        return selectors.ledger_entries_visible_to(self.request.user)

    def filter_queryset(self, queryset: QuerySet) -> QuerySet:
        # The filters pick ledger entries; the rows are their sums per customer, which
        # are what the list is ordered by.
        entries = StrictFilterBackend().filter_queryset(self.request, queryset, self)
        rows = OrderingFilter().filter_queryset(
            self.request, selectors.aging_by_customer(entries), self
        )
        return rows.order_by(*rows.query.order_by, "customer_id")

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset())) or []
        customers = Customer.objects.only("id", "code", "name", "currency", "credit_limit").in_bulk(
            [row["customer_id"] for row in page]
        )
        rows = [_row(customers[row["customer_id"]], row) for row in page]
        return self.get_paginated_response(AgingSerializer(rows, many=True).data)

    def _customer(self) -> Customer:
        try:
            customer_id = int(self.kwargs[self.lookup_url_kwarg])
        except (TypeError, ValueError):
            raise Http404 from None
        customer = customers_visible_to(self.request.user).filter(pk=customer_id).first()
        if customer is None:
            raise Http404
        return customer

    def retrieve(self, request, *args, **kwargs):
        customer = self._customer()
        aging = selectors.aging_of(customer.pk)
        account = CustomerAccount.objects.filter(customer=customer).first()
        figures = {key: getattr(aging, key) for key in AMOUNTS}
        figures["currency"] = account.currency if account is not None else customer.currency
        position = credit.credit_position(customer)
        row = _row(customer, figures)
        row["oldest_overdue_days"] = position.overdue_days
        row["credit"] = {
            **{
                name: getattr(position, name)
                for name in (
                    "credit_limit",
                    "balance",
                    "uninvoiced",
                    "exposure",
                    "available",
                    "overdue_days",
                    "hold_days",
                )
            },
            "over_limit": position.over_limit,
            "overdue_hold": position.overdue_hold,
        }
        return Response(ReceivableSerializer(row).data)

    @extend_schema(
        parameters=[CUSTOMER_PATH],
        request=AdjustSerializer,
        responses={status.HTTP_201_CREATED: LedgerEntrySerializer},
        summary="Adjust the balance (调帐)",
        description="Posts an adjustment entry of `amount` with its `reason`: + the "
        "customer owes more (due at once), − less (a credit that settles the oldest open "
        "invoices first). Needs `settlement.adjust_receivable`. The answer is the entry.",
    )
    @action(detail=True, methods=["post"])
    def adjust(self, request, *args, **kwargs):
        customer = self._customer()
        body = AdjustSerializer(data=request.data, context=self.get_serializer_context())
        body.is_valid(raise_exception=True)
        entry = services.receivable_adjust(
            actor=request.user, customer=customer, **body.validated_data
        )
        answer = LedgerEntrySerializer(
            selectors.ledger_entries_visible_to(request.user)
            .select_related("customer")
            .get(pk=entry.pk),
            context=self.get_serializer_context(),
        )
        return Response(answer.data, status=status.HTTP_201_CREATED)


ROUTES = [("receivables", ReceivableViewSet, "receivable")]
