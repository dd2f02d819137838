"""`/api/v1/invoices/` and `/api/v1/credit-notes/`: invoices (from an order or a
shipped delivery) and credit notes, with their lines, tax per rate and what is still
open on the customer's account, `PATCH` on a draft (its notes and, from an order, its
line quantities) and the steps `issue/` and `cancel/` (`settlement.invoices`);
`invoices/{id}/pdf/` is the printable invoice.

Both are read in the customer scope (`selectors.invoices_visible_to`): finance and
executives every customer's, a salesperson their own customers', a dealer its own. An
id outside the scope is a 404. Creating needs `settlement.add_invoice`, changing a
draft `change_invoice`; issuing and cancelling `settlement.issue_invoice` /
`cancel_invoice`, which the service checks."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db.models import Prefetch
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_view
from rest_framework import serializers, status
from rest_framework.decorators import action

from api.fields import MoneyField, PercentField, QuantityField
from api.lifecycle import AllowedActionsField
from api.serializers import ReadSerializer, StrictSerializer, StringField
from tradepost.masterdata.models import Currency
from tradepost.settlement import invoices as services
from tradepost.settlement import selectors
from tradepost.settlement.api.common import (
    CustomerBriefSerializer,
    PdfWhateverAccept,
    SettlementReasonSerializer,
    SettlementViewSet,
    VisibleCustomerField,
    VisibleDeliveryField,
    VisibleOrderField,
    pdf_response,
)
from tradepost.settlement.filters import CreditNoteApiFilter, InvoiceApiFilter
from tradepost.settlement.models import Invoice, InvoiceLine
from tradepost.settlement.pdf import invoice_pdf, invoice_pdf_filename, tax_lines
from tradepost.text import MULTI_LINE

PAYMENT_STATES = [
    ("unpaid", "Nothing settled yet"),
    ("partially_paid", "Partly settled"),
    ("paid", "Settled in full"),
]


class InvoiceLineSerializer(ReadSerializer):
    product_sku = serializers.CharField(source="product.sku", read_only=True, allow_null=True)

    class Meta:
        model = InvoiceLine
        fields = [
            "id",
            "position",
            "order_line",
            "delivery_line",
            "product",
            "product_sku",
            "description",
            "quantity",
            "unit_price",
            "tax_rate",
            "net_amount",
            "tax_amount",
            "gross_amount",
        ]


class TaxLineSerializer(serializers.Serializer):
    tax_rate = PercentField(read_only=True)
    net_amount = MoneyField(read_only=True)
    tax_amount = MoneyField(read_only=True)
    gross_amount = MoneyField(read_only=True)


@extend_schema_field(TaxLineSerializer(many=True))
class TaxLinesField(serializers.Field):
    """The lines' amounts added up per tax rate, lowest rate first."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(source="*", read_only=True, **kwargs)

    def to_representation(self, value: Invoice) -> list[dict[str, str]]:
        return [
            {
                "tax_rate": f"{line.rate:.2f}",
                "net_amount": f"{line.net:.2f}",
                "tax_amount": f"{line.tax:.2f}",
                "gross_amount": f"{line.gross:.2f}",
            }
            for line in tax_lines(value.lines.all())
        ]


def _open_amount(invoice: Invoice) -> Decimal | None:
    return invoice.entry.open_amount if invoice.entry is not None else None


class InvoiceSerializer(ReadSerializer):
    allowed_actions = AllowedActionsField(services.LIFECYCLE)
    customer = CustomerBriefSerializer(read_only=True)
    open_amount = serializers.SerializerMethodField(
        help_text="What is not settled yet (of a credit note: not used yet), in the "
        "account's currency; null until issued."
    )
    account_amount = serializers.SerializerMethodField(
        help_text="The total as posted to the customer's account (the account's currency, "
        "at `exchange_rate`); null until issued."
    )
    payment_state = serializers.SerializerMethodField(
        help_text="unpaid, partially_paid or paid (of a credit note: how much of it is "
        "used); null unless issued."
    )
    tax_lines = TaxLinesField()
    lines = InvoiceLineSerializer(many=True, read_only=True)

    class Meta:
        model = Invoice
        fields = [
            "id",
            "number",
            "kind",
            "status",
            "allowed_actions",
            "customer",
            "order",
            "delivery",
            "credited_invoice",
            "settlement_credit",
            "issue_date",
            "due_date",
            "currency",
            "exchange_rate",
            "net_total",
            "tax_total",
            "gross_total",
            "account_amount",
            "open_amount",
            "payment_state",
            "reason",
            "notes",
            "cancel_reason",
            "issued_at",
            "cancelled_at",
            "created_by",
            "created_at",
            "updated_at",
            "tax_lines",
            "lines",
        ]

    @extend_schema_field(MoneyField(allow_null=True))
    def get_open_amount(self, invoice: Invoice) -> str | None:
        amount = _open_amount(invoice)
        return None if amount is None else f"{amount:.2f}"

    @extend_schema_field(MoneyField(allow_null=True))
    def get_account_amount(self, invoice: Invoice) -> str | None:
        entry = invoice.entry
        return None if entry is None else f"{abs(entry.amount):.2f}"

    @extend_schema_field(serializers.ChoiceField(choices=PAYMENT_STATES, allow_null=True))
    def get_payment_state(self, invoice: Invoice) -> str | None:
        entry = invoice.entry
        if invoice.status != Invoice.Status.ISSUED or entry is None:
            return None
        if entry.open_amount == 0:
            return "paid"
        if entry.open_amount == abs(entry.amount):
            return "unpaid"
        return "partially_paid"


class InvoiceLineInputSerializer(StrictSerializer):
    order_line = serializers.IntegerField(
        min_value=1, max_value=2**63 - 1, help_text="Order line id."
    )
    quantity = QuantityField(help_text="No more than is left to invoice on the line.")


class InvoiceCreateSerializer(StrictSerializer):
    order = VisibleOrderField(
        required=False, help_text="A confirmed order; give `order` or `delivery`."
    )
    lines = InvoiceLineInputSerializer(  # type: ignore[call-arg]
        many=True,
        required=False,
        allow_empty=False,
        max_length=200,
        help_text="With `order`: what to invoice; leave out for all not invoiced yet.",
    )
    delivery = VisibleDeliveryField(
        required=False, help_text="A shipped delivery: invoices what it carried."
    )
    notes = StringField(required=False, allow_blank=True, max_length=5000, style=MULTI_LINE)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if ("order" in attrs) == ("delivery" in attrs):
            raise serializers.ValidationError(_("Give an order or a delivery to invoice."))
        if "delivery" in attrs and "lines" in attrs:
            raise serializers.ValidationError(
                {"lines": [_("A delivery is invoiced whole: leave out the lines.")]}
            )
        return attrs


@extend_schema_field(OpenApiTypes.INT)
class VisibleInvoiceField(serializers.PrimaryKeyRelatedField):
    """An invoice (not a credit note) of a customer in the caller's scope, by id."""

    def get_queryset(self):
        user = getattr(self.context.get("request"), "user", None)
        return selectors.invoices_visible_to(user).filter(kind=Invoice.Kind.INVOICE)


class CreditNoteCreateSerializer(StrictSerializer):
    customer = VisibleCustomerField()
    amount = MoneyField(help_text="Including tax; more than zero.")
    reason = StringField(max_length=300, help_text="What the credit is for (its one line).")
    tax_rate = PercentField(required=False, help_text="Tax included in `amount`; default 0.")
    currency = serializers.ChoiceField(
        choices=Currency.choices, required=False, help_text="Default: the customer's."
    )
    credited_invoice = VisibleInvoiceField(
        required=False,
        allow_null=True,
        help_text="An issued invoice of the customer this note credits (at most its total).",
    )


class InvoiceUpdateSerializer(StrictSerializer):
    notes = StringField(required=False, allow_blank=True, max_length=5000, style=MULTI_LINE)
    lines = InvoiceLineInputSerializer(  # type: ignore[call-arg]
        many=True,
        required=False,
        allow_empty=False,
        max_length=200,
        help_text="An order's invoice only: its lines anew (a line left out is dropped), "
        "never more than is left to invoice besides this draft.",
    )


class IssueSerializer(StrictSerializer):
    issue_date = serializers.DateField(required=False, help_text="Today or earlier; default today.")


def _order_quantities(rows: list[dict[str, Any]]) -> dict[int, Decimal]:
    quantities: dict[int, Decimal] = {}
    for row in rows:
        if row["order_line"] in quantities:
            raise serializers.ValidationError(
                {"lines": [_("Order line %(id)s is given twice.") % {"id": row["order_line"]}]}
            )
        quantities[row["order_line"]] = row["quantity"]
    return quantities


class _DocumentViewSet(SettlementViewSet):
    """Invoices and credit notes share their reading, their steps and changing a
    draft (`PATCH`, needs `settlement.change_invoice`)."""

    serializer_class = InvoiceSerializer
    update_serializer_class = InvoiceUpdateSerializer
    view_permission = "settlement.view_invoice"
    writes = ("create", "partial_update")
    http_method_names = ["get", "post", "patch", "head", "options"]
    search_fields = ["number", "customer__name", "customer__code"]
    ordering_fields = ["created_at", "updated_at", "issue_date", "due_date", "gross_total"]
    ordering = ["-created_at", "-pk"]
    kinds: tuple[str, ...] = tuple(Invoice.Kind.values)

    def get_queryset(self):
        return (
            selectors.invoice_list(self.request.user)
            .filter(kind__in=self.kinds)
            .prefetch_related(
                Prefetch("lines", queryset=InvoiceLine.objects.select_related("product"))
            )
            .order_by("-created_at", "-pk")
        )

    def service_update(self, instance: Invoice, data: dict[str, Any]) -> Invoice:
        changes: dict[str, Any] = {}
        if "notes" in data:
            changes["notes"] = data["notes"]
        if "lines" in data:
            changes["lines"] = _order_quantities(data["lines"])
        return services.invoice_update(actor=self.request.user, invoice=instance, **changes)

    @extend_schema(
        request=IssueSerializer,
        responses=InvoiceSerializer,
        summary="Issue",
        description="draft → issued: numbered gap-free per year (invoices and credit notes "
        "count apart), converted into the account's currency at the issue date's rate and "
        "posted to the customer's account, due after the customer's payment terms. An "
        "invoice is settled at once with its order's deposit still on account; a credit "
        "note settles the invoice it credits. Emits `invoice.issued` (and `invoice.paid` "
        "when that settles an invoice). Needs `settlement.issue_invoice`.",
    )
    @action(detail=True, methods=["post"])
    def issue(self, request, pk=None):
        invoice = self.get_object()
        data = self._body(IssueSerializer)
        return self._read(
            services.invoice_issue(
                actor=request.user, invoice=invoice, issue_date=data.get("issue_date")
            )
        )

    @extend_schema(
        request=SettlementReasonSerializer,
        responses=InvoiceSerializer,
        summary="Cancel",
        description="draft or issued → cancelled. An issued one needs a `reason` and "
        "nothing allocated to it (remove the allocations first); a cancellation entry "
        "reverses it on the account. Needs `settlement.cancel_invoice`.",
    )
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        invoice = self.get_object()
        data = self._body(SettlementReasonSerializer)
        return self._read(
            services.invoice_cancel(
                actor=request.user, invoice=invoice, reason=data.get("reason", "")
            )
        )

    @extend_schema(
        responses={(status.HTTP_200_OK, "application/pdf"): OpenApiTypes.BINARY},
        summary="As a PDF",
        description="A4, with the company profile and its bank accounts, the customer, "
        "the lines, tax per rate and the totals; file name `<number>.pdf` "
        "(`invoice-draft-<id>.pdf` before it is issued).",
    )
    @action(
        detail=True,
        methods=["get"],
        filter_backends=[],
        pagination_class=None,
        content_negotiation_class=PdfWhateverAccept,
    )
    def pdf(self, request, pk=None):
        invoice = self.get_object()
        return pdf_response(invoice_pdf(invoice), invoice_pdf_filename(invoice))


_PATCH_DRAFT = extend_schema(
    request=InvoiceUpdateSerializer,
    responses=InvoiceSerializer,
    summary="Change a draft",
    description="Its `notes` and, on an invoice made from an order, its `lines`: the "
    "quantities anew, never more than ordered counting every other invoice not cancelled "
    "(amounts are worked out again as when it was made). A delivery's invoice keeps its "
    "lines. Issued or cancelled: 400 with `status`. Needs `settlement.change_invoice`.",
)


@extend_schema_view(
    partial_update=_PATCH_DRAFT,
    create=extend_schema(
        request=InvoiceCreateSerializer,
        responses={status.HTTP_201_CREATED: InvoiceSerializer},
        summary="Draft an invoice from an order or a delivery",
        description="From a confirmed `order` (the `lines` and quantities given, or all "
        "not invoiced yet) or from a shipped `delivery` (what it carried and is not "
        "invoiced yet). Never more than ordered or shipped, counting every invoice not "
        "cancelled. Line amounts are the order line's, pro rata. Needs "
        "`settlement.add_invoice`.",
    ),
)
class InvoiceViewSet(_DocumentViewSet):
    """Invoices and credit notes of the customers in the caller's scope, newest first,
    with their lines (`?kind=` tells them apart)."""

    filterset_class = InvoiceApiFilter
    create_serializer_class = InvoiceCreateSerializer

    def service_create(self, data: dict[str, Any]) -> Invoice:
        notes = data.get("notes", "")
        if "delivery" in data:
            return services.invoice_from_delivery(
                actor=self.request.user, delivery=data["delivery"], notes=notes
            )
        quantities = _order_quantities(data["lines"]) if "lines" in data else None
        return services.invoice_from_order(
            actor=self.request.user, order=data["order"], quantities=quantities, notes=notes
        )


@extend_schema_view(
    partial_update=_PATCH_DRAFT,
    create=extend_schema(
        request=CreditNoteCreateSerializer,
        responses={status.HTTP_201_CREATED: InvoiceSerializer},
        summary="Draft a credit note",
        description="A credit of `amount` (tax included at `tax_rate`) to the customer, "
        "for `reason`, optionally against one of its issued invoices (at most that "
        "invoice's total, in its currency). Needs `settlement.add_invoice`.",
    ),
)
class CreditNoteViewSet(_DocumentViewSet):
    """Credit notes of the customers in the caller's scope, newest first."""

    filterset_class = CreditNoteApiFilter
    create_serializer_class = CreditNoteCreateSerializer
    kinds = (Invoice.Kind.CREDIT_NOTE,)

    def service_create(self, data: dict[str, Any]) -> Invoice:
        return services.credit_note_create(
            actor=self.request.user,
            customer=data["customer"],
            amount=data["amount"],
            reason=data["reason"],
            currency=data.get("currency"),
            tax_rate=data.get("tax_rate", Decimal("0.00")),
            credited_invoice=data.get("credited_invoice"),
        )


ROUTES = [
    ("invoices", InvoiceViewSet, "invoice"),
    ("credit-notes", CreditNoteViewSet, "credit-note"),
]
