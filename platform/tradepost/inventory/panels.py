"""The inventory section of the customer 360° page: where the customer is served
from, what is available there of the products on its open orders, and its latest
deliveries."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from tradepost.customers.panels import CustomerPanel, register_panel

PANEL_ROWS = 10


def _context(request, customer) -> dict:
    from tradepost.inventory.models import StockBalance
    from tradepost.inventory.selectors import deliveries_visible_to
    from tradepost.masterdata.models import Location
    from tradepost.masterdata.selectors import location_default_id_for
    from tradepost.sales.models import Order, OrderLine
    from tradepost.sales.selectors import orders_visible_to

    location_id = location_default_id_for(customer.branch_id)
    place = Location.objects.filter(pk=location_id).first() if location_id else None
    open_orders = orders_visible_to(request.user).filter(
        customer=customer,
        status__in=[Order.Status.CONFIRMED, Order.Status.PARTIALLY_SHIPPED],
    )
    products: dict[int, Any] = {}
    for line in (
        OrderLine.objects.filter(order__in=open_orders, product__tracks_stock=True)
        .select_related("product")
        .order_by("product__sku")[:200]
    ):
        products.setdefault(line.product_id, line.product)
    balances: dict[int, Any] = {}
    if place is not None and products:
        balances = {
            row.product_id: row
            for row in StockBalance.objects.filter(location=place, product_id__in=products)
        }
    availability = [
        {
            "product": product,
            "available": balances[pk].available if pk in balances else Decimal(0),
            "low": balances[pk].is_low if pk in balances else True,
        }
        for pk, product in list(products.items())[:PANEL_ROWS]
    ]
    deliveries = list(
        deliveries_visible_to(request.user)
        .filter(order__customer=customer)
        .select_related("order")
        .order_by("-created_at", "-pk")[:PANEL_ROWS]
    )
    return {
        "customer": customer,
        "place": place,
        "availability": availability,
        "deliveries": deliveries,
    }


def register() -> None:
    register_panel(
        CustomerPanel(
            key="inventory",
            template="inventory/panels/customer_stock.html",
            context=_context,
            permission="inventory.view_stockbalance",
        )
    )
