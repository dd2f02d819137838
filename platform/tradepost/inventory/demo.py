"""Demo stock: the head-office warehouse and two stores, a supplier or two, opening
stock, receipts, transfers (one in transit), reorder points (one product low), and a
lot-tracked tea with lots near expiry. Deliveries in every state come from the sales
seed (its orders ship through deliveries) plus `seed_deliveries`.

`seed_stock` runs before the sales seed (confirming orders needs stock) and
`seed_deliveries` after it (`tradepost.demo`). Both write through the services and do
nothing when the workspace already has stock moves / a picking delivery.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from tradepost.accounts.models import User
from tradepost.inventory import deliveries, receipts, transfers
from tradepost.inventory.adjustments import adjustment_post
from tradepost.inventory.models import Delivery, StockBalance, StockMove
from tradepost.masterdata import services as md
from tradepost.masterdata.demo import demo_products
from tradepost.masterdata.models import Branch, Location, Product, ProductCategory, Supplier
from tradepost.sales.models import Order

TEA_SKU = "TEA-9001"


@transaction.atomic
def seed_stock(*, actor: User) -> int:
    """Locations, suppliers, opening stock, receipts, transfers; returns the moves made."""
    if StockMove.objects.exists():
        return 0
    products = demo_products()
    if not products:
        return 0
    today = timezone.localdate()
    hq = Location.objects.filter(is_default=True, branch__isnull=True).first()
    if hq is None:
        hq = Location.objects.create(name="Main warehouse", code="WH", is_default=True)
    hq.name, hq.address = "HQ warehouse 总仓", "上海市浦东新区外高桥保税区港澳路 88 号"
    hq.save(update_fields=["name", "address", "updated_at"])
    branches = {b.code: b for b in Branch.objects.filter(code__in=["SH-XJH", "GZ"])}
    xujiahui = Location.objects.create(
        name="Xujiahui store 徐家汇门店",
        code="S-XJH",
        kind=Location.Kind.STORE,
        branch=branches.get("SH-XJH"),
        address="上海市徐汇区漕溪北路 18 号",
        is_default=branches.get("SH-XJH") is not None,
    )
    guangzhou = Location.objects.create(
        name="Tianhe store 天河门店",
        code="S-TH",
        kind=Location.Kind.STORE,
        branch=branches.get("GZ"),
        address="广州市天河区天河路 208 号",
        is_default=branches.get("GZ") is not None,
    )
    midea = Supplier.objects.create(
        name="Foshan Home Appliance Co. 佛山家电有限公司",
        code="SUP-FS",
        contact_name="陈经理",
        phone="0757-2283 0000",
    )
    Supplier.objects.create(
        name="Hangzhou Tea Garden 杭州茶园",
        code="SUP-HZ",
        contact_name="王女士",
        phone="0571-8796 0000",
    )
    tea_category = ProductCategory.objects.filter(code="HOM-DRK").first()
    tea = Product.objects.filter(sku=TEA_SKU).first() or md.product_create(
        actor=actor,
        sku=TEA_SKU,
        name="Longjing green tea 250g 龙井绿茶",
        unit="罐",
        list_price=Decimal("128.00"),
        category=tea_category,
        lot_tracked=True,
    )
    adjustment_post(
        actor=actor,
        location=hq,
        reason="Opening stock 期初库存",
        opening=True,
        lines=[
            {
                "product": product,
                "quantity": Decimal(150 + 10 * (index % 5)),
                "unit_cost": (product.list_price * Decimal("0.55")).quantize(Decimal("0.01")),
            }
            for index, product in enumerate(products)
        ],
    )
    for store in (xujiahui, guangzhou):
        adjustment_post(
            actor=actor,
            location=store,
            reason="Opening stock 期初库存",
            opening=True,
            lines=[
                {
                    "product": product,
                    "quantity": Decimal(30),
                    "unit_cost": (product.list_price * Decimal("0.55")).quantize(Decimal("0.01")),
                }
                for product in products
            ],
        )
    # The tea: one lot expiring in ten days, one in half a year, one just in.
    tea_lots = [
        ("LJ-2026-031", today + datetime.timedelta(days=10), 24),
        ("LJ-2026-058", today + datetime.timedelta(days=180), 60),
    ]
    received = receipts.receipt_create(
        actor=actor,
        location=hq,
        supplier=Supplier.objects.get(code="SUP-HZ"),
        supplier_reference="HZ-2026-1107",
        lines=[
            {
                "product": tea,
                "quantity": Decimal(qty),
                "unit_cost": Decimal("64.00"),
                "lot_number": number,
                "expires_on": expires,
            }
            for number, expires, qty in tea_lots
        ],
    )
    receipts.receipt_receive(actor=actor, receipt=received)
    restock = receipts.receipt_create(
        actor=actor,
        location=hq,
        supplier=midea,
        supplier_reference="FS-PO-8821",
        lines=[
            {
                "product": product,
                "quantity": Decimal(40),
                "unit_cost": (product.list_price * Decimal("0.5")).quantize(Decimal("0.01")),
            }
            for product in products[:4]
        ],
    )
    receipts.receipt_receive(actor=actor, receipt=restock)
    receipts.receipt_create(  # on its way: entered, not received yet
        actor=actor,
        location=hq,
        supplier=midea,
        supplier_reference="FS-PO-8840",
        lines=[
            {
                "product": products[4],
                "quantity": Decimal(60),
                "unit_cost": (products[4].list_price * Decimal("0.5")).quantize(Decimal("0.01")),
            }
        ],
    )
    done = transfers.transfer_create(
        actor=actor,
        source=hq,
        destination=xujiahui,
        notes="Weekly restock 每周补货",
        lines=[{"product": product, "quantity": Decimal(6)} for product in products[:3]],
    )
    transfers.transfer_ship(actor=actor, transfer=done)
    transfers.transfer_receive(actor=actor, transfer=done)
    moving = transfers.transfer_create(  # 异地调拨: one store helps the other
        actor=actor,
        source=xujiahui,
        destination=guangzhou,
        notes="异地调拨",
        lines=[{"product": products[1], "quantity": Decimal(4)}],
    )
    transfers.transfer_ship(actor=actor, transfer=moving)
    # Reorder points: comfortable for most, one product running low at a store.
    StockBalance.objects.filter(location=hq).update(reorder_point=Decimal(20))
    StockBalance.objects.filter(location=guangzhou, product=products[7]).update(
        reorder_point=Decimal(40)  # 30 on hand at most: below it
    )
    return StockMove.objects.count()


@transaction.atomic
def seed_deliveries(*, actor: User) -> int:
    """A pick list for a confirmed demo order and one cancelled, so the delivery list
    shows every state; returns how many it made."""
    if Delivery.objects.filter(status=Delivery.Status.PICKING).exists():
        return 0
    confirmed = list(Order.objects.filter(status=Order.Status.CONFIRMED).order_by("pk")[:1])
    made = 0
    for order in confirmed:
        line = order.lines.order_by("position").first()
        if line is None:
            continue
        dropped = deliveries.delivery_create(
            actor=actor, order=order, quantities={line.pk: Decimal(1)}
        )
        deliveries.delivery_cancel(actor=actor, delivery=dropped)
        deliveries.delivery_create(
            actor=actor,
            order=order,
            carrier="SF Express 顺丰速运",
            tracking_number="SF1402 8833 9021",
        )
        made += 2
    for delivery in Delivery.objects.filter(status=Delivery.Status.SHIPPED, carrier=""):
        deliveries.delivery_update(
            actor=actor,
            delivery=delivery,
            carrier="ZTO 中通快递",
            tracking_number=f"ZT7{delivery.pk:08d}",
        )
    return made
