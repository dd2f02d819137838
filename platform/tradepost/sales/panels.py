"""The sales sections of the customer 360° page: recent orders and open quotes."""

from __future__ import annotations

from tradepost.customers.panels import CustomerPanel, register_panel

PANEL_ROWS = 10


def _orders_context(request, customer) -> dict:
    from tradepost.sales.selectors import order_list

    orders = order_list(request.user).filter(customer=customer)
    return {"orders": list(orders[:PANEL_ROWS]), "customer": customer}


def _quotes_context(request, customer) -> dict:
    from tradepost.sales.models import Quote
    from tradepost.sales.selectors import quotes_visible_to

    quotes = (
        quotes_visible_to(request.user)
        .filter(customer=customer, status__in=[Quote.Status.DRAFT, Quote.Status.SENT])
        .order_by("valid_until", "pk")
    )
    return {"quotes": list(quotes[:PANEL_ROWS]), "customer": customer}


def register() -> None:
    register_panel(
        CustomerPanel(
            key="orders",
            template="sales/panels/customer_orders.html",
            context=_orders_context,
            permission="sales.view_order",
        )
    )
    register_panel(
        CustomerPanel(
            key="quotes",
            template="sales/panels/customer_quotes.html",
            context=_quotes_context,
            permission="sales.view_quote",
        )
    )
