"""The inventory API: warehouses and suppliers (master data the warehouse keeps),
stock and its ledger, and the documents that move stock — receipts, transfers,
deliveries, stocktakes and adjustments — one module per area. Each module lists its
viewsets in `ROUTES`; `api/urls.py` puts them on the `/api/v1/` router.

Every write is a service of `tradepost.inventory` (or `masterdata.services`), the same
the pages call: the service checks the step's permission (403), the document's status
(400 with `status` in `errors`) and the stock (400, code `insufficient_stock`)."""

from __future__ import annotations

from tradepost.inventory.api import (
    adjustments,
    deliveries,
    locations,
    receipts,
    stock,
    stocktakes,
    transfers,
)

AREAS = (locations, stock, receipts, transfers, deliveries, stocktakes, adjustments)
