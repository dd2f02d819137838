"""`/api/v1/receipts/`, `/transfers/`, `/stocktakes/` and `/stock-adjustments/`: the
warehouse's documents through HTTP — made, stepped through their lifecycle with the
stock following, refused whole on bad input, per role, isolated between workspaces,
lists at a pinned query count."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django_tenants.utils import schema_context

from tests.inventory.documents import draft_receipt, requested_transfer
from tests.support.api import list_count
from tests.support.factories import count_rows
from tests.support.queries import assert_list_queries
from tradepost.inventory import stocktakes
from tradepost.inventory.adjustments import adjustment_post
from tradepost.inventory.api.deliveries import DeliveryViewSet
from tradepost.inventory.api.receipts import ReceiptViewSet
from tradepost.inventory.api.stocktakes import StocktakeViewSet
from tradepost.inventory.api.transfers import TransferViewSet
from tradepost.inventory.deliveries import LIFECYCLE as deliveries_lifecycle
from tradepost.inventory.models import (
    Receipt,
    StockAdjustment,
    StockBalance,
    StockMove,
    Stocktake,
    Transfer,
)
from tradepost.inventory.receipts import LIFECYCLE as receipts_lifecycle
from tradepost.inventory.transfers import LIFECYCLE as transfers_lifecycle
from tradepost.masterdata import services as md

RECEIPTS = "/api/v1/receipts/"
TRANSFERS = "/api/v1/transfers/"
STOCKTAKES = "/api/v1/stocktakes/"
ADJUSTMENTS = "/api/v1/stock-adjustments/"


def _stock(org, product="kettle", code="WH") -> StockBalance:
    with schema_context(org.schema):
        return StockBalance.objects.filter(
            product=org.products[product], location__code=code
        ).first() or StockBalance(on_hand=Decimal(0), in_transit=Decimal(0))


def _moves(org) -> int:
    return count_rows(org, StockMove)


# --- Receipts ------------------------------------------------------------------------
def test_the_warehouse_enters_and_receives_goods_at_their_cost(sales_org, wh):
    with schema_context(sales_org.schema):
        supplier = md.supplier_create(actor=sales_org.owner, name="Ningbo Metalworks")
    api = sales_org.api("warehouse_manager")
    kettle = sales_org.products["kettle"].pk
    body = {
        "warehouse": wh.pk,
        "supplier": supplier.pk,
        "supplier_reference": "PO-778",
        "lines": [{"product": kettle, "quantity": "10", "unit_cost": "61.5"}],
    }
    made = api.post(RECEIPTS, body)
    assert made.status_code == 201, made.json()
    receipt = made.json()
    assert receipt["number"].startswith("GR-") and receipt["status"] == "draft"
    assert receipt["allowed_actions"] == ["edit", "receive", "cancel"]
    assert receipt["lines"][0]["product"] == {"id": kettle, "sku": "KT-1", "name": "Kettle 电水壶"}
    path = f"{RECEIPTS}{receipt['id']}/"
    changed = api.patch(
        path, {"lines": [{"product": kettle, "quantity": "20", "unit_cost": "61.5"}]}
    )
    assert changed.status_code == 200, changed.json()
    assert changed.json()["lines"][0]["quantity"] == "20.000"

    received = api.post(f"{path}receive/")

    assert received.status_code == 200, received.json()
    assert (received.json()["status"], received.json()["allowed_actions"]) == ("received", [])
    balance = _stock(sales_org)
    assert balance.on_hand == Decimal("1020")
    # (1000 × 50 + 20 × 61.5) / 1020
    assert balance.average_cost == Decimal("50.2255")
    again = api.post(f"{path}receive/")
    assert again.status_code == 400 and "status" in again.json()["errors"]
    assert _stock(sales_org).on_hand == Decimal("1020")


@pytest.mark.parametrize(
    ("line", "field", "words"),
    [
        ({"quantity": "0"}, "lines", "Line 1 (KT-1): enter a quantity above zero."),
        ({"quantity": "-2"}, "lines[0].quantity", ""),
        ({"unit_cost": "-1"}, "lines[0].unit_cost", ""),
        ({"product": 999999}, "lines[0].product", ""),
        ({"lot_number": "L1"}, "lines", "does not track lots"),
    ],
)
def test_bad_receipts_are_400_with_a_clear_message_and_nothing_is_written(
    sales_org, admin, wh, line, field, words
):
    body = {
        "warehouse": wh.pk,
        "lines": [{"product": sales_org.products["kettle"].pk, "quantity": "3", **line}],
    }
    response = admin.post(RECEIPTS, body)
    assert response.status_code == 400, response.json()
    errors = response.json()["errors"]
    assert field in errors, errors
    assert words in " ".join(errors[field])
    assert count_rows(sales_org, Receipt) == 0


def test_a_receipt_into_an_inactive_warehouse_or_without_lines_is_refused(sales_org, admin, store):
    with schema_context(sales_org.schema):
        md.location_update(actor=sales_org.owner, location=store, is_active=False)
    kettle = sales_org.products["kettle"].pk
    inactive = admin.post(
        RECEIPTS, {"warehouse": store.pk, "lines": [{"product": kettle, "quantity": "1"}]}
    )
    assert inactive.status_code == 400
    assert "active" in " ".join(inactive.json()["errors"]["warehouse"])
    empty = admin.post(RECEIPTS, {"warehouse": store.pk, "lines": []})
    assert empty.status_code == 400 and "lines" in empty.json()["errors"]
    assert count_rows(sales_org, Receipt) == 0


@pytest.mark.parametrize(
    ("role", "reads", "creates", "steps"),
    [
        ("warehouse_manager", 200, 201, 200),
        ("finance_manager", 200, 403, 403),
        ("executive", 200, 403, 403),
        ("salesperson", 403, 403, 403),
        ("dealer", 403, 403, 403),
    ],
)
def test_receipts_per_role(sales_org, wh, role, reads, creates, steps):
    api = sales_org.api(role)
    receipt = draft_receipt(sales_org, wh)
    assert api.get(RECEIPTS).status_code == reads
    body = {
        "warehouse": wh.pk,
        "lines": [{"product": sales_org.products["toaster"].pk, "quantity": "1"}],
    }
    assert api.post(RECEIPTS, body).status_code == creates
    assert api.post(f"{RECEIPTS}{receipt.pk}/receive/").status_code == steps
    assert _stock(sales_org).on_hand == Decimal("1005" if steps == 200 else "1000")


# --- Transfers -----------------------------------------------------------------------
def test_a_transfer_ships_into_transit_and_is_received_at_the_store(sales_org, wh, store):
    api = sales_org.api("warehouse_manager")
    kettle = sales_org.products["kettle"].pk
    made = api.post(
        TRANSFERS,
        {"source": wh.pk, "destination": store.pk, "lines": [{"product": kettle, "quantity": "6"}]},
    )
    assert made.status_code == 201, made.json()
    assert made.json()["allowed_actions"] == ["ship", "cancel"]
    path = f"{TRANSFERS}{made.json()['id']}/"

    shipped = api.post(f"{path}ship/")

    assert shipped.status_code == 200, shipped.json()
    assert shipped.json()["status"] == "shipped"
    assert shipped.json()["lines"][0]["unit_cost"] == "50.0000"
    assert _stock(sales_org).on_hand == Decimal("994")
    assert _stock(sales_org, code="SH-STORE").in_transit == Decimal("6")
    received = api.post(f"{path}receive/")
    assert received.status_code == 200 and received.json()["status"] == "received"
    at_store = _stock(sales_org, code="SH-STORE")
    assert (at_store.on_hand, at_store.in_transit, at_store.average_cost) == (
        Decimal("6"),
        Decimal("0"),
        Decimal("50"),
    )


def test_a_transfer_to_the_same_place_is_refused(sales_org, admin, wh):
    body = {
        "source": wh.pk,
        "destination": wh.pk,
        "lines": [{"product": sales_org.products["kettle"].pk, "quantity": "1"}],
    }
    response = admin.post(TRANSFERS, body)
    assert response.status_code == 400
    assert response.json()["errors"]["destination"] == [
        "Choose a place other than where the goods are."
    ]
    assert count_rows(sales_org, Transfer) == 0


def test_shipping_more_than_is_available_is_400_insufficient_stock_and_writes_nothing(
    sales_org, admin, wh, store
):
    transfer = requested_transfer(sales_org, wh, store, Decimal("1500"))
    moves = _moves(sales_org)

    response = admin.post(f"{TRANSFERS}{transfer.pk}/ship/")

    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "insufficient_stock"
    assert body["message"] == "KT-1: only 1000 available at Main warehouse."
    assert admin.get(f"{TRANSFERS}{transfer.pk}/").json()["status"] == "requested"
    assert _moves(sales_org) == moves and _stock(sales_org).on_hand == Decimal("1000")
    assert _stock(sales_org, code="SH-STORE").in_transit == Decimal("0")


@pytest.mark.parametrize(
    ("role", "reads", "creates", "steps"),
    [
        ("warehouse_manager", 200, 201, 200),
        ("finance_manager", 200, 403, 403),
        ("salesperson", 403, 403, 403),
        ("dealer", 403, 403, 403),
    ],
)
def test_transfers_per_role(sales_org, wh, store, role, reads, creates, steps):
    api = sales_org.api(role)
    transfer = requested_transfer(sales_org, wh, store)
    assert api.get(TRANSFERS).status_code == reads
    body = {
        "source": wh.pk,
        "destination": store.pk,
        "lines": [{"product": sales_org.products["toaster"].pk, "quantity": "1"}],
    }
    assert api.post(TRANSFERS, body).status_code == creates
    assert api.post(f"{TRANSFERS}{transfer.pk}/ship/").status_code == steps
    assert _stock(sales_org).on_hand == Decimal("998" if steps == 200 else "1000")


# --- Stocktakes ----------------------------------------------------------------------
def test_a_count_is_entered_and_its_differences_posted(sales_org, wh):
    api = sales_org.api("warehouse_manager")
    made = api.post(STOCKTAKES, {"warehouse": wh.pk, "reason": "Month-end count"})
    assert made.status_code == 201, made.json()
    sheet = made.json()
    assert sheet["allowed_actions"] == ["count", "post", "cancel"]
    lines = {line["product"]["sku"]: line for line in sheet["lines"]}
    assert {sku: line["expected"] for sku, line in lines.items()} == {
        "KT-1": "1000.000",
        "TS-1": "1000.000",
        "LP-1": "1000.000",
    }
    path = f"{STOCKTAKES}{sheet['id']}/"
    counted = api.post(
        f"{path}counts/",
        {"lines": [{"line": lines["KT-1"]["id"], "counted": "997"}]},
    )
    assert counted.status_code == 200, counted.json()
    assert {line["product"]["sku"]: line["counted"] for line in counted.json()["lines"]} == {
        "KT-1": "997.000",
        "TS-1": None,
        "LP-1": None,
    }

    posted = api.post(f"{path}post/")

    assert posted.status_code == 200, posted.json()
    assert (posted.json()["status"], posted.json()["allowed_actions"]) == ("posted", [])
    assert _stock(sales_org).on_hand == Decimal("997")
    assert _stock(sales_org, "toaster").on_hand == Decimal("1000")  # not counted: unchanged
    with schema_context(sales_org.schema):
        move = StockMove.objects.get(kind="stocktake")
    assert (move.quantity, move.reason) == (Decimal("-3"), "Month-end count")
    assert (
        api.post(
            f"{path}counts/", {"lines": [{"line": lines["KT-1"]["id"], "counted": "1"}]}
        ).status_code
        == 400
    )


def test_bad_counts_are_refused_and_change_nothing(sales_org, admin, wh):
    with schema_context(sales_org.schema):
        sheet = stocktakes.stocktake_create(actor=sales_org.owner, location=wh)
        line = sheet.lines.order_by("pk").first()
    path = f"{STOCKTAKES}{sheet.pk}/"
    for body, field in [
        ({"lines": [{"line": line.pk, "counted": "-1"}]}, "lines[0].counted"),
        ({"lines": [{"line": 999999, "counted": "1"}]}, "lines"),
        (
            {"lines": [{"line": line.pk, "counted": "1"}, {"line": line.pk, "counted": "2"}]},
            "lines",
        ),
        ({}, "lines"),
    ]:
        response = admin.post(f"{path}counts/", body)
        assert response.status_code == 400, body
        assert field in response.json()["errors"], (body, response.json())
    nothing = admin.post(f"{path}post/")
    assert nothing.status_code == 400
    assert "Say why" in " ".join(nothing.json()["errors"]["reason"])
    no_count = admin.post(f"{path}post/", {"reason": "Spot check"})
    assert no_count.status_code == 400
    assert no_count.json()["errors"]["lines"] == ["Enter at least one count before posting."]
    with schema_context(sales_org.schema):
        assert not sheet.lines.filter(counted__isnull=False).exists()
        assert Stocktake.objects.get(pk=sheet.pk).status == "counting"
    assert _moves(sales_org) == 3


@pytest.mark.parametrize(
    ("role", "reads", "creates"),
    [
        ("warehouse_manager", 200, 201),
        ("executive", 200, 403),
        ("salesperson", 403, 403),
        ("dealer", 403, 403),
    ],
)
def test_stocktakes_per_role(sales_org, wh, role, reads, creates):
    api = sales_org.api(role)
    assert api.get(STOCKTAKES).status_code == reads
    assert api.post(STOCKTAKES, {"warehouse": wh.pk}).status_code == creates
    assert count_rows(sales_org, Stocktake) == (1 if creates == 201 else 0)


# --- Adjustments ---------------------------------------------------------------------
def test_the_warehouse_posts_an_adjustment_at_once(sales_org, wh):
    api = sales_org.api("warehouse_manager")
    body = {
        "warehouse": wh.pk,
        "reason": "Dropped a pallet",
        "lines": [{"product": sales_org.products["kettle"].pk, "quantity": "-3"}],
    }
    made = api.post(ADJUSTMENTS, body)
    assert made.status_code == 201, made.json()
    assert made.json()["number"].startswith("SA-")
    assert made.json()["lines"][0]["quantity"] == "-3.000"
    assert _stock(sales_org).on_hand == Decimal("997")
    assert api.patch(f"{ADJUSTMENTS}{made.json()['id']}/", {"reason": "x"}).status_code == 405


@pytest.mark.parametrize(
    ("change", "field", "code", "message"),
    [
        ({"reason": ""}, "reason", "invalid", "Say why the stock changes."),
        ({"reason": None}, "reason", "invalid", None),
        (
            {"quantity": "-2000"},
            "non_field_errors",
            "insufficient_stock",
            "KT-1: only 1000 available at Main warehouse.",
        ),
        ({"quantity": "0"}, "lines", "invalid", "Line 1 (KT-1): enter a quantity other than zero."),
    ],
)
def test_bad_adjustments_are_400_and_write_nothing(
    sales_org, admin, wh, change, field, code, message
):
    line = {"product": sales_org.products["kettle"].pk, "quantity": "-1"}
    body = {"warehouse": wh.pk, "reason": "Breakage", "lines": [line]}
    if "quantity" in change:
        line["quantity"] = change["quantity"]
    elif change["reason"] is None:
        del body["reason"]
    else:
        body["reason"] = change["reason"]
    adjustments_before = count_rows(sales_org, StockAdjustment)

    response = admin.post(ADJUSTMENTS, body)

    assert response.status_code == 400, response.json()
    assert response.json()["code"] == code
    assert field in response.json()["errors"]
    if message:
        assert response.json()["errors"][field] == [message]
    assert count_rows(sales_org, StockAdjustment) == adjustments_before
    assert _stock(sales_org).on_hand == Decimal("1000") and _moves(sales_org) == 3


@pytest.mark.parametrize(
    ("role", "reads", "creates"),
    [
        ("warehouse_manager", 200, 201),
        ("finance_manager", 200, 403),
        ("salesperson", 403, 403),
        ("sales_manager", 403, 403),
        ("dealer", 403, 403),
    ],
)
def test_adjustments_per_role(sales_org, wh, role, reads, creates):
    api = sales_org.api(role)
    assert api.get(ADJUSTMENTS).status_code == reads
    body = {
        "warehouse": wh.pk,
        "reason": "Found",
        "lines": [{"product": sales_org.products["kettle"].pk, "quantity": "1"}],
    }
    assert api.post(ADJUSTMENTS, body).status_code == creates
    assert _stock(sales_org).on_hand == Decimal("1001" if creates == 201 else "1000")


# --- Isolation and list costs ----------------------------------------------------------
def test_beta_never_reads_or_steps_alphas_documents(sales_org, wh, store, beta_admin):
    receipt = draft_receipt(sales_org, wh)
    transfer = requested_transfer(sales_org, wh, store)
    with schema_context(sales_org.schema):
        sheet = stocktakes.stocktake_create(actor=sales_org.owner, location=wh, reason="Count")
        adjustment = StockAdjustment.objects.get()  # the opening stock
    documents = [
        (RECEIPTS, receipt.pk, ["receive", "cancel"]),
        (TRANSFERS, transfer.pk, ["ship", "cancel"]),
        (STOCKTAKES, sheet.pk, ["post", "cancel"]),
        (ADJUSTMENTS, adjustment.pk, []),
    ]
    for path, pk, steps in documents:
        assert beta_admin.count(path) == 0
        assert beta_admin.get(f"{path}{pk}/").status_code == 404
        for step in steps:
            assert beta_admin.post(f"{path}{pk}/{step}/").status_code == 404, (path, step)
    assert beta_admin.patch(f"{RECEIPTS}{receipt.pk}/", {"notes": "mine"}).status_code == 404
    with schema_context(sales_org.schema):
        assert Receipt.objects.get(pk=receipt.pk).status == "draft"
        assert Transfer.objects.get(pk=transfer.pk).status == "requested"
        assert Stocktake.objects.get(pk=sheet.pk).status == "counting"
    assert _stock(sales_org).on_hand == Decimal("1000")


def _grow(org, wh, store):
    with schema_context(org.schema):
        for _index in range(3):
            draft_receipt(org, wh, product="toaster")
            draft_receipt(org, store)
            requested_transfer(org, wh, store)
            requested_transfer(org, wh, store, product="toaster")
            stocktakes.stocktake_create(actor=org.owner, location=wh)
            adjustment_post(
                actor=org.owner,
                location=wh,
                reason="Found",
                lines=[
                    {"product": org.products["kettle"], "quantity": Decimal("1")},
                    {"product": org.products["toaster"], "quantity": Decimal("1")},
                ],
            )


@pytest.mark.parametrize(
    ("path", "queries"),
    [(RECEIPTS, 4), (TRANSFERS, 4), (STOCKTAKES, 4), (ADJUSTMENTS, 4)],
)
def test_document_lists_take_the_same_queries_for_one_row_and_many(
    sales_org, admin, wh, store, path, queries
):
    draft_receipt(sales_org, wh)
    requested_transfer(sales_org, wh, store)
    with schema_context(sales_org.schema):
        stocktakes.stocktake_create(actor=sales_org.owner, location=store)
    assert_list_queries(
        lambda: admin.get(path),
        lambda: _grow(sales_org, wh, store),
        queries=queries,
        size=list_count,
    )


@pytest.mark.parametrize(
    ("lifecycle", "viewset"),
    [
        (receipts_lifecycle, ReceiptViewSet),
        (transfers_lifecycle, TransferViewSet),
        (stocktakes.LIFECYCLE, StocktakeViewSet),
        (deliveries_lifecycle, DeliveryViewSet),
    ],
)
def test_every_declared_step_has_its_api_endpoint(lifecycle, viewset):
    routes = {action.url_path for action in viewset.get_extra_actions()}
    for transition in lifecycle:
        if transition.api_path is None:
            assert "patch" in viewset.http_method_names, transition.name
        else:
            assert transition.api_path in routes, transition.name


def test_goods_found_that_the_sheet_did_not_list_are_counted_in(sales_org, admin, store):
    sheet = admin.post(STOCKTAKES, {"warehouse": store.pk, "reason": "Opening count"}).json()
    assert sheet["lines"] == []
    path = f"{STOCKTAKES}{sheet['id']}/"
    kettle = sales_org.products["kettle"].pk

    counted = admin.post(f"{path}counts/", {"add": [{"product": kettle, "counted": "5"}]})

    assert counted.status_code == 200, counted.json()
    assert [
        (line["product"]["id"], line["expected"], line["counted"])
        for line in counted.json()["lines"]
    ] == [(kettle, "0.000", "5.000")]
    again = admin.post(f"{path}counts/", {"add": [{"product": kettle, "counted": "6"}]})
    assert again.status_code == 400
    assert again.json()["errors"]["lines"] == ["KT-1 is on the sheet already."]
    assert admin.post(f"{path}post/").status_code == 200
    assert _stock(sales_org, code="SH-STORE").on_hand == Decimal("5")
