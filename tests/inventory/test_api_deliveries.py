"""`/api/v1/deliveries/` and the inventory side of `/api/v1/orders/`: an order's
warehouse, confirmation that reserves stock (or is refused with the short lines and
writes nothing), pick lists shipped and signed for with the stock following, the
`delivery.shipped` webhook, dealers who see only their own deliveries, isolation and
pinned list queries."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django_tenants.utils import schema_context

from api.webhooks.models import WebhookDelivery, WebhookEvent
from tests.inventory.documents import approved_order, confirmed_order
from tests.support import factories
from tests.support.api import list_count
from tests.support.factories import count_rows
from tests.support.queries import assert_list_queries
from tradepost.inventory import deliveries
from tradepost.inventory.models import Delivery, Reservation, StockBalance
from tradepost.masterdata import services as md
from tradepost.sales.models import Order

DELIVERIES = "/api/v1/deliveries/"
ORDERS = "/api/v1/orders/"


def _stock(org, product="kettle", code="WH") -> StockBalance:
    with schema_context(org.schema):
        return StockBalance.objects.get(product=org.products[product], location__code=code)


def _picked(org, order, quantity=None):
    with schema_context(org.schema):
        line = order.lines.get()
        return deliveries.delivery_create(
            actor=org.users["warehouse_manager"],
            order=order,
            quantities=None if quantity is None else {line.pk: Decimal(quantity)},
        )


# --- The walk-through ------------------------------------------------------------------
def test_goods_received_reserved_by_an_order_picked_shipped_and_signed_for(sales_org, admin, wh):
    kettle = sales_org.products["kettle"].pk
    warehouse = sales_org.api("warehouse_manager")
    receipt = warehouse.post(
        "/api/v1/receipts/",
        {"warehouse": wh.pk, "lines": [{"product": kettle, "quantity": "10", "unit_cost": "60"}]},
    ).json()
    assert warehouse.post(f"/api/v1/receipts/{receipt['id']}/receive/").status_code == 200

    order = admin.post(
        ORDERS,
        {
            "customer": sales_org.customers["rep_own"].pk,
            "lines": [{"product": kettle, "quantity": "15"}],
        },
    ).json()
    assert order["warehouse"] == wh.pk  # the workspace's default location
    for step in ("submit", "approve", "confirm"):
        response = admin.post(f"{ORDERS}{order['id']}/{step}/")
        assert response.status_code == 200, (step, response.json())
    stock = warehouse.rows("/api/v1/stock/", product=kettle)[0]
    assert (stock["on_hand"], stock["reserved"], stock["available"]) == (
        "1010.000",
        "15.000",
        "995.000",
    )

    line = response.json()["lines"][0]["id"]
    picked = warehouse.post(
        DELIVERIES,
        {
            "order": order["id"],
            "lines": [{"order_line": line, "quantity": "15"}],
            "carrier": "SF Express 顺丰",
        },
    )
    assert picked.status_code == 201, picked.json()
    delivery = picked.json()
    assert delivery["number"].startswith("DN-") and delivery["status"] == "picking"
    assert delivery["allowed_actions"] == ["edit", "pick", "ship", "cancel"]
    assert (delivery["warehouse"], delivery["customer"]) == (
        wh.pk,
        sales_org.customers["rep_own"].pk,
    )
    path = f"{DELIVERIES}{delivery['id']}/"
    shipped = warehouse.post(f"{path}ship/", {"tracking_number": "SF123456789"})
    assert shipped.status_code == 200, shipped.json()
    assert (shipped.json()["status"], shipped.json()["tracking_number"]) == (
        "shipped",
        "SF123456789",
    )
    assert admin.get(f"{ORDERS}{order['id']}/").json()["status"] == "shipped"
    signed = warehouse.post(f"{path}deliver/")
    assert signed.status_code == 200 and signed.json()["status"] == "delivered"
    assert admin.get(f"{ORDERS}{order['id']}/").json()["status"] == "delivered"

    stock = warehouse.rows("/api/v1/stock/", product=kettle)[0]
    assert (stock["on_hand"], stock["reserved"], stock["available"]) == (
        "995.000",  # 1000 + 10 − 15
        "0.000",
        "995.000",
    )
    assert stock["average_cost"] == "50.0990"  # (1000 × 50 + 10 × 60) / 1010
    kinds = [row["kind"] for row in warehouse.rows("/api/v1/stock-moves/", product=kettle)]
    assert kinds == ["delivery", "receipt", "opening"]


# --- Orders: warehouse and confirmation --------------------------------------------------
def test_an_order_names_its_warehouse_which_must_be_active(sales_org, admin, wh, store):
    kettle = sales_org.products["kettle"].pk
    body = {
        "customer": sales_org.customers["rep_own"].pk,
        "lines": [{"product": kettle, "quantity": "1"}],
    }
    made = admin.post(ORDERS, {**body, "warehouse": store.pk})
    assert made.status_code == 201, made.json()
    assert made.json()["warehouse"] == store.pk
    assert admin.get(ORDERS).json()["results"][0]["warehouse"] == store.pk
    with schema_context(sales_org.schema):
        closed = md.location_create(
            actor=sales_org.owner, name="Closed depot", code="CLOSED", is_active=False
        )
    for bad in (closed.pk, 999999, "WH"):
        refused = admin.post(ORDERS, {**body, "warehouse": bad})
        assert refused.status_code == 400, bad
        assert "warehouse" in refused.json()["errors"]
    moved = admin.patch(f"{ORDERS}{made.json()['id']}/", {"warehouse": closed.pk})
    assert moved.status_code == 400 and "warehouse" in moved.json()["errors"]
    back = admin.patch(f"{ORDERS}{made.json()['id']}/", {"warehouse": wh.pk})
    assert (back.status_code, back.json()["warehouse"]) == (200, wh.pk)
    assert count_rows(sales_org, Order) == 1


def test_confirming_an_order_that_cannot_be_reserved_is_400_and_writes_nothing(sales_org, admin):
    short = approved_order(sales_org, Decimal("1500"))

    response = admin.post(f"{ORDERS}{short.pk}/confirm/")

    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "insufficient_stock"
    assert body["errors"]["lines"] == ["Line 1 (KT-1): 1500 wanted, 1000 available."]
    assert body["message"] == "Line 1 (KT-1): 1500 wanted, 1000 available."
    with schema_context(sales_org.schema):
        short.refresh_from_db()
        assert (short.status, short.number) == ("approved", "")
        assert not Reservation.objects.exists()
    assert _stock(sales_org).reserved == Decimal("0")
    # No number was used up: the next order confirmed gets the first one.
    fits = approved_order(sales_org, Decimal("2"))
    confirmed = admin.post(f"{ORDERS}{fits.pk}/confirm/").json()
    assert confirmed["number"].endswith("-00001")


# --- Deliveries --------------------------------------------------------------------------
def test_shipping_a_delivery_queues_the_delivery_shipped_webhook(sales_org, admin):
    endpoint = factories.webhook_endpoint(
        sales_org.workspace, event_types=["delivery.shipped", "delivery.delivered"]
    )
    delivery = _picked(sales_org, confirmed_order(sales_org))

    response = admin.post(f"{DELIVERIES}{delivery.pk}/ship/")

    assert response.status_code == 200, response.json()
    with schema_context(sales_org.schema):
        event = WebhookEvent.objects.get(event_type="delivery.shipped")
        assert event.payload["number"] == delivery.number
        assert event.payload["status"] == "shipped"
        queued = WebhookDelivery.objects.get(event=event)
        assert (queued.endpoint_id, queued.status) == (endpoint.pk, "pending")


@pytest.mark.parametrize(
    ("lines", "words"),
    [
        ([{"order_line": "LINE", "quantity": "4"}], "only 3 left to ship"),
        ([{"order_line": 999999, "quantity": "1"}], "is not a line of this order"),
        (
            [{"order_line": "LINE", "quantity": "1"}, {"order_line": "LINE", "quantity": "1"}],
            "given twice",
        ),
    ],
)
def test_bad_deliveries_are_400_and_nothing_is_written(sales_org, admin, lines, words):
    order = confirmed_order(sales_org)
    with schema_context(sales_org.schema):
        line = order.lines.get().pk
    body = {
        "order": order.pk,
        "lines": [
            {**row, "order_line": line if row["order_line"] == "LINE" else row["order_line"]}
            for row in lines
        ],
    }
    response = admin.post(DELIVERIES, body)
    assert response.status_code == 400, response.json()
    assert words in " ".join(response.json()["errors"]["lines"])
    assert count_rows(sales_org, Delivery) == 0


def test_an_order_not_confirmed_or_out_of_sight_gets_no_delivery(sales_org, admin):
    draft = factories.order(sales_org)
    response = admin.post(DELIVERIES, {"order": draft.pk})
    assert response.status_code == 400 and "status" in response.json()["errors"]
    assert admin.post(DELIVERIES, {"order": 999999}).json()["errors"].keys() == {"order"}
    assert count_rows(sales_org, Delivery) == 0


def test_carrier_and_tracking_change_until_delivered(sales_org, admin):
    delivery = _picked(sales_org, confirmed_order(sales_org))
    path = f"{DELIVERIES}{delivery.pk}/"
    changed = admin.patch(path, {"carrier": "EMS", "tracking_number": "E1"})
    assert changed.status_code == 200, changed.json()
    assert (changed.json()["carrier"], changed.json()["tracking_number"]) == ("EMS", "E1")
    too_long = admin.patch(path, {"carrier": "x" * 101})
    assert too_long.status_code == 400 and "carrier" in too_long.json()["errors"]
    admin.post(f"{path}ship/")
    admin.post(f"{path}deliver/")
    late = admin.patch(path, {"carrier": "Other"})
    assert late.status_code == 400 and "status" in late.json()["errors"]
    with schema_context(sales_org.schema):
        assert Delivery.objects.get(pk=delivery.pk).carrier == "EMS"


def test_cancelling_a_pick_list_keeps_the_reservation(sales_org, admin):
    delivery = _picked(sales_org, confirmed_order(sales_org))
    response = admin.post(f"{DELIVERIES}{delivery.pk}/cancel/")
    assert response.status_code == 200 and response.json()["status"] == "cancelled"
    assert _stock(sales_org).reserved == Decimal("3")


@pytest.mark.parametrize(
    ("role", "reads", "creates", "ships"),
    [
        ("warehouse_manager", 200, 201, 200),
        ("salesperson", 200, 403, 403),
        ("finance_manager", 200, 403, 403),
        ("sales_manager", 200, 403, 403),
    ],
)
def test_deliveries_per_role(sales_org, role, reads, creates, ships):
    api = sales_org.api(role)
    order = confirmed_order(sales_org)
    other = confirmed_order(sales_org, Decimal("2"), product="toaster")
    delivery = _picked(sales_org, order)
    assert api.get(DELIVERIES).status_code == reads
    assert api.post(DELIVERIES, {"order": other.pk}).status_code == creates
    assert api.post(f"{DELIVERIES}{delivery.pk}/ship/").status_code == ships
    assert _stock(sales_org).on_hand == Decimal("997" if ships == 200 else "1000")


def test_a_dealer_sees_only_its_own_orders_deliveries(sales_org):
    own = _picked(sales_org, confirmed_order(sales_org, customer="dealer"))
    others = _picked(sales_org, confirmed_order(sales_org, customer="rep_own"))
    dealer = sales_org.api("dealer")

    rows = dealer.rows(DELIVERIES)

    assert [row["id"] for row in rows] == [own.pk]
    assert dealer.get(f"{DELIVERIES}{own.pk}/").json()["allowed_actions"] == []
    assert dealer.get(f"{DELIVERIES}{others.pk}/").status_code == 404
    assert dealer.post(f"{DELIVERIES}{others.pk}/ship/").status_code == 404
    assert dealer.post(f"{DELIVERIES}{own.pk}/ship/").status_code == 403
    assert dealer.patch(f"{DELIVERIES}{own.pk}/", {"carrier": "Mine"}).status_code == 403
    with schema_context(sales_org.schema):
        assert set(Delivery.objects.values_list("status", flat=True)) == {"picking"}


def test_beta_never_reads_or_steps_alphas_deliveries(sales_org, beta_admin):
    delivery = _picked(sales_org, confirmed_order(sales_org))
    assert beta_admin.count(DELIVERIES) == 0
    assert beta_admin.get(f"{DELIVERIES}{delivery.pk}/").status_code == 404
    for step in ("ship", "deliver", "cancel"):
        assert beta_admin.post(f"{DELIVERIES}{delivery.pk}/{step}/").status_code == 404
    assert beta_admin.patch(f"{DELIVERIES}{delivery.pk}/", {"carrier": "X"}).status_code == 404
    assert beta_admin.post(DELIVERIES, {"order": delivery.order_id}).status_code == 400
    with schema_context(sales_org.schema):
        assert Delivery.objects.get(pk=delivery.pk).status == "picking"
    assert _stock(sales_org).on_hand == Decimal("1000")


def test_the_delivery_list_takes_the_same_queries_for_one_row_and_many(sales_org, admin):
    _picked(sales_org, confirmed_order(sales_org))

    def grow():
        for index in range(4):
            order = confirmed_order(sales_org, Decimal(index + 1), customer="north")
            _picked(sales_org, order, quantity="1")
            if index % 2:
                _picked(sales_org, order)

    assert_list_queries(lambda: admin.get(DELIVERIES), grow, queries=4, size=list_count)
