"""`/api/v1/orders/`: create with lines, the lifecycle actions, webhooks, bad input
refused whole, permissions per role, isolation between workspaces, and list queries
that do not grow with rows."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django_tenants.utils import schema_context

from api.webhooks.models import WebhookEvent
from api.webhooks.services import webhook_endpoint_create
from tests.support import factories
from tests.support.api import list_count
from tests.support.factories import count_rows
from tests.support.queries import assert_list_queries
from tradepost.masterdata import services as md
from tradepost.sales import orders
from tradepost.sales.models import Order, OrderReturn, SettlementCredit


@pytest.fixture
def admin(sales_org, api_key, api_client):
    return api_client(sales_org.workspace, api_key(sales_org.workspace))


def _body(org, **extra):
    body = {
        "customer": org.customers["rep_own"].pk,
        "lines": [
            {"product": org.products["kettle"].pk, "quantity": "3"},
            {"product": org.products["toaster"].pk, "quantity": "1.5", "discount_percent": "5"},
        ],
        "requested_delivery_date": "2099-01-10",
        "deposit": "100.00",
    }
    body.update(extra)
    return body


def test_an_integrator_enters_an_order_and_walks_it_to_delivery(sales_org, admin):
    with schema_context(sales_org.workspace.schema):
        webhook_endpoint_create(
            actor=sales_org.owner,
            url="https://hooks.example.com/orders",
            event_types=["order.created", "order.approved", "order.confirmed"],
        )
    response = admin.post("/api/v1/orders/", _body(sales_org), idempotency_key="o-1")
    assert response.status_code == 201, response.json()
    order = response.json()
    assert order["status"] == "draft" and order["number"] == ""
    kettle, toaster = order["lines"]
    assert (kettle["unit_price"], kettle["price_source"]) == ("199.00", "list price")
    assert kettle["net_amount"] == "597.00" and kettle["tax_amount"] == "77.61"
    assert toaster["net_amount"] == "369.79"  # 389.25 less 5 % (19.46)
    assert order["net_total"] == "966.79"
    assert Decimal(order["gross_total"]) == Decimal(order["net_total"]) + Decimal(
        order["tax_total"]
    )

    replay = admin.post("/api/v1/orders/", _body(sales_org), idempotency_key="o-1")
    assert replay.status_code == 201 and replay.json()["id"] == order["id"]
    assert count_rows(sales_org, Order) == 1

    base = f"/api/v1/orders/{order['id']}/"
    for step in ("submit", "approve", "confirm"):
        response = admin.post(f"{base}{step}/")
        assert response.status_code == 200, (step, response.json())
    confirmed = response.json()
    assert confirmed["status"] == "confirmed" and confirmed["number"].startswith("SO-")

    line_id = kettle["id"]
    shipped = admin.post(f"{base}ship/", {"lines": [{"line": line_id, "quantity": "1"}]})
    assert shipped.json()["status"] == "partially_shipped"
    assert admin.post(f"{base}ship/").json()["status"] == "shipped"
    delivered = admin.post(f"{base}deliver/").json()
    assert delivered["status"] == "delivered"
    assert delivered["lines"][0]["delivered_quantity"] == "3.000"

    back = {"lines": [{"line": line_id, "quantity": "1"}], "reason": "Broken"}
    returned = admin.post(f"{base}returns/", back)
    assert returned.status_code == 201, returned.json()
    assert returned.json()["gross_total"] == "224.87"
    assert count_rows(sales_org, SettlementCredit, amount=Decimal("224.87")) == 1
    assert admin.get(f"/api/v1/order-returns/{returned.json()['id']}/").status_code == 200

    with schema_context(sales_org.workspace.schema):
        events = list(WebhookEvent.objects.order_by("pk").values_list("event_type", "payload"))
    assert [event for event, _payload in events] == [
        "order.created",
        "order.approved",
        "order.confirmed",
    ]
    assert events[-1][1]["number"] == confirmed["number"]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"lines": []}, "lines"),
        ({"lines": [{"product": 999999, "quantity": "1"}]}, "lines[0].product"),
        ({"lines": [{"quantity": "1"}]}, "lines[0].product"),
        ({"customer": 999999}, "customer"),
        ({"currency": "XXX"}, "currency"),
        ({"deposit": "-1"}, "deposit"),
        ({"deposit": "100000.00"}, "deposit"),
        ({"requested_delivery_date": "2001-01-01"}, "requested_delivery_date"),
        ({"colour": "red"}, "colour"),
        ({"currency": "USD"}, "lines"),  # no USD price for these products
    ],
)
def test_bad_orders_are_400_with_the_field_and_nothing_is_written(sales_org, admin, change, field):
    response = admin.post("/api/v1/orders/", _body(sales_org, **change))
    assert response.status_code == 400, response.json()
    assert field in response.json()["errors"], response.json()
    assert count_rows(sales_org, Order) == 0


def test_bad_lines_name_the_line_and_are_refused_whole(sales_org, admin):
    lines = [
        {"product": sales_org.products["kettle"].pk, "quantity": "1"},
        {"product": sales_org.products["toaster"].pk, "quantity": "0"},
    ]
    response = admin.post("/api/v1/orders/", _body(sales_org, lines=lines))
    assert response.status_code == 400
    assert "Line 2" in " ".join(response.json()["errors"]["lines"])
    assert count_rows(sales_org, Order) == 0


def test_steps_out_of_order_are_400_and_change_nothing(sales_org, admin):
    order = admin.post("/api/v1/orders/", _body(sales_org)).json()
    response = admin.post(f"/api/v1/orders/{order['id']}/confirm/")
    assert response.status_code == 400
    assert "status" in response.json()["errors"]
    assert count_rows(sales_org, Order, status="draft") == 1
    reject = admin.post(f"/api/v1/orders/{order['id']}/submit/")
    assert reject.status_code == 200
    no_comment = admin.post(f"/api/v1/orders/{order['id']}/reject/", {"comment": ""})
    assert no_comment.status_code == 400 and "comment" in no_comment.json()["errors"]
    assert count_rows(sales_org, Order, status="submitted") == 1


def test_a_rejected_order_is_corrected_and_resubmitted(sales_org, admin):
    order = admin.post("/api/v1/orders/", _body(sales_org)).json()
    base = f"/api/v1/orders/{order['id']}/"
    admin.post(f"{base}submit/")
    rejected = admin.post(f"{base}reject/", {"comment": "Price too low"}).json()
    assert rejected["status"] == "rejected" and rejected["review_comment"] == "Price too low"
    changed = admin.patch(
        base,
        {"lines": [{"product": sales_org.products["kettle"].pk, "quantity": "2"}]},
        content_type="application/json",
    )
    assert changed.status_code == 200, changed.json()
    assert len(changed.json()["lines"]) == 1 and changed.json()["net_total"] == "398.00"
    assert admin.post(f"{base}submit/").json()["status"] == "submitted"


@pytest.mark.parametrize(
    ("role", "step", "expected"),
    [
        ("salesperson", "approve", 403),
        ("salesperson", "confirm", 403),
        ("warehouse_manager", "approve", 404),  # sees orders only once confirmed
        ("finance_manager", "approve", 403),
        ("dealer", "approve", 404),
        ("executive", "approve", 200),
        ("sales_manager", "approve", 200),
    ],
)
def test_only_reviewers_approve(sales_org, admin, role, step, expected):
    order = admin.post("/api/v1/orders/", _body(sales_org)).json()
    admin.post(f"/api/v1/orders/{order['id']}/submit/")
    response = sales_org.api(role).post(f"/api/v1/orders/{order['id']}/{step}/")
    assert response.status_code == expected, response.json()
    assert count_rows(sales_org, Order, status="submitted") == (0 if expected == 200 else 1)


def test_people_reach_only_orders_in_their_scope(sales_org):
    org = sales_org
    with schema_context(org.workspace.schema):
        mine = orders.order_create(
            actor=org.owner,
            customer=org.customers["rep_own"],
            lines=[{"product": org.products["kettle"], "quantity": Decimal("1")}],
        )
        north = orders.order_create(
            actor=org.owner,
            customer=org.customers["north"],
            lines=[{"product": org.products["kettle"], "quantity": Decimal("1")}],
        )
    rep = org.api("salesperson")
    ids = {row["id"] for row in rep.get("/api/v1/orders/").json()["results"]}
    assert ids == {mine.pk}
    assert rep.get(f"/api/v1/orders/{north.pk}/").status_code == 404
    assert rep.post(f"/api/v1/orders/{north.pk}/submit/").status_code == 404
    # The warehouse sees no drafts, and the dealer none of others' orders.
    assert org.api("warehouse_manager").get("/api/v1/orders/").json()["count"] == 0
    assert org.api("dealer").get("/api/v1/orders/").json()["count"] == 0
    # A dealer orders for itself.
    dealer = org.api("dealer")
    response = dealer.post(
        "/api/v1/orders/",
        {
            "customer": org.customers["dealer"].pk,
            "lines": [{"product": org.products["kettle"].pk, "quantity": "10"}],
        },
    )
    assert response.status_code == 201, response.json()
    refused = dealer.post(
        "/api/v1/orders/",
        {
            "customer": org.customers["north"].pk,
            "lines": [{"product": org.products["kettle"].pk, "quantity": "1"}],
        },
    )
    assert refused.status_code == 400 and "customer" in refused.json()["errors"]


def test_betas_key_never_reads_or_changes_alphas_orders(
    sales_org, beta_sales_org, api_key, api_client
):
    with schema_context(sales_org.workspace.schema):
        order = orders.order_create(
            actor=sales_org.owner,
            customer=sales_org.customers["rep_own"],
            lines=[{"product": sales_org.products["kettle"], "quantity": Decimal("1")}],
        )
    beta = api_client(beta_sales_org.workspace, api_key(beta_sales_org.workspace))
    assert beta.get("/api/v1/orders/").json()["count"] == 0
    assert beta.get(f"/api/v1/orders/{order.pk}/").status_code == 404
    for step in ("submit", "approve", "confirm", "cancel"):
        assert beta.post(f"/api/v1/orders/{order.pk}/{step}/").status_code == 404
    patched = beta.patch(
        f"/api/v1/orders/{order.pk}/", {"notes": "x"}, content_type="application/json"
    )
    assert patched.status_code == 404
    with schema_context(sales_org.workspace.schema):
        order.refresh_from_db()
        assert (order.status, order.notes) == ("draft", "")


def _grow(org, count: int) -> None:
    with schema_context(org.workspace.schema):
        for index in range(count):
            orders.order_create(
                actor=org.owner,
                customer=org.customers["rep_own" if index % 2 else "north"],
                lines=[
                    {"product": org.products["kettle"], "quantity": Decimal(index + 1)},
                    {"product": org.products["toaster"], "quantity": Decimal("1")},
                ],
            )


def _grow_returns(org, count: int) -> None:
    for index in range(count):
        factories.order_return(org, "rep_own" if index % 2 else "north")


@pytest.mark.parametrize(
    ("path", "queries"),
    [("/api/v1/orders/", 3), ("/api/v1/order-returns/", 4)],
)
def test_list_queries_do_not_grow_with_rows(sales_org, admin, path, queries):
    _grow(sales_org, 1)
    _grow_returns(sales_org, 1)

    def grow():
        _grow(sales_org, 8)
        _grow_returns(sales_org, 3)

    assert_list_queries(lambda: admin.get(path), grow, queries=queries, size=list_count)


def test_filters_and_bad_filters(sales_org, admin):
    _grow(sales_org, 3)
    north = sales_org.customers["north"].pk
    rows = admin.get(f"/api/v1/orders/?customer={north}").json()["results"]
    assert rows and {row["customer"] for row in rows} == {north}
    assert admin.get("/api/v1/orders/?status=draft").json()["count"] == 3
    assert admin.get("/api/v1/orders/?status=nonsense").status_code == 400
    assert admin.get("/api/v1/orders/?order_date_from=yesterday").status_code == 400
    assert count_rows(sales_org, OrderReturn) == 0


def test_an_amount_too_large_for_the_books_is_400_not_a_crash(sales_org, admin):
    lines = [
        {
            "product": sales_org.products["kettle"].pk,
            "quantity": "999999999.999",
            "unit_price": "999999999999.99",
        }
    ]
    response = admin.post("/api/v1/orders/", _body(sales_org, lines=lines, deposit="0"))
    assert response.status_code == 400
    assert "too large" in " ".join(response.json()["errors"]["lines"])
    assert count_rows(sales_org, Order) == 0


def test_creating_an_order_costs_the_same_queries_for_one_line_or_many(
    sales_org, admin, django_assert_max_num_queries
):
    with schema_context(sales_org.workspace.schema):
        extra = [
            md.product_create(
                actor=sales_org.owner, sku=f"Q-{n}", name=f"Q {n}", list_price=Decimal("1")
            )
            for n in range(6)
        ]
    one = [{"product": sales_org.products["kettle"].pk, "quantity": "1"}]
    many = [{"product": product.pk, "quantity": "2"} for product in extra]
    admin.post("/api/v1/orders/", _body(sales_org, lines=one, deposit="0"))
    with django_assert_max_num_queries(60) as single:
        admin.post("/api/v1/orders/", _body(sales_org, lines=one, deposit="0"))
    with django_assert_max_num_queries(len(single.captured_queries)):
        response = admin.post("/api/v1/orders/", _body(sales_org, lines=many, deposit="0"))
    assert response.status_code == 201 and len(response.json()["lines"]) == 6
