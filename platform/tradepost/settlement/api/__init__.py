"""The settlement API: invoices and credit notes, payments received, receivables per
customer with aging, the ledger, exchange rates, credit overrides, rebates, expense
claims, the accounting export and profitability — one module per area. Each module
lists its viewsets in `ROUTES`; `api/urls.py` puts them on the `/api/v1/` router.

Every write is a service of `tradepost.settlement`, the same the pages call: the
service checks the step's permission (403), the document's status (400 with `status`
in `errors`), the customer scope and the money rules (400 with the field)."""

from __future__ import annotations

from tradepost.settlement.api import (
    expenses,
    invoices,
    journal,
    ledger,
    overrides,
    payments,
    profitability,
    rates,
    rebates,
    receivables,
)

AREAS = (
    invoices,
    payments,
    receivables,
    ledger,
    rates,
    overrides,
    rebates,
    expenses,
    journal,
    profitability,
)
