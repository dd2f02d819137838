"""Documents made through the services, as the owner or the warehouse would, for the
inventory API tests."""

from __future__ import annotations

from decimal import Decimal

from django_tenants.utils import schema_context

from tradepost.inventory import receipts, transfers
from tradepost.sales import orders


def confirmed_order(org, quantity=Decimal("3"), *, customer="rep_own", product="kettle"):
    """An order of `quantity` of `product`, confirmed (so its stock is reserved)."""
    with schema_context(org.schema):
        order = orders.order_create(
            actor=org.owner,
            customer=org.customers[customer],
            lines=[{"product": org.products[product], "quantity": quantity}],
        )
        order = orders.order_submit(actor=org.owner, order=order)
        order = orders.order_approve(actor=org.owner, order=order)
        return orders.order_confirm(actor=org.owner, order=order)


def approved_order(org, quantity, *, product="kettle", warehouse=None):
    with schema_context(org.schema):
        order = orders.order_create(
            actor=org.owner,
            customer=org.customers["rep_own"],
            lines=[{"product": org.products[product], "quantity": quantity}],
            warehouse=warehouse,
        )
        order = orders.order_submit(actor=org.owner, order=order)
        return orders.order_approve(actor=org.owner, order=order)


def draft_receipt(org, location, quantity=Decimal("5"), *, product="kettle", cost="40"):
    with schema_context(org.schema):
        return receipts.receipt_create(
            actor=org.owner,
            location=location,
            lines=[
                {
                    "product": org.products[product],
                    "quantity": Decimal(quantity),
                    "unit_cost": Decimal(cost),
                }
            ],
        )


def requested_transfer(org, source, destination, quantity=Decimal("2"), *, product="kettle"):
    with schema_context(org.schema):
        return transfers.transfer_create(
            actor=org.owner,
            source=source,
            destination=destination,
            lines=[{"product": org.products[product], "quantity": Decimal(quantity)}],
        )
