"""Fixtures of the settlement tests: the sales organisation (`sales_org`, see
tests/support/org.py) and helpers that take an order to where finance meets it."""

from __future__ import annotations

from decimal import Decimal

from django_tenants.utils import schema_context

from tests.support import factories
from tradepost.sales import orders
from tradepost.sales.models import Order


def confirmed_order(org, customer: str = "rep_own", *, lines=None, **fields) -> Order:
    """An order entered, approved and confirmed by the owner (default: 2 kettles and
    1 toaster, see `factories.order`)."""
    order = factories.order(org, customer, lines=lines, **fields)
    with schema_context(org.schema):
        order = orders.order_submit(actor=org.owner, order=order)
        order = orders.order_approve(actor=org.owner, order=order)
        return orders.order_confirm(actor=org.owner, order=order)


def approved_order(org, customer: str = "rep_own", *, lines=None, **fields) -> Order:
    order = factories.order(org, customer, lines=lines, **fields)
    with schema_context(org.schema):
        order = orders.order_submit(actor=org.owner, order=order)
        return orders.order_approve(actor=org.owner, order=order)


def kettles(org, quantity: str = "2") -> list[dict]:
    return [{"product": org.products["kettle"], "quantity": Decimal(quantity)}]
