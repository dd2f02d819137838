"""The stock rules through the services: reservation on confirm and release on cancel,
deliveries that issue stock, returns, receipts with moving-average cost, transfers in
transit, stocktakes, adjustments, lots first-expiring first, reorder-point events — and
after every story the balances equal the ledger."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django_tenants.utils import schema_context

from api.webhooks.models import WebhookEvent
from tests.support import factories
from tradepost.inventory import deliveries, receipts, stocktakes, transfers
from tradepost.inventory.adjustments import adjustment_post
from tradepost.inventory.checks import ledger_mismatches
from tradepost.inventory.models import Delivery, Reservation, StockBalance, StockMove
from tradepost.masterdata import services as md
from tradepost.masterdata.models import Location
from tradepost.sales import orders
from tradepost.sales.models import Order

D = Decimal


def _wh() -> Location:
    return Location.objects.get(code="WH")


def _balance(product, location=None) -> StockBalance:
    return StockBalance.objects.get(product=product, location=location or _wh())


def _approved(org, lines, customer="rep_own") -> Order:
    order = factories.order(org, customer, lines=lines)
    with schema_context(org.schema):
        order = orders.order_submit(actor=org.owner, order=order)
        return orders.order_approve(actor=org.owner, order=order)


def _store(org, code="S1", name="Store 门店") -> Location:
    with schema_context(org.schema):
        return Location.objects.create(name=name, code=code, kind=Location.Kind.STORE)


def test_confirming_reserves_and_cancelling_releases(sales_org):
    org = sales_org
    kettle = org.products["kettle"]
    order = _approved(org, [{"product": kettle, "quantity": D("7")}])
    with schema_context(org.schema):
        assert order.warehouse == _wh()  # the workspace default serves a customer
        order = orders.order_confirm(actor=org.owner, order=order)
        balance = _balance(kettle)
        assert (balance.on_hand, balance.reserved, balance.available) == (D(1000), D(7), D(993))
        orders.order_cancel(actor=org.owner, order=order, reason="Customer changed plans")
        balance.refresh_from_db()
        assert (balance.reserved, balance.available) == (D(0), D(1000))
        assert ledger_mismatches() == []


def test_an_order_that_cannot_be_reserved_is_refused_and_nothing_is_written(sales_org):
    org = sales_org
    kettle, toaster = org.products["kettle"], org.products["toaster"]
    order = _approved(
        org, [{"product": kettle, "quantity": D("2")}, {"product": toaster, "quantity": D("1001")}]
    )
    with schema_context(org.schema):
        with pytest.raises(ValidationError) as refused:
            orders.order_confirm(actor=org.owner, order=order)
        assert refused.value.message_dict["lines"] == [
            f"Line 2 ({toaster.sku}): 1001 wanted, 1000 available."
        ]
        assert refused.value.error_dict["lines"][0].code == "insufficient_stock"
        order.refresh_from_db()
        assert (order.status, order.number) == (Order.Status.APPROVED, "")
        assert not Reservation.objects.filter(order=order).exists()
        assert _balance(kettle).reserved == 0


def test_deliveries_issue_reserved_stock_partially_and_returns_bring_it_back(sales_org):
    org = sales_org
    kettle = org.products["kettle"]
    warehouse = org.users["warehouse_manager"]
    order = _approved(org, [{"product": kettle, "quantity": D("5")}])
    with schema_context(org.schema):
        order = orders.order_confirm(actor=org.owner, order=order)
        line = order.lines.get()
        first = deliveries.delivery_create(actor=warehouse, order=order, quantities={line.pk: D(2)})
        first = deliveries.delivery_ship(
            actor=warehouse, delivery=first, carrier="SF 顺丰", tracking_number="SF1"
        )
        assert first.order.status == Order.Status.PARTIALLY_SHIPPED
        balance = _balance(kettle)
        assert (balance.on_hand, balance.reserved) == (D(998), D(3))
        with pytest.raises(ValidationError, match="only 3 left to ship"):
            deliveries.delivery_create(actor=warehouse, order=order, quantities={line.pk: D(4)})
        rest = deliveries.delivery_create(actor=warehouse, order=order)
        deliveries.delivery_ship(actor=warehouse, delivery=rest)
        deliveries.delivery_deliver(actor=warehouse, delivery=first)
        order.refresh_from_db()
        assert order.status == Order.Status.SHIPPED  # the second delivery is on its way
        deliveries.delivery_deliver(actor=warehouse, delivery=rest)
        order.refresh_from_db()
        assert order.status == Order.Status.DELIVERED
        balance.refresh_from_db()
        assert (balance.on_hand, balance.reserved) == (D(995), D(0))
        orders.order_return_create(
            actor=org.users["finance_manager"],
            order=order,
            quantities={line.pk: D(1)},
            reason="Dented",
        )
        balance.refresh_from_db()
        assert balance.on_hand == D(996)
        kinds = list(
            StockMove.objects.filter(product=kettle).order_by("pk").values_list("kind", "quantity")
        )
        assert kinds[1:] == [("delivery", D(-2)), ("delivery", D(-3)), ("return", D(1))]
        assert ledger_mismatches() == []


def test_receipts_average_the_cost_and_transfers_show_stock_in_transit(sales_org):
    org = sales_org
    kettle = org.products["kettle"]
    keeper = org.users["warehouse_manager"]
    store = _store(org)
    with schema_context(org.schema):
        receipt = receipts.receipt_create(
            actor=keeper,
            location=_wh(),
            lines=[{"product": kettle, "quantity": D(1000), "unit_cost": D("70")}],
        )
        assert _balance(kettle).on_hand == D(1000)  # a draft moves nothing
        receipts.receipt_receive(actor=keeper, receipt=receipt)
        balance = _balance(kettle)
        # 1000 opened at 50, 1000 received at 70.
        assert (balance.on_hand, balance.average_cost) == (D(2000), D("60.0000"))

        transfer = transfers.transfer_create(
            actor=keeper,
            source=_wh(),
            destination=store,
            lines=[{"product": kettle, "quantity": D(30)}],
        )
        transfers.transfer_ship(actor=keeper, transfer=transfer)
        there = _balance(kettle, store)
        assert (there.on_hand, there.in_transit) == (D(0), D(30))
        assert _balance(kettle).on_hand == D(1970)
        transfers.transfer_receive(actor=keeper, transfer=transfer)
        there.refresh_from_db()
        assert (there.on_hand, there.in_transit, there.average_cost) == (D(30), D(0), D(60))
        too_much = transfers.transfer_create(
            actor=keeper,
            source=store,
            destination=_wh(),
            lines=[{"product": kettle, "quantity": D(31)}],
        )
        with pytest.raises(ValidationError, match="only 30 available at Store"):
            transfers.transfer_ship(actor=keeper, transfer=too_much)
        assert ledger_mismatches() == []


def test_a_stocktake_posts_differences_but_never_below_what_is_reserved(sales_org):
    org = sales_org
    kettle, toaster = org.products["kettle"], org.products["toaster"]
    keeper = org.users["warehouse_manager"]
    order = _approved(org, [{"product": toaster, "quantity": D(10)}])
    with schema_context(org.schema):
        orders.order_confirm(actor=org.owner, order=order)
        count = stocktakes.stocktake_create(actor=keeper, location=_wh(), reason="Month end")
        sheet = {line.product_id: line for line in count.lines.all()}
        assert sheet[kettle.pk].expected == D(1000)
        stocktakes.stocktake_count(
            actor=keeper,
            stocktake=count,
            counts={sheet[kettle.pk].pk: D(990), sheet[toaster.pk].pk: D(5)},
        )
        with pytest.raises(ValidationError, match="10 are reserved"):
            stocktakes.stocktake_post(actor=keeper, stocktake=count)
        assert _balance(kettle).on_hand == D(1000)  # nothing half-posted
        stocktakes.stocktake_count(
            actor=keeper, stocktake=count, counts={sheet[toaster.pk].pk: D(12)}
        )
        stocktakes.stocktake_post(actor=keeper, stocktake=count)
        assert (_balance(kettle).on_hand, _balance(toaster).on_hand) == (D(990), D(12))
        move = StockMove.objects.get(product=kettle, kind="stocktake")
        assert (move.quantity, move.reason, move.reference) == (D(-10), "Month end", count.number)
        assert ledger_mismatches() == []


def test_adjustments_need_a_reason_the_permission_and_the_stock(sales_org):
    org = sales_org
    kettle = org.products["kettle"]
    with schema_context(org.schema):
        line = [{"product": kettle, "quantity": D(-1001)}]
        with pytest.raises(PermissionDenied):
            adjustment_post(
                actor=org.users["salesperson"], location=_wh(), lines=line, reason="Broken"
            )
        with pytest.raises(ValidationError, match="Say why"):
            adjustment_post(
                actor=org.users["warehouse_manager"], location=_wh(), lines=line, reason=" "
            )
        with pytest.raises(ValidationError, match="only 1000 available"):
            adjustment_post(
                actor=org.users["warehouse_manager"], location=_wh(), lines=line, reason="Broken"
            )
        assert _balance(kettle).on_hand == D(1000)
        assert not StockMove.objects.filter(kind="adjustment").exists()


def test_lots_go_first_expiring_first_and_an_expired_lot_never_ships(sales_org):
    org = sales_org
    keeper = org.users["warehouse_manager"]
    today = timezone.localdate()
    with schema_context(org.schema):
        tea = md.product_create(
            actor=org.owner, sku="TEA-1", name="Tea 茶", lot_tracked=True, list_price=D("20")
        )
        receipt = receipts.receipt_create(
            actor=keeper,
            location=_wh(),
            lines=[
                {
                    "product": tea,
                    "quantity": D(5),
                    "unit_cost": D(8),
                    "lot_number": "LATE",
                    "expires_on": today + datetime.timedelta(days=300),
                },
                {
                    "product": tea,
                    "quantity": D(4),
                    "unit_cost": D(8),
                    "lot_number": "SOON",
                    "expires_on": today + datetime.timedelta(days=5),
                },
                {
                    "product": tea,
                    "quantity": D(9),
                    "unit_cost": D(8),
                    "lot_number": "GONE",
                    "expires_on": today - datetime.timedelta(days=1),
                },
            ],
        )
        receipts.receipt_receive(actor=keeper, receipt=receipt)
    order = _approved(org, [{"product": tea, "quantity": D(6)}])
    with schema_context(org.schema):
        order = orders.order_confirm(actor=org.owner, order=order)
        picked = deliveries.delivery_create(actor=keeper, order=order)
        assert [(row.lot.number, row.quantity) for row in picked.lines.order_by("pk")] == [
            ("SOON", D(4)),
            ("LATE", D(2)),
        ]
        deliveries.delivery_cancel(actor=keeper, delivery=picked)
        gone = tea.lots.get(number="GONE")
        with pytest.raises(ValidationError, match="GONE of TEA-1 expired"):
            deliveries.delivery_create(actor=keeper, order=order, lots={order.lines.get().pk: gone})
        order = orders.order_ship(actor=keeper, order=order)  # FEFO again
        assert order.status == Order.Status.SHIPPED
        on_hand = {b.lot.number: b.on_hand for b in tea.lots.get(number="SOON").balances.all()}
        assert on_hand == {"SOON": D(0)}
        assert ledger_mismatches() == []


def test_crossing_the_reorder_point_emits_stock_low_once(sales_org):
    org = sales_org
    kettle = org.products["kettle"]
    factories.webhook_endpoint(org.workspace, event_types=["stock.low"])
    with schema_context(org.schema):
        StockBalance.objects.filter(product=kettle, location=_wh()).update(reorder_point=D(995))
        for quantity in (D(3), D(3), D(3)):
            adjustment_post(
                actor=org.users["warehouse_manager"],
                location=_wh(),
                lines=[{"product": kettle, "quantity": -quantity}],
                reason="Breakage",
            )
        low = WebhookEvent.objects.filter(event_type="stock.low")
        assert low.count() == 1  # 997 → 994 crossed it; 994 → 991 was already low
        assert low.get().payload["available"] == "994.000"


def test_the_database_refuses_a_negative_balance_and_the_check_finds_drift(sales_org):
    org = sales_org
    kettle = org.products["kettle"]
    with schema_context(org.schema):
        with pytest.raises(IntegrityError), transaction.atomic():
            StockBalance.objects.filter(product=kettle).update(on_hand=D(-1))
        call_command("stock_check", schema=org.schema)
        StockBalance.objects.filter(product=kettle).update(on_hand=D(999))
        with pytest.raises(CommandError):
            call_command("stock_check", schema=org.schema)
        assert ledger_mismatches() == [
            f"on hand ({kettle.pk}, {_wh().pk}): balance 999.000, ledger 1000.000"
        ]


def test_a_delivery_shipped_or_delivered_is_announced(sales_org):
    org = sales_org
    factories.webhook_endpoint(
        org.workspace, event_types=["delivery.shipped", "delivery.delivered"]
    )
    order = _approved(org, [{"product": org.products["kettle"], "quantity": D(1)}])
    with schema_context(org.schema):
        order = orders.order_confirm(actor=org.owner, order=order)
        order = orders.order_ship(actor=org.users["warehouse_manager"], order=order)
        orders.order_deliver(actor=org.users["warehouse_manager"], order=order)
        delivery = Delivery.objects.get(order=order)
        sent = list(WebhookEvent.objects.order_by("pk").values_list("event_type", "payload"))
        assert [kind for kind, _payload in sent] == ["delivery.shipped", "delivery.delivered"]
        assert sent[0][1]["number"] == delivery.number
