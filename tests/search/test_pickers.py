"""Type-ahead of the customer and product pickers (`GET /search/pick/<kind>/?q=`): the
words found like global search (Chinese, pinyin, initials, codes), only what the form
would accept from the caller (customers in scope and active, active products), a few
at a time in a fixed number of queries, bad input a 400."""

from __future__ import annotations

from urllib.parse import quote as urlquote

import pytest
from django_tenants.utils import schema_context

from tests.support import factories
from tests.support.org import grow
from tests.support.queries import assert_list_queries
from tradepost.customers import services as customer_services
from tradepost.masterdata import services as md
from tradepost.search.pickers import LIMIT

pytestmark = pytest.mark.django_db


def _pick(client, kind: str, q: str = ""):
    return client.get(f"/search/pick/{kind}/?q={urlquote(q)}")


def _labels(response) -> list[str]:
    assert response.status_code == 200, response.content[:300]
    return [result["label"] for result in response.json()["results"]]


@pytest.mark.parametrize("q", ["明达", "mingda", "mdmy", "SH-1", "sh", "Mingda Trading"])
def test_chinese_pinyin_initials_and_code_find_the_customer(sales_org, q):
    found = _labels(_pick(sales_org.client("salesperson"), "customer", q))

    assert found == ["Mingda Trading 明达贸易 (SH-1)"]  # the <option>'s own label


def test_products_by_pinyin_and_sku(sales_org):
    client = sales_org.client("salesperson")

    assert _labels(_pick(client, "product", "dianshuihu")) == ["KT-1 — Kettle 电水壶"]
    assert _labels(_pick(client, "product", "ts-1")) == ["TS-1 — Toaster 烤面包机"]
    answer = _pick(client, "product", "kaomianbao").json()["results"][0]
    assert answer["id"] == sales_org.products["toaster"].pk and answer["secondary"] == "pcs"


def test_only_customers_the_form_would_accept(sales_org):
    """The Shanghai salesperson's picker holds their own and their branch's customers —
    never the Beijing rep's — and no inactive customer."""
    rep = sales_org.client("salesperson")
    assert _labels(_pick(rep, "customer", "jinghua")) == []
    assert _labels(_pick(rep, "customer", "haitian")) == []
    assert _labels(_pick(sales_org.client("owner"), "customer", "jinghua")) == [
        "Jinghua Commerce 京华商贸 (BJ-1)"
    ]
    assert _labels(_pick(sales_org.client("dealer"), "customer")) == [
        "Haitian Dealers 海天经销 (DL-1)"
    ]
    with schema_context(sales_org.schema):
        customer_services.customer_update(
            actor=sales_org.owner, customer=sales_org.customers["rep_own"], is_active=False
        )
    assert _labels(_pick(rep, "customer", "mingda")) == []


def test_inactive_products_are_not_offered(sales_org):
    with schema_context(sales_org.schema):
        md.product_update(
            actor=sales_org.owner, product=sales_org.products["kettle"], is_active=False
        )

    assert _labels(_pick(sales_org.client("salesperson"), "product", "kettle")) == []


def test_an_empty_search_lists_the_first_few_in_the_forms_order(sales_org):
    for index in range(LIMIT + 2):
        factories.product(sales_org, sku=f"ZZ-{index:02d}", name=f"Widget {index}")

    answer = _pick(sales_org.client("salesperson"), "product").json()

    assert len(answer["results"]) == LIMIT and answer["more"] is True
    labels = [result["label"] for result in answer["results"]]
    assert labels == sorted(labels) and labels[0].startswith("KT-1")
    widgets = _pick(sales_org.client("salesperson"), "product", "widget").json()
    assert widgets["more"] is True and len(widgets["results"]) == LIMIT


def test_who_may_use_which_picker(sales_org):
    warehouse = sales_org.client("warehouse_manager")

    assert _pick(warehouse, "customer", "mingda").status_code == 403
    assert _pick(warehouse, "product", "kettle").status_code == 200  # it reads the catalogue
    assert (
        _pick(sales_org.client("dealer"), "product", "kettle").status_code == 200
    )  # enters orders
    assert _pick(sales_org.client("salesperson"), "user", "a").status_code == 404
    anonymous = sales_org.workspace.client()
    assert _pick(anonymous, "customer", "mingda").status_code == 302


@pytest.mark.parametrize("q", ["x" * 101, "bad\x00word", "a b c d e f g h i"])
def test_a_bad_search_is_a_400(sales_org, q):
    response = _pick(sales_org.client("owner"), "customer", q)

    assert response.status_code == 400
    assert response.json()["errors"]["q"]


def test_another_workspaces_customers_are_not_found(sales_org, beta_sales_org):
    factories.customer(beta_sales_org, name="Beta Only 北方独家", code="BETA-1")

    assert _labels(_pick(sales_org.client("owner"), "customer", "beta")) == []
    assert _labels(_pick(beta_sales_org.client("owner"), "customer", "beta")) == [
        "Beta Only 北方独家 (BETA-1)"
    ]


@pytest.mark.parametrize("kind", ["customer", "product"])
def test_a_fixed_number_of_queries_however_many_match(sales_org, kind):
    client = sales_org.client("owner")

    def more():
        for index in range(3):
            if kind == "customer":
                grow(sales_org, index)
            else:
                factories.product(sales_org, sku=f"GR-{index}", name=f"Grown {index}")

    assert_list_queries(
        lambda: _pick(client, kind),
        more,
        # Schema, session, user, permissions (2), the records; customers: the roles.
        queries=7 if kind == "customer" else 6,
        size=lambda response: len(response.json()["results"]),
    )
