"""The demo workspace's sales menu: each app seeds its own documents (`<app>/demo.py`),
in the order they build on each other — the pipeline, pricing (promotions), stock
(locations, opening stock, receipts, transfers), sales (orders and quotes, shipped
through deliveries), then the dealer channel (an agreement with an order under it,
dealers' stock, demand plans, a price adjustment), then settlement (invoices, payments,
rebates, expense claims), sales targets and a year of past orders for the drill-down.
Master data and customers come first (`cli.py`). Every step is idempotent; running it
again adds nothing."""

from __future__ import annotations

from django.db import transaction

from tradepost.accounts.models import User
from tradepost.alerts import demo as alerts_demo
from tradepost.channel import demo as channel_demo
from tradepost.inventory import demo as inventory_demo
from tradepost.pipeline import demo as pipeline_demo
from tradepost.plans import demo as plans_demo
from tradepost.pricing import demo as pricing_demo
from tradepost.reports import demo as reports_demo
from tradepost.sales import demo as sales_demo
from tradepost.settlement import demo as settlement_demo


@transaction.atomic
def seed_sales_menu(*, actor: User) -> int:
    """Seed the pipeline, promotions, orders and quotes, and the channel; returns how
    many orders the sales seed made (0 when the workspace had orders already)."""
    pipeline_demo.seed_demo(actor=actor)
    pricing_demo.seed_demo(actor=actor)
    inventory_demo.seed_stock(actor=actor)  # orders confirm against it
    made = sales_demo.seed_demo(actor=actor)
    inventory_demo.seed_deliveries(actor=actor)
    channel_demo.seed_demo(actor=actor)
    settlement_demo.seed_demo(actor=actor)  # invoices the orders above
    settlement_demo.seed_rebates(actor=actor)
    settlement_demo.seed_expenses(actor=actor)
    plans_demo.seed_demo(actor=actor)  # targets the orders above count towards
    reports_demo.seed_sales_history(actor=actor)  # a year behind, for the drill-down's trend
    alerts_demo.seed_demo(actor=actor)  # the scheduled rules over all of the above
    return made
