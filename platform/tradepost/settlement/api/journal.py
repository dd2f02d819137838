"""`GET /api/v1/journal-export/?start=&end=&format=`: the accounting export — the ledger
entries of a period as balanced journal entries (记账凭证), the same CSV (default) or
Excel file the journal page downloads (`settlement.journal`), named
`journal-<start>-<end>.<format>`. Finance only, as the page: reading the ledger
(`settlement.view_ledgerentry`) and keeping the settlement settings
(`change_settlementsettings`). A missing or malformed date, an end before the start or
a period of more than 366 days is a 400 naming the field."""

from __future__ import annotations

from django.http import HttpResponse
from django.utils.http import content_disposition_header
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import permissions, serializers, status

from api.serializers import StrictSerializer
from api.views import TradepostViewSet
from tradepost.settlement import journal
from tradepost.settlement.api.common import HoldsPermission, PdfWhateverAccept


class JournalExportQuerySerializer(StrictSerializer):
    start = serializers.DateField(help_text="The period's first day (YYYY-MM-DD).")
    end = serializers.DateField(
        help_text="The period's last day, included; at most 366 days after `start`."
    )
    format = serializers.ChoiceField(
        choices=[(name, name) for name in journal.FORMATS],
        required=False,
        default="csv",
        help_text="csv (UTF-8 with a byte-order mark) or xlsx; default csv.",
    )


class JournalExportViewSet(TradepostViewSet):
    """The accounting export (see the module docstring): one file, not a list."""

    filter_backends: list[type] = []
    pagination_class = None
    content_negotiation_class = PdfWhateverAccept  # `?format=` is the file's, not a renderer's
    http_method_names = ["get", "head", "options"]

    def get_permissions(self):
        return [permissions.IsAuthenticated(), HoldsPermission(journal.JOURNAL_EXPORT)]

    @extend_schema(
        parameters=[JournalExportQuerySerializer],
        responses={
            (status.HTTP_200_OK, "text/csv"): OpenApiTypes.BINARY,
            (status.HTTP_200_OK, journal.CONTENT_TYPES["xlsx"]): OpenApiTypes.BINARY,
        },
        summary="Export a period's journal",
        description="Every ledger entry dated `start`…`end` (inclusive) as balanced journal "
        "lines on the accounts the workspace maps (columns: date, journal, line, account, "
        "account_name, debit, credit, currency, customer_code, customer, description, "
        "document_currency, document_amount, exchange_rate): the journal page's file.",
    )
    def list(self, request, *args, **kwargs):
        query = JournalExportQuerySerializer(data=request.query_params.dict())
        query.is_valid(raise_exception=True)
        start, end = query.validated_data["start"], query.validated_data["end"]
        fmt = query.validated_data["format"]
        journal.period_check(start, end)
        response = HttpResponse(
            journal.journal_file(start, end, fmt), content_type=journal.CONTENT_TYPES[fmt]
        )
        response["Content-Disposition"] = content_disposition_header(
            as_attachment=True, filename=journal.journal_filename(start, end, fmt)
        )
        return response


ROUTES = [("journal-export", JournalExportViewSet, "journal-export")]
