"""What the finance views share: scoped look-ups."""

from __future__ import annotations

from django.shortcuts import get_object_or_404

from tradepost.customers.models import Customer
from tradepost.customers.selectors import customers_visible_to
from tradepost.principals import Actor
from tradepost.settlement import selectors
from tradepost.settlement.models import Invoice, Payment


def invoice_get(actor: Actor, invoice_id: int) -> Invoice:
    """The invoice, if its customer is in the actor's scope; otherwise 404."""
    return get_object_or_404(
        selectors.invoices_visible_to(actor).select_related(
            "customer", "order", "delivery", "entry", "credited_invoice", "created_by"
        ),
        pk=invoice_id,
    )


def payment_get(actor: Actor, payment_id: int) -> Payment:
    return get_object_or_404(
        selectors.payments_visible_to(actor).select_related(
            "customer", "entry", "order", "refund_of", "created_by"
        ),
        pk=payment_id,
    )


def customer_in_scope(actor: Actor, customer_id: int) -> Customer:
    return get_object_or_404(
        customers_visible_to(actor).select_related("owner", "branch", "region"), pk=customer_id
    )
