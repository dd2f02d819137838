"""Demo sales: orders in each state of their life (one returned) and quotes.

`seed_demo()` runs inside the demo workspace's schema after the customers seed, the
pipeline's and the promotions' (`tradepost.demo` runs them in order), and writes
through the services, so the audit log and the numbering read right. It is
idempotent: when the workspace has any order it does nothing.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from tradepost.accounts.models import User
from tradepost.customers.demo import demo_customers
from tradepost.masterdata.demo import demo_products
from tradepost.masterdata.models import Product
from tradepost.pricing.documents import LineInput
from tradepost.sales import orders, quotes
from tradepost.sales.models import Order


def demo_lines(products: list[Product], start: int, count: int = 3) -> list[LineInput]:
    chosen = [products[(start + step) % len(products)] for step in range(count)]
    return [
        {"product": product, "quantity": Decimal(5 * (index + 1) + start % 4)}
        for index, product in enumerate(chosen)
    ]


@transaction.atomic
def seed_demo(*, actor: User) -> int:
    """Create the demo orders and quotes; returns how many orders were made."""
    if Order.objects.exists():
        return 0
    customers = demo_customers()
    products = demo_products()
    if not customers or len(products) < 3:
        return 0
    today = timezone.localdate()

    made: list[Order] = []
    for index, customer in enumerate(customers[:10]):
        made.append(
            orders.order_create(
                actor=actor,
                customer=customer,
                lines=demo_lines(products, index),
                requested_delivery_date=today + datetime.timedelta(days=7 + index),
            )
        )
    # Walk them to different points of their life: 0–1 drafts, 2 submitted, 3 rejected,
    # 4 approved, 5 confirmed, 6 partly shipped, 7 delivered (with a return), 8 closed,
    # 9 cancelled.
    for index, order in enumerate(made):
        if index >= 2 and index != 9:
            order = orders.order_submit(actor=actor, order=order)
        if index == 3:
            orders.order_reject(actor=actor, order=order, comment="Please check the quantities")
            continue
        if index >= 4 and index != 9:
            order = orders.order_approve(actor=actor, order=order, comment="OK")
        if index >= 5 and index != 9:
            order = orders.order_confirm(actor=actor, order=order)
        if index == 6:
            line = order.lines.order_by("position").first()
            orders.order_ship(actor=actor, order=order, quantities={line.pk: Decimal(1)})  # type: ignore[union-attr]
        if index in (7, 8):
            order = orders.order_ship(actor=actor, order=order)
            order = orders.order_deliver(actor=actor, order=order)
        if index == 7:
            line = order.lines.order_by("position").first()
            orders.order_return_create(
                actor=actor,
                order=order,
                quantities={line.pk: Decimal(1)},  # type: ignore[union-attr]
                reason="Damaged in transit",
            )
        if index == 8:
            orders.order_close(actor=actor, order=order)
        if index == 9:
            orders.order_cancel(actor=actor, order=order, reason="Customer changed plans")

    for index, customer in enumerate(customers[:3]):
        quote = quotes.quote_create(
            actor=actor,
            customer=customer,
            lines=demo_lines(products, index + 3, 2),
            valid_until=today + datetime.timedelta(days=3 + index * 10),
        )
        if index == 0:
            quotes.quote_send(actor=actor, quote=quote)
    return len(made)
