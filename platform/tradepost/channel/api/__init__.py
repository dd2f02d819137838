"""The channel API, one module per area. Each module lists its viewsets in `ROUTES`;
`api/urls.py` puts them on the `/api/v1/` router."""

from __future__ import annotations

from tradepost.channel.api import adjustments, agreements, plans, stock

AREAS = (adjustments, stock, plans, agreements)
