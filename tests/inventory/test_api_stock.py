"""`/api/v1/stock/` and `/api/v1/stock-moves/`: what each location holds and the
ledger behind it. Salespeople see availability but never cost; warehouse managers set
reorder points; filters, isolation between workspaces and pinned list queries."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission
from django_tenants.utils import schema_context

from api.webhooks.models import WebhookEvent
from tests.support import factories
from tests.support.api import list_count
from tests.support.queries import assert_list_queries
from tradepost.audit.models import AuditEntry
from tradepost.inventory.adjustments import adjustment_post
from tradepost.inventory.models import StockBalance, StockMove

STOCK = "/api/v1/stock/"
MOVES = "/api/v1/stock-moves/"


def _balance(org, product="kettle", code="WH") -> StockBalance:
    with schema_context(org.schema):
        return StockBalance.objects.get(product=org.products[product], location__code=code)


def test_a_salesperson_sees_availability_but_no_cost(sales_org):
    rows = sales_org.api("salesperson").rows(STOCK)
    kettle = next(row for row in rows if row["product"]["sku"] == "KT-1")
    assert kettle["warehouse"]["name"] == "Main warehouse"
    assert (kettle["on_hand"], kettle["reserved"], kettle["available"]) == (
        "1000.000",
        "0.000",
        "1000.000",
    )
    assert kettle["is_low"] is False
    assert all("average_cost" not in row for row in rows)
    one = sales_org.api("salesperson").get(f"{STOCK}{kettle['id']}/").json()
    assert "average_cost" not in one


@pytest.mark.parametrize("role", ["warehouse_manager", "finance_manager", "executive"])
def test_the_warehouse_finance_and_executives_see_what_stock_cost(sales_org, role):
    rows = sales_org.api(role).rows(STOCK)
    assert {row["average_cost"] for row in rows} == {"50.0000"}


def test_a_dealer_sees_no_stock_list(sales_org):
    assert sales_org.api("dealer").get(STOCK).status_code == 403
    assert sales_org.api("dealer").get(MOVES).status_code == 403


def test_stock_filters(sales_org, admin, store):
    with schema_context(sales_org.schema):
        adjustment_post(
            actor=sales_org.owner,
            location=store,
            reason="Found on the shelf",
            lines=[{"product": sales_org.products["toaster"], "quantity": Decimal("4")}],
        )
    kettle = sales_org.products["kettle"].pk
    assert {row["product"]["id"] for row in admin.rows(STOCK, product=kettle)} == {kettle}
    at_store = admin.rows(STOCK, warehouse=store.pk)
    assert [(row["product"]["sku"], row["on_hand"]) for row in at_store] == [("TS-1", "4.000")]
    kitchen = sales_org.categories["appliances"].pk  # the kettle is in Kitchen, below it
    assert {row["product"]["sku"] for row in admin.rows(STOCK, category=kitchen)} == {"KT-1"}
    assert admin.count(STOCK, in_stock="true") == 4
    assert admin.count(STOCK, below_threshold="true") == 0
    for bad in (
        {"in_stock": "maybe"},
        {"warehouse": "WH"},
        {"below_threshold": ""},
        {"product": "0.5"},
        {"category": "1.5"},
    ):
        response = admin.get(STOCK, bad)
        assert response.status_code == 400, bad
        assert set(bad) <= set(response.json()["errors"])


def test_a_warehouse_manager_sets_a_reorder_point_and_no_event_is_emitted(sales_org):
    factories.webhook_endpoint(sales_org.workspace, event_types=["stock.low"])
    balance = _balance(sales_org)
    api = sales_org.api("warehouse_manager")

    response = api.patch(f"{STOCK}{balance.pk}/", {"reorder_point": "1200"})

    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["reorder_point"], body["is_low"]) == ("1200.000", True)
    assert api.count(STOCK, below_threshold="true") == 1
    with schema_context(sales_org.schema):
        entry = AuditEntry.objects.get(action="stock.reorder_point_set")
        assert entry.data["to"] == "1200.000" or Decimal(entry.data["to"]) == 1200
        # Already below: nothing is sent (the ledger emits `stock.low` on a crossing).
        assert not WebhookEvent.objects.filter(event_type="stock.low").exists()
    cleared = api.patch(f"{STOCK}{balance.pk}/", {"reorder_point": None})
    assert cleared.json()["reorder_point"] is None


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"reorder_point": "-1"}, "reorder_point"),
        ({"reorder_point": "1.2345"}, "reorder_point"),
        ({"reorder_point": "lots"}, "reorder_point"),
        ({"on_hand": "5"}, "on_hand"),
    ],
)
def test_bad_reorder_points_are_400_and_change_nothing(sales_org, admin, body, field):
    balance = _balance(sales_org)
    response = admin.patch(f"{STOCK}{balance.pk}/", body)
    assert response.status_code == 400, response.json()
    assert field in response.json()["errors"]
    balance = _balance(sales_org)
    assert (balance.reorder_point, balance.on_hand) == (None, Decimal("1000"))


@pytest.mark.parametrize("role", ["salesperson", "sales_manager", "finance_manager"])
def test_only_the_warehouse_sets_reorder_points(sales_org, role):
    balance = _balance(sales_org)
    response = sales_org.api(role).patch(f"{STOCK}{balance.pk}/", {"reorder_point": "5"})
    assert response.status_code == 403
    assert _balance(sales_org).reorder_point is None


def test_stock_has_no_post_or_delete(sales_org, admin):
    balance = _balance(sales_org)
    assert admin.post(STOCK, {"reorder_point": "1"}).status_code == 405
    assert admin.delete(f"{STOCK}{balance.pk}/").status_code == 405


def test_the_ledger_shows_moves_with_cost_only_to_who_may_see_it(sales_org, make_user):
    rows = sales_org.api("warehouse_manager").rows(MOVES, kind="opening")
    assert len(rows) == 3
    assert {row["unit_cost"] for row in rows} == {"50.0000"}
    assert {row["quantity"] for row in rows} == {"1000.000"}
    assert sales_org.api("salesperson").get(MOVES).status_code == 403
    # Someone allowed the ledger but not costs (a permission given on its own).
    clerk = make_user(sales_org.workspace, "salesperson", email="clerk@alpha.test")
    with schema_context(sales_org.schema):
        clerk.user_permissions.add(
            Permission.objects.get(content_type__app_label="inventory", codename="view_stockmove")
        )
    seen = sales_org.workspace.api(user=clerk).rows(MOVES)
    assert len(seen) == 3 and all("unit_cost" not in row for row in seen)


def test_move_filters(sales_org, admin, wh):
    kettle = sales_org.products["kettle"].pk
    assert admin.count(MOVES, product=kettle) == 1
    assert admin.count(MOVES, warehouse=wh.pk, kind="opening") == 3
    assert admin.count(MOVES, kind="receipt") == 0
    assert admin.get(MOVES, {"kind": "teleport"}).status_code == 400
    assert admin.get(MOVES, {"created_from": "soon"}).status_code == 400
    assert admin.get(MOVES, {"document_id": "0.5"}).status_code == 400


def test_beta_never_reads_or_changes_alphas_stock(sales_org, beta_admin):
    balance = _balance(sales_org)
    with schema_context(sales_org.schema):
        move = StockMove.objects.filter(product=sales_org.products["kettle"]).get()
    assert beta_admin.count(STOCK) == 0 and beta_admin.count(MOVES) == 0
    assert beta_admin.get(f"{STOCK}{balance.pk}/").status_code == 404
    assert beta_admin.get(f"{MOVES}{move.pk}/").status_code == 404
    patched = beta_admin.patch(f"{STOCK}{balance.pk}/", {"reorder_point": "999"})
    assert patched.status_code == 404
    assert _balance(sales_org).reorder_point is None


def _grow(org, store):
    with schema_context(org.schema):
        for index in range(4):
            product = factories.product(org, sku=f"G-{index}", name=f"Grown {index}")
            adjustment_post(
                actor=org.owner,
                location=store,
                reason="Found",
                lines=[{"product": product, "quantity": Decimal("2"), "unit_cost": Decimal(3)}],
            )


@pytest.mark.parametrize(("path", "queries"), [(STOCK, 3), (MOVES, 3)])
def test_stock_lists_take_the_same_queries_for_one_row_and_many(
    sales_org, admin, store, path, queries
):
    assert_list_queries(
        lambda: admin.get(path), lambda: _grow(sales_org, store), queries=queries, size=list_count
    )


def test_a_date_out_of_range_in_a_moves_filter_is_a_400(sales_org):
    api = sales_org.api("warehouse_manager")
    response = api.get(MOVES, {"created_from": "0001-01-01T00:00:00+23:00"})
    assert response.status_code == 400
    assert response.json()["errors"]["created_at"] == ["Date out of range."]
