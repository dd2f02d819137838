"""Demo dealer channel: a master agreement with an order under it, the dealers' stock
reports and next month's demand plans, and a price adjustment, written through the
services after the sales seed (see `tradepost.demo`). Idempotent: when the workspace
has any agreement it does nothing.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from tradepost.accounts.models import User
from tradepost.channel import adjustments, agreements, plans, stock
from tradepost.channel.models import Agreement
from tradepost.customers.demo import demo_customers
from tradepost.masterdata.demo import demo_products
from tradepost.sales import orders


@transaction.atomic
def seed_demo(*, actor: User) -> int:
    """Create the demo agreement, stock reports, plans and price adjustment; returns
    how many dealers they concern."""
    if Agreement.objects.exists():
        return 0
    customers = demo_customers()
    products = demo_products()
    if not customers or len(products) < 3:
        return 0
    today = timezone.localdate()

    dealers = [customer for customer in customers if customer.is_reseller]
    if dealers:
        dealer = dealers[0]
        agreement = agreements.agreement_create(
            actor=actor,
            customer=dealer,
            name="2027 framework agreement 年度框架协议",
            starts_on=today - datetime.timedelta(days=1),
            ends_on=today + datetime.timedelta(days=365),
            lines=[
                {
                    "product": product,
                    "unit_price": (product.list_price * Decimal("0.9")).quantize(Decimal("0.01")),
                    "max_quantity": Decimal("500"),
                }
                for product in products[:3]
            ],
        )
        agreement = agreements.agreement_activate(actor=actor, agreement=agreement)
        orders.order_create(
            actor=actor,
            customer=dealer,
            agreement=agreement,
            lines=[{"product": products[0], "quantity": Decimal("40")}],
        )
        for index, each in enumerate(dealers[:3]):
            stock.stock_report_create(
                actor=actor,
                dealer=each,
                product=products[0],
                quantity=Decimal(30 + 10 * index),
                as_of=today - datetime.timedelta(days=2),
            )
            plan = plans.demand_plan_save(
                actor=actor,
                dealer=each,
                month=plans.next_month(),
                lines=[
                    {"product": products[0], "quantity": Decimal(100 + 20 * index)},
                    {"product": products[1], "quantity": Decimal("50")},
                ],
            )
            plans.demand_plan_submit(actor=actor, plan=plan)
        adjustments.price_adjustment_create(
            actor=actor,
            product=products[0],
            new_price=(products[0].list_price * Decimal("0.92")).quantize(Decimal("0.01")),
            effective_on=today,
            basis="reported_stock",
        )
    return len(dealers[:3])
