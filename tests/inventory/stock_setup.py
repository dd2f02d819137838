"""What the inventory page tests share: the main warehouse, a second place, a
supplier, a received receipt and a confirmed order — made through the services."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.utils import timezone
from django_tenants.utils import schema_context

from tests.support import factories
from tradepost.inventory import receipts
from tradepost.masterdata import services as md
from tradepost.masterdata.models import Location
from tradepost.masterdata.services import location_create, supplier_create
from tradepost.sales import orders

ROLES = (
    "owner",
    "executive",
    "sales_manager",
    "salesperson",
    "warehouse_manager",
    "finance_manager",
    "customer_information_manager",
    "dealer",
)


def main_warehouse(org) -> Location:
    with schema_context(org.schema):
        return Location.objects.get(is_default=True, branch__isnull=True)


def store(org, code: str = "ST-1", name: str = "Nanjing Road store 南京路店") -> Location:
    with schema_context(org.schema):
        return location_create(actor=org.owner, name=name, code=code, kind="store")


def supplier(org, name: str = "Guangzhou Appliances 广州电器"):
    with schema_context(org.schema):
        return supplier_create(actor=org.owner, name=name, code=f"S-{name}"[:40])


def received(org, quantity: str = "5", product: str = "kettle", location=None):
    with schema_context(org.schema):
        receipt = receipts.receipt_create(
            actor=org.owner,
            location=location or Location.objects.get(is_default=True, branch__isnull=True),
            lines=[
                {
                    "product": org.products[product],
                    "quantity": Decimal(quantity),
                    "unit_cost": Decimal("60"),
                }
            ],
        )
        return receipts.receipt_receive(actor=org.owner, receipt=receipt)


def confirmed_order(org, quantity: str = "3", customer: str = "rep_own"):
    order = factories.order(
        org,
        customer,
        lines=[{"product": org.products["kettle"], "quantity": Decimal(quantity)}],
    )
    with schema_context(org.schema):
        order = orders.order_submit(actor=org.owner, order=order)
        order = orders.order_approve(actor=org.owner, order=order, comment="")
        return orders.order_confirm(actor=org.owner, order=order)


def management_form(prefix: str = "lines", total: int = 1) -> dict[str, str]:
    return {
        f"{prefix}-TOTAL_FORMS": str(total),
        f"{prefix}-INITIAL_FORMS": "0",
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "500",
    }


def tea_in_lots(org, location=None):
    """A lot-tracked tea at the main warehouse (or `location`) in three lots: SOON (4,
    expires in 5 days), LATE (5, in 300 days) and GONE (9, expired yesterday)."""
    today = timezone.localdate()
    with schema_context(org.schema):
        tea = md.product_create(
            actor=org.owner, sku="TEA-1", name="Tea 茶", lot_tracked=True, list_price=Decimal("20")
        )
        lots = (("SOON", "4", 5), ("LATE", "5", 300), ("GONE", "9", -1))
        receipt = receipts.receipt_create(
            actor=org.owner,
            location=location or Location.objects.get(is_default=True, branch__isnull=True),
            lines=[
                {
                    "product": tea,
                    "quantity": Decimal(quantity),
                    "unit_cost": Decimal("8"),
                    "lot_number": number,
                    "expires_on": today + datetime.timedelta(days=days),
                }
                for number, quantity, days in lots
            ],
        )
        receipts.receipt_receive(actor=org.owner, receipt=receipt)
        return tea, {lot.number: lot for lot in tea.lots.all()}


def confirmed_order_of(org, product, quantity: str):
    order = factories.order(
        org, "rep_own", lines=[{"product": product, "quantity": Decimal(quantity)}]
    )
    with schema_context(org.schema):
        order = orders.order_submit(actor=org.owner, order=order)
        order = orders.order_approve(actor=org.owner, order=order, comment="")
        return orders.order_confirm(actor=org.owner, order=order)
