"""Choosing the lot a delivery is picked from: on creation and while picking, on the
pages and through the API. A chosen lot must be the product's, unexpired and hold the
quantity where the order ships from; "First to expire (automatic)" goes back to FEFO.
Expired lots are never offered; refusals are 400 with nothing changed; only the
warehouse may choose; another workspace sees nothing."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django_tenants.utils import schema_context

from tests.inventory.stock_setup import confirmed_order_of, store, tea_in_lots
from tradepost.inventory import deliveries, receipts
from tradepost.inventory.models import Delivery, DeliveryLine, Lot

DELIVERIES = "/api/v1/deliveries/"


def _picked_lots(org, delivery_id) -> list[tuple[str, Decimal]]:
    with schema_context(org.schema):
        return [
            (line.lot.number, line.quantity)
            for line in DeliveryLine.objects.filter(delivery_id=delivery_id)
            .select_related("lot")
            .order_by("lot__expires_on", "pk")
        ]


@pytest.fixture
def tea_order(sales_org):
    """Tea in lots SOON (4), LATE (5) and GONE (9, expired); an order of 6 confirmed."""
    tea, lots = tea_in_lots(sales_org)
    order = confirmed_order_of(sales_org, tea, "6")
    with schema_context(sales_org.schema):
        line = order.lines.get()
    return tea, lots, order, line


def _pick_list(org, order, **extra) -> Delivery:
    with schema_context(org.schema):
        return deliveries.delivery_create(
            actor=org.users["warehouse_manager"], order=order, **extra
        )


def test_a_chosen_lot_is_checked_on_creation(sales_org, tea_order):
    tea, lots, order, line = tea_order
    keeper = sales_org.users["warehouse_manager"]
    place = store(sales_org)
    with schema_context(sales_org.schema):
        elsewhere = receipts.receipt_create(
            actor=keeper,
            location=place,
            lines=[{"product": tea, "quantity": Decimal(50), "lot_number": "FAR"}],
        )
        receipts.receipt_receive(actor=keeper, receipt=elsewhere)
        refusals = [
            (lots["SOON"], "Lot SOON of TEA-1: only 4 on hand where the order ships from."),
            (lots["GONE"], "GONE of TEA-1 expired"),
            (tea.lots.get(number="FAR"), "Lot FAR of TEA-1: only 0 on hand"),
            (Lot.objects.create(product=sales_org.products["kettle"], number="K-1"), "K-1 is not"),
        ]
        for lot, message in refusals:
            with pytest.raises(ValidationError, match=message):
                deliveries.delivery_create(actor=keeper, order=order, lots={line.pk: lot})
        assert not Delivery.objects.exists()
        made = deliveries.delivery_create(
            actor=keeper,
            order=order,
            quantities={line.pk: Decimal(3)},
            lots={line.pk: lots["LATE"]},
        )
    assert _picked_lots(sales_org, made.pk) == [("LATE", Decimal(3))]


def test_the_lots_are_chosen_again_while_picking(sales_org, tea_order):
    tea, lots, order, line = tea_order
    keeper = sales_org.users["warehouse_manager"]
    made = _pick_list(sales_org, order, quantities={line.pk: Decimal(5)})
    assert _picked_lots(sales_org, made.pk) == [("SOON", Decimal(4)), ("LATE", Decimal(1))]
    with schema_context(sales_org.schema):
        deliveries.delivery_pick(actor=keeper, delivery=made, lots={line.pk: lots["LATE"]})
        assert _picked_lots(sales_org, made.pk) == [("LATE", Decimal(5))]
        with pytest.raises(ValidationError, match="GONE of TEA-1 expired"):
            deliveries.delivery_pick(actor=keeper, delivery=made, lots={line.pk: lots["GONE"]})
        with pytest.raises(ValidationError, match="is not on this delivery"):
            deliveries.delivery_pick(actor=keeper, delivery=made, lots={line.pk + 999: None})
        with pytest.raises(PermissionDenied):
            deliveries.delivery_pick(
                actor=sales_org.users["salesperson"], delivery=made, lots={line.pk: None}
            )
        assert _picked_lots(sales_org, made.pk) == [("LATE", Decimal(5))]  # nothing changed
        deliveries.delivery_pick(actor=keeper, delivery=made, lots={line.pk: None})
        assert _picked_lots(sales_org, made.pk) == [("SOON", Decimal(4)), ("LATE", Decimal(1))]
        deliveries.delivery_pick(actor=keeper, delivery=made, lots={line.pk: lots["LATE"]})
        shipped = deliveries.delivery_ship(actor=keeper, delivery=made)
        assert lots["LATE"].balances.get().on_hand == Decimal(0)
        with pytest.raises(ValidationError, match="cannot be re-picked"):
            deliveries.delivery_pick(actor=keeper, delivery=shipped, lots={line.pk: None})


def test_the_delivery_page_offers_the_lots_at_the_place(sales_org, tea_order, beta_sales_org):
    tea, lots, order, line = tea_order
    made = _pick_list(sales_org, order, quantities={line.pk: Decimal(5)})
    client = sales_org.client("warehouse_manager")
    url = f"/inventory/deliveries/{made.pk}/"
    page = client.get(url).content.decode()
    assert "Lots to pick" in page and "First to expire (automatic)" in page
    assert f'name="lot-{line.pk}"' in page
    assert f'value="{lots["SOON"].pk}"' in page and "4 on hand" in page
    assert f'value="{lots["LATE"].pk}"' in page and "5 on hand" in page
    assert "GONE" not in page  # expired: never offered

    chosen = client.post(f"{url}lots/", {f"lot-{line.pk}": lots["LATE"].pk})
    assert chosen.status_code == 302
    assert _picked_lots(sales_org, made.pk) == [("LATE", Decimal(5))]
    page = client.get(url).content.decode()
    assert f'<option value="{lots["LATE"].pk}" selected>' in page

    for value, message in (
        (lots["GONE"].pk, "expired on"),
        (lots["SOON"].pk, "only 4 on hand"),
        ("soon", "Choose a lot from the list."),
        ("99999999", "Choose a lot from the list."),
    ):
        refused = client.post(f"{url}lots/", {f"lot-{line.pk}": value})
        assert refused.status_code == 400, value
        assert message in refused.content.decode(), value
    assert _picked_lots(sales_org, made.pk) == [("LATE", Decimal(5))]
    automatic = client.post(f"{url}lots/", {f"lot-{line.pk}": ""})
    assert automatic.status_code == 302
    assert _picked_lots(sales_org, made.pk) == [("SOON", Decimal(4)), ("LATE", Decimal(1))]

    # Who sees the delivery but may not ship: no picker, and a post is refused.
    sales = sales_org.client("sales_manager")
    assert "Lots to pick" not in sales.get(url).content.decode()
    assert sales.post(f"{url}lots/", {f"lot-{line.pk}": lots["LATE"].pk}).status_code == 403
    assert sales_org.client("dealer").post(f"{url}lots/", {}).status_code == 404
    beta = beta_sales_org.client("warehouse_manager")
    assert beta.post(f"{url}lots/", {f"lot-{line.pk}": ""}).status_code == 404
    assert _picked_lots(sales_org, made.pk) == [("SOON", Decimal(4)), ("LATE", Decimal(1))]
    # Shipped: read-only.
    assert client.post(f"{url}ship/").status_code == 302
    assert "Lots to pick" not in client.get(url).content.decode()
    late = client.post(f"{url}lots/", {f"lot-{line.pk}": lots["LATE"].pk})
    assert late.status_code == 400 and "cannot be re-picked" in late.content.decode()


def test_the_pick_list_form_takes_a_lot(sales_org, tea_order):
    tea, lots, order, line = tea_order
    client = sales_org.client("warehouse_manager")
    url = f"/inventory/deliveries/new/{order.pk}/"
    form = client.get(url).content.decode()
    assert f'name="lot-{line.pk}"' in form and "First to expire (automatic)" in form
    assert "GONE" not in form
    refused = client.post(url, {f"line-{line.pk}": "6", f"lot-{line.pk}": lots["LATE"].pk})
    assert refused.status_code == 400 and "only 5 on hand" in refused.content.decode()
    assert f'<option value="{lots["LATE"].pk}" selected>' in refused.content.decode()
    made = client.post(url, {f"line-{line.pk}": "5", f"lot-{line.pk}": lots["LATE"].pk})
    assert made.status_code == 302, made.content.decode()[:3000]
    delivery_id = int(made["Location"].rstrip("/").split("/")[-1])
    assert _picked_lots(sales_org, delivery_id) == [("LATE", Decimal(5))]


def test_the_api_takes_and_changes_a_lot(sales_org, tea_order, beta_sales_org):
    tea, lots, order, line = tea_order
    warehouse = sales_org.api("warehouse_manager")
    expired = warehouse.post(
        DELIVERIES,
        {
            "order": order.pk,
            "lines": [{"order_line": line.pk, "quantity": "2", "lot": lots["GONE"].pk}],
        },
    )
    assert expired.status_code == 400 and "expired" in str(expired.json())
    made = warehouse.post(
        DELIVERIES,
        {
            "order": order.pk,
            "lines": [{"order_line": line.pk, "quantity": "5", "lot": lots["LATE"].pk}],
        },
    )
    assert made.status_code == 201, made.json()
    delivery = made.json()
    assert [(row["lot"]["number"], row["quantity"]) for row in delivery["lines"]] == [
        ("LATE", "5.000")
    ]
    assert "pick" in delivery["allowed_actions"]
    path = f"{DELIVERIES}{delivery['id']}/pick/"

    for body in (
        {"lines": [{"order_line": line.pk, "lot": lots["GONE"].pk}]},
        {"lines": [{"order_line": line.pk, "lot": lots["SOON"].pk}]},  # only 4
        {"lines": [{"order_line": line.pk, "lot": 99999999}]},
        {"lines": [{"order_line": line.pk + 999, "lot": None}]},
        {"lines": [{"order_line": line.pk, "lot": None}, {"order_line": line.pk, "lot": None}]},
        {"lines": []},
    ):
        refused = warehouse.post(path, body)
        assert refused.status_code == 400, (body, refused.json())
    assert _picked_lots(sales_org, delivery["id"]) == [("LATE", Decimal(5))]

    automatic = warehouse.post(path, {"lines": [{"order_line": line.pk, "lot": None}]})
    assert automatic.status_code == 200, automatic.json()
    assert [(row["lot"]["number"], row["quantity"]) for row in automatic.json()["lines"]] == [
        ("SOON", "4.000"),
        ("LATE", "1.000"),
    ]
    assert (
        sales_org.api("sales_manager")
        .post(path, {"lines": [{"order_line": line.pk, "lot": None}]})
        .status_code
        == 403
    )
    assert (
        beta_sales_org.api("warehouse_manager")
        .post(path, {"lines": [{"order_line": line.pk, "lot": None}]})
        .status_code
        == 404
    )
