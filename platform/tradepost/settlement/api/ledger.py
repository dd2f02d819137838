"""`/api/v1/ledger-entries/`, read-only: the customers' accounts line by line (invoices,
credit notes, payments, refunds, adjustments 调帐 and cancellations), in the customer
scope (`selectors.ledger_entries_visible_to`). Entries are never changed or deleted;
an adjustment is posted through `receivables/{customer_id}/adjust/`."""

from __future__ import annotations

from rest_framework import serializers

from api.serializers import ReadSerializer
from api.views import ResourceViewSet
from tradepost.settlement import selectors
from tradepost.settlement.filters import LedgerEntryApiFilter
from tradepost.settlement.models import LedgerEntry


class LedgerEntrySerializer(ReadSerializer):
    customer_name = serializers.CharField(source="customer.name", read_only=True)

    class Meta:
        model = LedgerEntry
        fields = [
            "id",
            "customer",
            "customer_name",
            "kind",
            "entry_date",
            "due_date",
            "amount",
            "open_amount",
            "currency",
            "document_type",
            "document_id",
            "document_currency",
            "document_amount",
            "exchange_rate",
            "reference",
            "reason",
            "created_by",
            "created_at",
        ]
        extra_kwargs = {
            "amount": {"help_text": "In the account's currency; + the customer owes more."},
            "open_amount": {"help_text": "The part not matched yet (always ≥ 0)."},
            "document_type": {"help_text": "invoice, payment or adjustment."},
            "document_id": {"help_text": "The invoice's or payment's id."},
            "reference": {"help_text": "The document's number."},
        }


class LedgerEntryViewSet(ResourceViewSet):
    """The ledger of the customers in the caller's scope, latest first. Read-only;
    needs `settlement.view_ledgerentry`."""

    serializer_class = LedgerEntrySerializer
    filterset_class = LedgerEntryApiFilter
    search_fields = ["reference", "reason"]
    ordering_fields = ["entry_date", "created_at", "amount"]
    ordering = ["-entry_date", "-pk"]

    def get_queryset(self):
        return (
            selectors.ledger_entries_visible_to(self.request.user)
            .select_related("customer")
            .order_by("-entry_date", "-pk")
        )


ROUTES = [("ledger-entries", LedgerEntryViewSet, "ledger-entry")]
