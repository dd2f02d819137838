"""The customer-value section of the customer 360° page: lifetime value, orders, usual
interval, days since the last order (with the churn warning), referral value and the
customer's rank (TOP-N) among the customers the user sees (`reports.customer_value`)."""

from __future__ import annotations

from django.utils import timezone

from tradepost.customers.panels import CustomerPanel, register_panel


def _context(request, customer) -> dict:
    from tradepost.reports.customer_value import customer_value_of

    return {"value": customer_value_of(request.user, customer, today=timezone.localdate())}


def register() -> None:
    register_panel(
        CustomerPanel(
            key="customer_value",
            template="reports/panels/customer_value.html",
            context=_context,
            permission="reports.view_customervalue",
        )
    )
