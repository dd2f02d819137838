"""`/api/v1/payments/`: money received (回款) and refunds, with what each settled, and
the steps `allocate/`, `refund/` and `cancel/` (`settlement.payments`).

A payment is posted to the customer's account when it is entered and allocated to
invoices — oldest due first (`"allocate": "oldest"`, the default), to the invoices and
amounts given, or not at all (`"none"`); the rest stays on account (`open`). Read in
the customer scope (`selectors.payments_visible_to`); entering needs
`settlement.add_payment`, the steps `settlement.change_payment` (the service checks)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db.models import Prefetch
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_view
from rest_framework import serializers, status
from rest_framework.decorators import action

from api.fields import MoneyField
from api.serializers import ReadSerializer, StrictSerializer, StringField
from tradepost.masterdata.models import Currency
from tradepost.settlement import payments as services
from tradepost.settlement import selectors
from tradepost.settlement.api.common import (
    CustomerBriefSerializer,
    SettlementReasonSerializer,
    SettlementViewSet,
    VisibleCustomerField,
)
from tradepost.settlement.filters import PaymentApiFilter
from tradepost.settlement.models import Allocation, LedgerEntry, Payment
from tradepost.text import MULTI_LINE

MAX_ALLOCATIONS = 200
MAX_ID = 2**63 - 1


class AllocationSerializer(serializers.Serializer):
    """What a payment settled (or, for a refund, what settled it)."""

    id = serializers.IntegerField(read_only=True)
    kind = serializers.ChoiceField(
        choices=LedgerEntry.Kind.choices,
        read_only=True,
        help_text="What the other side is: invoice, refund or cancellation.",
    )
    invoice = serializers.IntegerField(
        read_only=True, allow_null=True, help_text="The invoice's id (null for the rest)."
    )
    number = serializers.CharField(read_only=True, help_text="The other side's number.")
    amount = MoneyField(read_only=True, help_text="In the account's currency.")
    created_at = serializers.DateTimeField(read_only=True)


@extend_schema_field(AllocationSerializer(many=True))
class AllocationsField(serializers.Field):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(source="*", read_only=True, **kwargs)

    def to_representation(self, value: Payment) -> list[dict[str, Any]]:
        entry = value.entry
        rows = []
        if entry.amount < 0:  # a receipt settles debits
            pairs = [(a, a.debit) for a in entry.settles.all()]
        else:  # a refund is settled by the payment it pays back
            pairs = [(a, a.credit) for a in entry.settled_by.all()]
        for allocation, other in pairs:
            is_invoice = other.kind == LedgerEntry.Kind.INVOICE
            rows.append(
                {
                    "id": allocation.pk,
                    "kind": other.kind,
                    "invoice": other.document_id if is_invoice else None,
                    "number": other.reference,
                    "amount": f"{allocation.amount:.2f}",
                    "created_at": serializers.DateTimeField().to_representation(
                        allocation.created_at
                    ),
                }
            )
        return rows


class PaymentSerializer(ReadSerializer):
    customer = CustomerBriefSerializer(read_only=True)
    account_amount = serializers.SerializerMethodField(
        help_text="`amount` as posted to the customer's account (its currency)."
    )
    open = serializers.SerializerMethodField(
        help_text="What is still on account, not allocated (0 for a refund)."
    )
    allocations = AllocationsField()

    class Meta:
        model = Payment
        fields = [
            "id",
            "number",
            "kind",
            "status",
            "customer",
            "method",
            "reference",
            "received_on",
            "currency",
            "exchange_rate",
            "amount",
            "account_amount",
            "open",
            "order",
            "refund_of",
            "notes",
            "cancel_reason",
            "cancelled_at",
            "created_by",
            "created_at",
            "allocations",
        ]
        extra_kwargs = {
            "received_on": {"help_text": "The day the money came in (or, a refund, went out)."},
            "order": {"help_text": "The order whose deposit this is."},
        }

    @extend_schema_field(MoneyField())
    def get_account_amount(self, payment: Payment) -> str:
        return f"{abs(payment.entry.amount):.2f}"

    @extend_schema_field(MoneyField())
    def get_open(self, payment: Payment) -> str:
        if payment.kind != Payment.Kind.RECEIPT or payment.status != Payment.Status.POSTED:
            return "0.00"
        return f"{payment.entry.open_amount:.2f}"


class AllocationInputSerializer(StrictSerializer):
    invoice = serializers.IntegerField(
        min_value=1, max_value=MAX_ID, help_text="An issued invoice's id."
    )
    amount = MoneyField(help_text="In the account's currency; more than zero.")


_ALLOCATE_SCHEMA = {
    "oneOf": [
        {"type": "string", "enum": ["oldest", "none"]},
        {
            "type": "array",
            "minItems": 1,
            "maxItems": MAX_ALLOCATIONS,
            "items": {
                "type": "object",
                "properties": {
                    "invoice": {"type": "integer", "minimum": 1, "maximum": MAX_ID},
                    "amount": {"type": "string", "format": "decimal"},
                },
                "required": ["invoice", "amount"],
                "additionalProperties": False,
            },
        },
    ],
    "description": '"oldest": the oldest open invoices first; "none": all on account; or '
    'a list of `{"invoice": id, "amount": "…"}`.',
}


@extend_schema_field(_ALLOCATE_SCHEMA)
class AllocateField(serializers.Field):
    """`"oldest"`, `"none"` or a list of invoices and amounts: as the services take it."""

    default_error_messages = {
        "invalid": _('Give "oldest", "none" or a list of invoices and amounts.'),
    }

    def to_internal_value(self, data: Any) -> str | dict[int, Decimal]:
        if isinstance(data, str):
            if data in ("oldest", "none"):
                return data
            self.fail("invalid")
        if not isinstance(data, list) or not data or len(data) > MAX_ALLOCATIONS:
            self.fail("invalid")
        rows = AllocationInputSerializer(data=data, many=True)
        rows.is_valid(raise_exception=True)
        wanted: dict[int, Decimal] = {}
        for row in rows.validated_data:
            if row["invoice"] in wanted:
                raise serializers.ValidationError(
                    _("Invoice %(id)s is given twice.") % {"id": row["invoice"]}
                )
            wanted[row["invoice"]] = row["amount"]
        return wanted

    def to_representation(self, value: Any) -> Any:
        return value


class PaymentCreateSerializer(StrictSerializer):
    customer = VisibleCustomerField()
    amount = MoneyField(help_text="In `currency`; more than zero.")
    currency = serializers.ChoiceField(
        choices=Currency.choices, required=False, help_text="Default: the customer's account's."
    )
    method = serializers.ChoiceField(
        choices=Payment.Method.choices,
        required=False,
        help_text="Default bank_transfer. `deposit` is booked by order confirmation only.",
    )
    received_on = serializers.DateField(
        required=False, help_text="Today or earlier; default today."
    )
    reference = StringField(required=False, allow_blank=True, max_length=100)
    notes = StringField(required=False, allow_blank=True, max_length=5000, style=MULTI_LINE)
    allocate = AllocateField(required=False)


class AllocateSerializer(StrictSerializer):
    allocate = AllocateField(required=False)


class RefundSerializer(StrictSerializer):
    amount = MoneyField(help_text="In the account's currency; at most what is on account.")
    refunded_on = serializers.DateField(
        required=False, help_text="Today or earlier; default today."
    )
    reference = StringField(required=False, allow_blank=True, max_length=100)
    notes = StringField(required=False, allow_blank=True, max_length=5000, style=MULTI_LINE)


@extend_schema_view(
    create=extend_schema(
        request=PaymentCreateSerializer,
        responses={status.HTTP_201_CREATED: PaymentSerializer},
        summary="Enter a payment received",
        description="Posted at once to the customer's account (converted at the day's "
        "rate), then allocated as `allocate` says (default: oldest invoices first); the "
        "rest stays on account. Numbered per year. Emits `invoice.paid` for each invoice "
        "it settles in full. Needs `settlement.add_payment`.",
    ),
)
class PaymentViewSet(SettlementViewSet):
    """Payments received and refunds of the customers in the caller's scope, latest
    first, with what each settled."""

    serializer_class = PaymentSerializer
    create_serializer_class = PaymentCreateSerializer
    filterset_class = PaymentApiFilter
    view_permission = "settlement.view_payment"
    search_fields = ["number", "reference", "customer__name", "customer__code"]
    ordering_fields = ["received_on", "created_at", "amount"]
    ordering = ["-received_on", "-pk"]

    def get_queryset(self):
        allocations = Allocation.objects.order_by("pk")
        return (
            selectors.payment_list(self.request.user)
            .prefetch_related(
                Prefetch("entry__settles", queryset=allocations.select_related("debit")),
                Prefetch("entry__settled_by", queryset=allocations.select_related("credit")),
            )
            .order_by("-received_on", "-pk")
        )

    def service_create(self, data: dict[str, Any]) -> Payment:
        return services.payment_receive(
            actor=self.request.user,
            customer=data["customer"],
            amount=data["amount"],
            method=data.get("method", Payment.Method.BANK_TRANSFER),
            received_on=data.get("received_on"),
            currency=data.get("currency"),
            reference=data.get("reference", ""),
            notes=data.get("notes", ""),
            allocate=data.get("allocate", "oldest"),
        )

    @extend_schema(
        request=AllocateSerializer,
        responses=PaymentSerializer,
        summary="Allocate what is on account",
        description="To the oldest open invoices (default) or to the invoices and amounts "
        "given. Emits `invoice.paid` for each invoice settled in full.",
    )
    @action(detail=True, methods=["post"])
    def allocate(self, request, pk=None):
        payment = self.get_object()
        data = self._body(AllocateSerializer)
        services.payment_allocate(
            actor=request.user, payment=payment, allocate=data.get("allocate", "oldest")
        )
        return self._read(payment)

    @extend_schema(
        request=RefundSerializer,
        responses={status.HTTP_201_CREATED: PaymentSerializer},
        summary="Refund money on account",
        description="Pays `amount` of what the payment left on account back to the "
        "customer; the answer is the refund, a payment of kind `refund`.",
    )
    @action(detail=True, methods=["post"])
    def refund(self, request, pk=None):
        payment = self.get_object()
        data = self._body(RefundSerializer)
        refund = services.payment_refund(actor=request.user, payment=payment, **data)
        return self._read(refund, status.HTTP_201_CREATED)

    @extend_schema(
        request=SettlementReasonSerializer,
        responses=PaymentSerializer,
        summary="Cancel a payment entered by mistake",
        description="Only while nothing of it is allocated or refunded; a `reason` is "
        "required. A cancellation entry reverses it on the account.",
    )
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        payment = self.get_object()
        data = self._body(SettlementReasonSerializer)
        return self._read(
            services.payment_cancel(
                actor=request.user, payment=payment, reason=data.get("reason", "")
            )
        )


ROUTES = [("payments", PaymentViewSet, "payment")]
