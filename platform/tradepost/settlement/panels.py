"""The money section of the customer 360° page: the credit position (limit, balance,
orders not invoiced, exposure, available, days overdue), the aging and links to the
customer's account and statement."""

from __future__ import annotations

from tradepost.customers.panels import CustomerPanel, register_panel


def _context(request, customer) -> dict:
    from tradepost.settlement import credit, selectors

    return {
        "customer": customer,
        "position": credit.credit_position(customer),
        "aging": selectors.aging_of(customer.pk),
    }


def register() -> None:
    register_panel(
        CustomerPanel(
            key="credit",
            template="settlement/panels/customer_credit.html",
            context=_context,
            permission="settlement.view_customeraccount",
        )
    )
