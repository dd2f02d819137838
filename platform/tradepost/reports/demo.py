"""Demo data for the sales drill-down: a year of confirmed orders behind today's, so the
charts have a trend to draw. The orders go through the order services (created with an
order date in each past month, submitted, approved, confirmed), so the sales rollup
fills from them as in a real workspace; finally the rollup is rebuilt from the
documents, as the report's rebuild button would. Idempotent: the orders carry a note,
and a workspace that has one gets nothing more."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction

from tradepost.accounts.models import User
from tradepost.customers.demo import demo_customers
from tradepost.masterdata.demo import demo_products
from tradepost.pricing.documents import LineInput
from tradepost.reports import rollup
from tradepost.reports.sales_rollup import sales_rollup_rebuild
from tradepost.sales import orders
from tradepost.sales.models import Order

MONTHS = 11
PER_MONTH = 4
NOTE = "Demo history"


@transaction.atomic
def seed_sales_history(*, actor: User) -> int:
    """Confirmed orders in each of the last `MONTHS` months; returns how many."""
    this_month = rollup.current_month()
    if Order.objects.filter(notes=NOTE).exists():
        return 0
    customers = demo_customers()
    products = demo_products()
    if not customers or len(products) < 3:
        return 0
    made = 0
    month = this_month
    for back in range(1, MONTHS + 1):
        month = rollup.previous_month(month)
        for index in range(PER_MONTH):
            customer = customers[(back * 3 + index) % len(customers)]
            lines: list[LineInput] = [
                {
                    "product": products[(back + index + step) % len(products)],
                    "quantity": Decimal(1 + (back + index * step) % 3),
                }
                for step in range(2)
            ]
            day = month + datetime.timedelta(days=(index * 7) % 27)
            try:
                with transaction.atomic():
                    order = orders.order_create(
                        actor=actor, customer=customer, lines=lines, order_date=day, notes=NOTE
                    )
                    order = orders.order_submit(actor=actor, order=order)
                    order = orders.order_approve(actor=actor, order=order)
                    orders.order_confirm(actor=actor, order=order)
                made += 1
            except ValidationError:  # out of stock, over the credit limit: skip it
                continue
    sales_rollup_rebuild()
    return made
