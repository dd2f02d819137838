"""The sales API, one module per area. Each module lists its viewsets in `ROUTES`;
`register` puts them on the `/api/v1/` router (see `api/urls.py`)."""

from __future__ import annotations

from tradepost.sales.api import adjustments, dealers, orders, pipeline, promotions, quotes

AREAS = (pipeline, quotes, orders, promotions, adjustments, dealers)


def register(router) -> None:
    for area in AREAS:
        for prefix, viewset, basename in area.ROUTES:
            router.register(prefix, viewset, basename=basename)
