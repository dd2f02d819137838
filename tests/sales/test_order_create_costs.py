"""`POST /api/v1/orders/` on its fast path: a fixed number of queries whatever the
number of lines, and an answer built from the rows just written that is exactly what
reading the order back gives."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from django_tenants.utils import schema_context

from api.webhooks.services import webhook_endpoint_create
from tradepost.masterdata import services as md
from tradepost.sales.models import Order, OrderLine
from tradepost.versioned_cache import VersionedCache

# Of an idempotent create, in the test's transaction (caches warm, as on a running
# server): the request's savepoint and its release (on a server, the transaction's
# BEGIN and COMMIT, not counted), the search_path (on a server, skipped when a kept
# connection already serves the workspace), and the 10 below: 13 in the test, at most
# 12 on a server. Issue 12 asks for at most 12.
CREATE_QUERIES = 13
# What touches rows: the idempotency lock and lookup, products, customer, plan usage
# (this month's row of the order tally), price lists, the order, its lines (one
# INSERT), the audit entry, the idempotency record. The service runs in the request's
# transaction without a savepoint of its own. Routing, the API key, its role's
# permissions, the webhook subscribers, the default location, the default tax rate and
# the running promotions come from the cache (billing.routing, api.keys,
# api.webhooks.services.subscribers, masterdata.selectors.default_locations,
# pricing.documents.default_tax_rates, pricing.selectors.running_promotions).
CREATE_ROW_QUERIES = 10
TRANSACTION_CONTROL = ("SAVEPOINT", "RELEASE SAVEPOINT", "SET search_path")


def _setup_committed() -> None:
    """The fixtures' rows count as committed, as a running server's data is: the cache
    renewals their changes queued for the commit run now and leave the queue, so the
    caches of what they changed (the default tax rate …) may fill again."""
    pending = connection.run_on_commit
    renewals = [
        entry
        for entry in pending
        if isinstance(getattr(entry[1], "__self__", None), VersionedCache)
    ]
    for entry in renewals:
        entry[1]()
        pending.remove(entry)


@pytest.fixture
def admin(sales_org, api_key, api_client):
    return api_client(sales_org.workspace, api_key(sales_org.workspace))


def _lines(org, count: int) -> list[dict]:
    """`count` lines of new products priced in the customer's currency."""
    currency = org.customers["rep_own"].currency
    with schema_context(org.workspace.schema):
        products = [
            md.product_create(
                actor=org.owner,
                sku=f"COST-{index}",
                name=f"Product {index} 产品",
                list_price=Decimal("10.00") + index,
                currency=currency,
            )
            for index in range(count)
        ]
    return [{"product": p.pk, "quantity": str(i + 1)} for i, p in enumerate(products)]


def _create(client, org, lines, key):
    return client.post(
        "/api/v1/orders/",
        {"customer": org.customers["rep_own"].pk, "lines": lines, "deposit": "10.00"},
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY=key,
    )


@pytest.mark.parametrize("line_count", [1, 5, 20])
def test_an_order_create_runs_the_same_few_queries_for_any_number_of_lines(
    sales_org, admin, django_assert_num_queries, line_count
):
    lines = _lines(sales_org, line_count)
    _setup_committed()
    warm_up = _create(admin, sales_org, lines, "warm-up")  # fills the caches
    assert warm_up.status_code == 201, warm_up.json()

    with django_assert_num_queries(CREATE_QUERIES) as captured:
        response = _create(admin, sales_org, lines, "measured")

    assert response.status_code == 201, response.json()
    assert len(response.json()["lines"]) == line_count
    row_queries = [
        q["sql"] for q in captured.captured_queries if not q["sql"].startswith(TRANSACTION_CONTROL)
    ]
    assert len(row_queries) == CREATE_ROW_QUERIES, "\n".join(q[:70] for q in row_queries)
    assert sum(sql.startswith('INSERT INTO "sales_orderline"') for sql in row_queries) == 1


def test_the_create_answer_is_what_reading_the_order_gives(sales_org, admin):
    with schema_context(sales_org.workspace.schema):
        webhook_endpoint_create(
            actor=sales_org.owner, url="https://hooks.example.com/o", event_types=["order.created"]
        )
    lines = _lines(sales_org, 3)
    lines[1].update(discount_percent="7.5", description="With a note 备注")
    lines[2].update(unit_price="12.34")  # a manual price

    created = _create(admin, sales_org, lines, "same-json")

    assert created.status_code == 201, created.json()
    read = admin.get(f"/api/v1/orders/{created.json()['id']}/")
    assert created.content == read.content
    with schema_context(sales_org.workspace.schema):
        assert OrderLine.objects.filter(order_id=created.json()["id"]).count() == 3
        assert Order.objects.filter(pk=created.json()["id"]).exists()


def test_a_refused_create_writes_nothing_and_its_answer_is_kept_for_the_key(sales_org, admin):
    """The service refuses in the request's transaction (no savepoint of its own): the
    refusal is answered and stored for the key, and nothing of the order is written."""
    lines = _lines(sales_org, 2)
    with schema_context(sales_org.workspace.schema):
        orders_before = Order.objects.filter(pk__gt=0).count()
    body = {"customer": sales_org.customers["rep_own"].pk, "lines": lines, "deposit": "99999.00"}

    refused = admin.post(
        "/api/v1/orders/", body, content_type="application/json", HTTP_IDEMPOTENCY_KEY="too-much"
    )
    again = admin.post(
        "/api/v1/orders/", body, content_type="application/json", HTTP_IDEMPOTENCY_KEY="too-much"
    )

    assert refused.status_code == 400, refused.json()
    assert "deposit" in refused.json()["errors"] or "deposit" in str(refused.json())
    assert again.status_code == 400 and again.content == refused.content
    assert again["Idempotent-Replayed"] == "true"
    with schema_context(sales_org.workspace.schema):
        assert Order.objects.filter(pk__gt=0).count() == orders_before
        assert not OrderLine.objects.filter(product_id=lines[0]["product"]).exists()
