"""The sales API (quotes, orders, settlement credits), one module per area. Each
module lists its viewsets in `ROUTES`; `api/urls.py` puts them on the `/api/v1/`
router."""

from __future__ import annotations

from tradepost.sales.api import credits, orders, quotes

AREAS = (quotes, orders, credits)
