"""Demo pipeline: an opportunity in every stage, written through the services (see
`tradepost.demo`). Idempotent: when the workspace has any opportunity it does nothing.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from itertools import cycle

from django.db import transaction
from django.utils import timezone

from tradepost.accounts.models import User
from tradepost.customers.demo import demo_customers
from tradepost.masterdata.demo import demo_products
from tradepost.pipeline import services as pipeline
from tradepost.pipeline.models import Opportunity, Stage

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


@transaction.atomic
def seed_demo(*, actor: User) -> int:
    """Create the demo opportunities; returns how many were made."""
    if Opportunity.objects.exists():
        return 0
    customers = demo_customers()
    products = demo_products()
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
    return len(OPPORTUNITIES)
