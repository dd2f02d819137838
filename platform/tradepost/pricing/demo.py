"""Demo promotions: 5 % off the first category and buy-10-get-1 for the dealers' group,
written through the services (see `tradepost.demo`). Idempotent: when the workspace
has any promotion it does nothing.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from tradepost.accounts.models import User
from tradepost.customers.demo import demo_customers
from tradepost.customers.models import CustomerGroup
from tradepost.masterdata.demo import demo_products
from tradepost.masterdata.models import ProductCategory
from tradepost.pricing import promotions
from tradepost.pricing.models import Promotion


@transaction.atomic
def seed_demo(*, actor: User) -> int:
    """Create the demo promotions; returns how many were made."""
    if Promotion.objects.exists():
        return 0
    customers = demo_customers()
    products = demo_products()
    if not customers or len(products) < 3:
        return 0
    today = timezone.localdate()

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
    return 2
