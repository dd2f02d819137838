"""Global search (`/search/?q=`, `GET /api/v1/search/`): Chinese, pinyin and Latin
words find customers, contacts, orders, quotes, opportunities and products — only
those the caller could open, only in the groups the caller may view, never another
workspace's, with a fixed number of queries however many records match."""

from __future__ import annotations

from urllib.parse import quote as urlquote

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django_tenants.utils import schema_context

from tests.support import factories
from tests.support.org import grow
from tests.support.queries import assert_list_queries
from tradepost.customers import services as customer_services

pytestmark = pytest.mark.django_db


def _search(client, q: str, **params: str):
    query = "&".join([f"q={urlquote(q)}", *(f"{k}={urlquote(v)}" for k, v in params.items())])
    return client.get(f"/api/v1/search/?{query}")


def _found(response) -> dict[str, list[str]]:
    assert response.status_code == 200, response.content[:500]
    return {
        group["type"]: [hit["label"] for hit in group["results"]]
        for group in response.json()["groups"]
    }


@pytest.fixture
def hangzhou(sales_org):
    """杭州明达 — a customer of the Shanghai salesperson — with a contact, an order, a
    quote and an opportunity; and a product 电热水壶."""
    customer = factories.customer(
        sales_org,
        name="杭州明达",
        code="HZ-88",
        owner=sales_org.users["salesperson"],
        branch=sales_org.branches["shanghai"],
    )
    sales_org.customers["hangzhou"] = customer
    factories.contact(sales_org, customer, name="王小明", title="采购经理")
    factories.order(sales_org, "hangzhou")
    factories.quote(sales_org, "hangzhou")
    factories.opportunity(sales_org, "hangzhou", name="厨房改造 Kitchen refit")
    factories.product(sales_org, sku="DRS-1", name="电热水壶")
    return customer


@pytest.mark.parametrize(
    "q", ["杭州明达", "明达", "hzmd", "mingda", "HangZhou", "hz-88", "杭州 mingda", "hz", "州明"]
)
def test_chinese_pinyin_initials_and_code_find_the_customer(sales_org, hangzhou, q):
    found = _found(_search(sales_org.api("owner"), q))

    assert "杭州明达" in found["customer"]


def test_a_customer_name_finds_its_orders_quotes_and_opportunities(sales_org, hangzhou):
    response = _search(sales_org.api("salesperson"), "hzmd")
    found = _found(response)

    assert len(found["order"]) == 1 and len(found["quote"]) == 1
    assert found["opportunity"] == ["厨房改造 Kitchen refit"]
    order = next(g for g in response.json()["groups"] if g["type"] == "order")["results"][0]
    assert order["secondary"].startswith("杭州明达")
    assert order["url"] == f"/sales/orders/{order['id']}/"


def test_contacts_and_products_by_pinyin(sales_org, hangzhou):
    client = sales_org.api("owner")

    assert _found(_search(client, "wxm"))["contact"] == ["王小明"]
    assert _found(_search(client, "wangxiaoming"))["contact"] == ["王小明"]
    assert _found(_search(client, "dianreshuihu"))["product"] == ["电热水壶"]
    hit = _search(client, "DRS-1").json()["groups"][-1]["results"][0]
    assert hit["url"] == "/products/?q=DRS-1"


def test_renamed_and_deleted_records_follow(sales_org, hangzhou):
    client = sales_org.api("owner")
    with schema_context(sales_org.schema):
        customer_services.customer_update(actor=sales_org.owner, customer=hangzhou, name="苏州恒达")

    assert "苏州恒达" in _found(_search(client, "szhd"))["customer"]
    assert _found(_search(client, "hzmd"))["customer"] == []

    with schema_context(sales_org.schema):
        contact = hangzhou.contacts.get()
        customer_services.contact_delete(actor=sales_org.owner, contact=contact)

    assert _found(_search(client, "wxm"))["contact"] == []


def test_only_records_in_the_callers_scope(sales_org, hangzhou):
    """The Shanghai salesperson sees their own customers' records, not the Beijing
    salesperson's 京华商贸 — by name, by pinyin, or through its orders."""
    factories.order(sales_org, "north")
    owner = _found(_search(sales_org.api("owner"), "jinghua"))
    rep = _found(_search(sales_org.api("salesperson"), "jinghua"))
    north_rep = _found(_search(sales_org.api("north_rep"), "jhsm"))

    assert owner["customer"] == ["Jinghua Commerce 京华商贸"] and len(owner["order"]) == 1
    assert rep["customer"] == [] and rep["order"] == []
    assert north_rep["customer"] == ["Jinghua Commerce 京华商贸"]
    assert _found(_search(sales_org.api("north_rep"), "hzmd"))["customer"] == []


def test_a_dealer_finds_only_its_own_record(sales_org, hangzhou):
    found = _found(_search(sales_org.api("dealer"), "海天"))
    others = _found(_search(sales_org.api("dealer"), "mingda"))

    assert found.get("customer") == ["Haitian Dealers 海天经销"]
    assert all(labels == [] for labels in others.values())


def test_another_workspace_is_never_searched(sales_org, beta_sales_org, hangzhou):
    """beta's records are named like alpha's, with a B- prefix; both schemas share ids."""
    factories.customer(beta_sales_org, name="B-杭州明达", code="B-HZ-88")

    alpha = _found(_search(sales_org.api("owner"), "mingda"))
    beta = _found(_search(beta_sales_org.api("owner"), "mingda"))

    assert all(not label.startswith("B-") for labels in alpha.values() for label in labels)
    assert "杭州明达" in alpha["customer"]
    assert set(beta["customer"]) == {"B-杭州明达", "B-Mingda Trading 明达贸易"}


def test_groups_follow_view_permissions(sales_org, hangzhou):
    """The warehouse manager reads orders (from confirmation on) and the catalogue, not
    customers, contacts, quotes or opportunities: those groups are absent, not empty."""
    found = _found(_search(sales_org.api("warehouse_manager"), "mingda"))

    assert "customer" not in found and "contact" not in found
    assert "quote" not in found and "opportunity" not in found
    assert found.get("order") == []  # a draft order is not the warehouse's yet


def test_types_narrow_the_groups(sales_org, hangzhou):
    found = _found(_search(sales_org.api("owner"), "hzmd", types="order,customer"))

    assert list(found) == ["customer", "order"]


def test_an_api_key_searches_with_its_role(sales_org, hangzhou, api_key, api_client):
    key = api_key(sales_org.workspace, role="warehouse_manager")

    found = _found(_search(api_client(sales_org.workspace, key), "hzmd"))

    assert "customer" not in found


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"q": ""}, "q"),
        ({"q": "   "}, "q"),
        ({"q": "x" * 101}, "q"),
        ({"q": "明达\x00"}, "q"),
        ({"q": "a\u202eb"}, "q"),
        ({"q": "mingda", "types": "orders,invoice"}, "types"),
        ({"q": "mingda", "limit": "0"}, "limit"),
        ({"q": "mingda", "limit": "many"}, "limit"),
        ({"q": "mingda", "limit": ""}, "limit"),
        ({"q": "mingda", "limit": "21"}, "limit"),
    ],
)
def test_bad_input_is_a_400_naming_the_parameter(sales_org, params, field):
    query = "&".join(f"{k}={urlquote(v)}" for k, v in params.items())

    response = sales_org.api("owner").get(f"/api/v1/search/?{query}")

    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid" and list(body["errors"]) == [field]
    assert body["errors"][field][0]


def test_no_q_at_all_is_a_400(sales_org):
    response = sales_org.api("owner").get("/api/v1/search/")

    assert response.status_code == 400
    assert "Type a name, code, number or pinyin" in response.json()["errors"]["q"][0]


def test_signed_out_callers_are_refused(alpha):
    assert alpha.api().get("/api/v1/search/?q=mingda").status_code in (401, 403)


def test_the_api_runs_a_fixed_number_of_queries(sales_org):
    """One query per group (six for the owner) after the six of every request (schema,
    session, user, permissions, roles), whether one customer matches or many."""
    client = sales_org.api("owner")

    def more():
        for index in range(4):
            grow(sales_org, index)

    def hits(response) -> int:
        return sum(len(group["results"]) for group in response.json()["groups"])

    grow(sales_org, 99)
    assert_list_queries(
        lambda: _search(client, "grow", limit="10"), more, queries=QUERIES_API, size=hits
    )


QUERIES_API = 12


def test_the_page_runs_a_fixed_number_of_queries(sales_org):
    """The page runs the API's twelve: the shell's navigation and banners read what the
    request already holds (roles, permissions)."""
    client = sales_org.client("owner")

    def more():
        for index in range(4):
            grow(sales_org, index)

    grow(sales_org, 99)
    assert_list_queries(
        lambda: client.get("/search/?q=grow"),
        more,
        queries=QUERIES_PAGE,
        size=lambda response: response.content.decode().count('<li><a href="/customers/'),
    )


QUERIES_PAGE = 12


# --- The page ----------------------------------------------------------------------
def test_the_page_lists_groups_with_links(sales_org, hangzhou):
    response = sales_org.client("salesperson").get("/search/?q=hzmd")

    assert response.status_code == 200
    page = response.content.decode()
    assert f'href="/customers/{hangzhou.pk}/"' in page
    assert "杭州明达" in page and "厨房改造 Kitchen refit" in page
    assert "<h2" in page and "Opportunities" in page
    assert "Jinghua" not in page


def test_the_page_says_what_is_wrong_with_a_bad_search(sales_org):
    client = sales_org.client("owner")

    empty = client.get("/search/?q=+")
    nul = client.get("/search/?q=%00")
    long = client.get("/search/?q=" + "x" * 101)

    assert empty.status_code == nul.status_code == long.status_code == 400
    assert "Type a name, code, number or pinyin" in empty.content.decode()
    assert "control characters" in nul.content.decode()
    assert "at most 100 characters" in long.content.decode()


def test_the_page_without_a_search_and_with_nothing_found(sales_org):
    client = sales_org.client("owner")

    assert client.get("/search/").status_code == 200
    nothing = client.get("/search/?q=zzqqxx")
    assert nothing.status_code == 200
    assert "Nothing found for" in nothing.content.decode()


def test_every_workspace_page_has_the_search_box(sales_org):
    page = sales_org.client("salesperson").get("/").content.decode()

    assert 'action="/search/"' in page and "data-global-search" in page


def test_the_page_needs_a_signed_in_user(alpha):
    response = alpha.client().get("/search/?q=mingda")

    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


# --- The index ---------------------------------------------------------------------
def test_workspace_schemas_have_the_trigram_indexes_where_the_server_has_pg_trgm(alpha):
    """One partial trigram index per kind, in alpha's schema (cloned from the template
    the migration ran in); none on a server without pg_trgm."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_available_extensions WHERE name = 'pg_trgm'")
        available = cursor.fetchone() is not None
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes"
            " WHERE schemaname = %s AND indexdef LIKE %s ORDER BY indexname",
            [alpha.schema, "%gin_trgm_ops%"],
        )
        indexes = cursor.fetchall()

    if not available:
        assert indexes == []
    else:
        assert [name for name, _ in indexes] == [
            f"search_document_trgm_{kind}"
            for kind in sorted(("customer", "contact", "order", "quote", "product", "opportunity"))
        ]


def test_short_words_match_chinese_pairs_and_word_starts(sales_org, hangzhou):
    """One or two characters have no trigram: they match a Chinese character or pair
    anywhere, and the start of any other word (its code, its pinyin)."""
    client = sales_org.api("owner")

    assert "杭州明达" in _found(_search(client, "明达"))["customer"]
    assert "杭州明达" in _found(_search(client, "达"))["customer"]
    assert "杭州明达" in _found(_search(client, "ha"))["customer"]  # hangzhoumingda
    assert "杭州明达" not in _found(_search(client, "da"))["customer"]  # not a word start


def test_imported_customers_and_renames_are_found(sales_org, hangzhou):
    """Imports write in bulk (no post_save): the search documents follow them too."""
    rows = "code,name\nIMP-1,宁波远洋\nHZ-88,温州明达\n".encode("utf-8-sig")
    upload = SimpleUploadedFile("customers.csv", rows, "text/csv")

    response = sales_org.client("owner").post("/data/customers/import/", {"file": upload})

    assert response.status_code == 302, response.content.decode()[:2000]
    client = sales_org.api("owner")
    assert _found(_search(client, "nbyy"))["customer"] == ["宁波远洋"]
    assert _found(_search(client, "wzmd"))["customer"] == ["温州明达"]
    assert _found(_search(client, "hzmd"))["customer"] == []
