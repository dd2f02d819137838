"""The order list page and `GET /api/v1/orders/` filter with one FilterSet
(`sales.filters.OrderFilter`): the same parameter picks the same orders on both
doors; a bad value is a 400 on the API and is left out on the page. The page's
history comes from the one audit selector."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django_tenants.utils import schema_context

from tradepost.audit.selectors import audit_history
from tradepost.sales import orders


def _order(org, customer):
    with schema_context(org.workspace.schema):
        return orders.order_create(
            actor=org.owner,
            customer=org.customers[customer],
            lines=[{"product": org.products["kettle"], "quantity": Decimal("1")}],
        )


def _page_ids(response) -> set[int]:
    table = response.content.decode().split("<table", 1)[-1]
    return {int(found) for found in re.findall(r'href="/sales/orders/(\d+)/"', table)}


@pytest.fixture
def two_customers_orders(sales_org):
    return _order(sales_org, "rep_own"), _order(sales_org, "north")


def test_the_page_and_the_api_pick_the_same_orders_by_customer(sales_org, two_customers_orders):
    own, north = two_customers_orders
    client = sales_org.client("owner")
    query = {"customer": sales_org.customers["north"].pk}

    page = client.get("/sales/orders/", query)
    api = client.get("/api/v1/orders/", query)

    assert page.status_code == 200 and api.status_code == 200
    assert _page_ids(page) == {north.pk}
    assert {order["id"] for order in api.json()["results"]} == {north.pk}


def test_a_bad_filter_value_is_400_on_the_api_and_left_out_on_the_page(
    sales_org, two_customers_orders
):
    client = sales_org.client("owner")

    page = client.get("/sales/orders/", {"customer": "abc", "status": "bogus"})
    api = client.get("/api/v1/orders/", {"customer": "abc"})

    assert page.status_code == 200
    assert _page_ids(page) == {order.pk for order in two_customers_orders}
    assert api.status_code == 400
    assert "customer" in api.json()["errors"]


def test_the_status_filter_keeps_its_choice_and_the_page_links(sales_org, two_customers_orders):
    own, _north = two_customers_orders
    with schema_context(sales_org.workspace.schema):
        orders.order_submit(actor=sales_org.owner, order=own)
    client = sales_org.client("owner")

    page = client.get("/sales/orders/", {"status": "submitted"})

    assert _page_ids(page) == {own.pk}
    assert '<option value="submitted" selected>' in page.content.decode()


def test_audit_history_lists_one_documents_entries_oldest_first(sales_org, two_customers_orders):
    own, north = two_customers_orders
    with schema_context(sales_org.workspace.schema):
        orders.order_submit(actor=sales_org.owner, order=own)

        history = audit_history(own)

    assert [entry.action for entry in history] == ["order.created", "order.submitted"]
    detail = sales_org.client("owner").get(f"/sales/orders/{own.pk}/").content.decode()
    assert "Order submitted" in detail and "order.submitted" not in detail
