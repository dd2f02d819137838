"""Demo sales: a pipeline across every stage, quotes, orders in each state of their
life (one returned), two promotions, a master agreement with an order under it,
dealers' stock reports and next month's demand plans, and a price adjustment.

`seed_demo()` runs inside the demo workspace's schema after the customers seed and
writes through the services, so the audit log and the numbering read right. It is
idempotent: when the workspace has any opportunity or order it does nothing.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from itertools import cycle

from django.db import transaction
from django.utils import timezone

from tradepost.accounts.models import User
from tradepost.customers.models import Customer, CustomerGroup
from tradepost.masterdata.models import Product, ProductCategory
from tradepost.sales import adjustments, agreements, orders, pipeline, plans, promotions, quotes
from tradepost.sales.models import Opportunity, Order, Stage

OPPORTUNITIES = [
    ("Kitchen refit, 40 stores 门店厨房升级", Stage.PROSPECT, "120000.00"),
    ("Spring catalogue listing 春季目录", Stage.INTEREST, "45000.00"),
    ("Hotel chain kettles 连锁酒店电水壶", Stage.DIAGNOSIS, "88000.00"),
    ("Office pantry programme 办公茶水间", Stage.VISION, "36000.00"),
    ("New-year gift boxes 新年礼盒", Stage.PROPOSAL, "150000.00"),
    ("Regional distribution 区域分销", Stage.NEGOTIATION, "260000.00"),
    ("School canteens 学校食堂", Stage.WON, "64000.00"),
    ("Export trial 出口试单", Stage.LOST, "30000.00"),
]


def _lines(products: list[Product], start: int, count: int = 3) -> list[dict]:
    chosen = [products[(start + step) % len(products)] for step in range(count)]
    return [
        {"product": product, "quantity": str(5 * (index + 1) + start % 4)}
        for index, product in enumerate(chosen)
    ]


@transaction.atomic
def seed_demo(*, actor: User) -> int:
    """Create the demo sales documents; returns how many orders were made."""
    if Opportunity.objects.exists() or Order.objects.exists():
        return 0
    customers = list(Customer.objects.filter(is_active=True).order_by("code")[:12])
    products = list(Product.objects.filter(is_active=True, currency="CNY").order_by("sku")[:20])
    if not customers or len(products) < 3:
        return 0
    today = timezone.localdate()
    customer_cycle = cycle(customers)

    for index, (name, stage, amount) in enumerate(OPPORTUNITIES):
        opportunity = pipeline.opportunity_create(
            actor=actor,
            customer=next(customer_cycle),
            name=name,
            amount=Decimal(amount),
            expected_close=today + datetime.timedelta(days=20 * (index + 1)),
        )
        if stage != Stage.PROSPECT:
            reason = {Stage.WON: "Best delivery terms", Stage.LOST: "Price"}.get(stage, "")
            pipeline.opportunity_move(
                actor=actor, opportunity=opportunity, stage=stage, reason=reason
            )

    dealers_group = CustomerGroup.objects.order_by("name").first()
    kitchen = ProductCategory.objects.order_by("path").first()
    promotions.promotion_create(
        actor=actor,
        name="Year-end 5 % off 年终九五折",
        kind="percent_off",
        percent=Decimal("5"),
        starts_on=today - datetime.timedelta(days=7),
        ends_on=today + datetime.timedelta(days=35),
        categories=[kitchen] if kitchen else [],
    )
    promotions.promotion_create(
        actor=actor,
        name="Dealers: buy 10 get 1 free 经销商买十送一",
        kind="buy_x_get_y",
        buy_quantity=10,
        free_quantity=1,
        starts_on=today - datetime.timedelta(days=7),
        ends_on=today + datetime.timedelta(days=60),
        products=products[:2],
        customer_groups=[dealers_group] if dealers_group else [],
        priority=1,
    )

    made: list[Order] = []
    for index, customer in enumerate(customers[:10]):
        made.append(
            orders.order_create(
                actor=actor,
                customer=customer,
                lines=_lines(products, index),
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
            orders.order_ship(actor=actor, order=order, quantities={line.pk: "1"})  # type: ignore[union-attr]
        if index in (7, 8):
            order = orders.order_ship(actor=actor, order=order)
            order = orders.order_deliver(actor=actor, order=order)
        if index == 7:
            line = order.lines.order_by("position").first()
            orders.order_return_create(
                actor=actor,
                order=order,
                quantities={line.pk: "1"},  # type: ignore[union-attr]
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
            lines=_lines(products, index + 3, 2),
            valid_until=today + datetime.timedelta(days=3 + index * 10),
        )
        if index == 0:
            quotes.quote_send(actor=actor, quote=quote)

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
            lines=[{"product": products[0], "quantity": "40"}],
        )
        for index, each in enumerate(dealers[:3]):
            adjustments.stock_report_create(
                actor=actor,
                dealer=each,
                product=products[0],
                quantity=str(30 + 10 * index),
                as_of=today - datetime.timedelta(days=2),
            )
            plan = plans.demand_plan_save(
                actor=actor,
                dealer=each,
                month=plans.next_month(),
                lines=[
                    {"product": products[0], "quantity": str(100 + 20 * index)},
                    {"product": products[1], "quantity": "50"},
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
    return len(made)
