"""`/api/v1/products/`: list, filters, create, change — per role and per workspace."""

from __future__ import annotations

import pytest
from django_tenants.utils import schema_context

from tests.support.api import list_count
from tests.support.queries import assert_list_queries
from tradepost.audit.models import AuditEntry
from tradepost.masterdata.models import Product

STAFF_ROLES = [
    "executive",
    "sales_manager",
    "salesperson",
    "warehouse_manager",
    "finance_manager",
    "customer_information_manager",
]


def _skus(response) -> list[str]:
    return [row["sku"] for row in response.json()["results"]]


@pytest.fixture
def admin(alpha, api_key, api_client):
    return api_client(alpha, api_key(alpha))


@pytest.mark.parametrize("role", STAFF_ROLES)
def test_every_staff_role_lists_the_catalogue(alpha, catalogue, api_key, api_client, role):
    response = api_client(alpha, api_key(alpha, role)).get("/api/v1/products/")

    assert response.status_code == 200
    assert _skus(response) == ["KT-100", "PN-001", "TS-200"]
    kettle = response.json()["results"][0]
    assert kettle["list_price"] == "199.00"
    assert kettle["currency"] == "CNY"
    assert kettle["tax_rate"] == catalogue.vat.pk
    assert kettle["category"] == catalogue.kettles.pk


def test_a_dealer_key_cannot_read_the_catalogue(alpha, catalogue, api_key, api_client):
    response = api_client(alpha, api_key(alpha, "dealer")).get("/api/v1/products/")

    assert response.status_code == 403


def test_a_category_filter_takes_in_its_sub_categories(admin, catalogue):
    response = admin.get(f"/api/v1/products/?category={catalogue.appliances.pk}")

    assert _skus(response) == ["KT-100", "TS-200"]


@pytest.mark.parametrize(
    ("query", "skus"),
    [
        ("is_active=false", ["PN-001"]),
        ("search=kettle", ["KT-100"]),
        ("search=烤面包", ["TS-200"]),
        ("search=6901234567892", ["KT-100"]),
        ("ordering=-list_price", ["TS-200", "KT-100", "PN-001"]),
        ("updated_since=2999-01-01T00:00:00Z", []),
    ],
)
def test_filters_search_and_ordering(admin, catalogue, query, skus):
    response = admin.get(f"/api/v1/products/?{query}")

    assert response.status_code == 200
    assert _skus(response) == skus


@pytest.mark.parametrize(
    "query", ["category=999999", "category=", "is_active=maybe", "ordering=nonsense"]
)
def test_bad_filters_are_400(admin, catalogue, query):
    response = admin.get(f"/api/v1/products/?{query}")

    assert response.status_code in (400, 200)
    if "ordering" not in query:
        assert response.status_code == 400
        assert response.json()["code"] == "invalid"


@pytest.mark.parametrize("role", ["sales_manager", "customer_information_manager"])
def test_keepers_of_the_catalogue_add_products(alpha, catalogue, api_key, api_client, role):
    client = api_client(alpha, api_key(alpha, role))

    response = client.post(
        "/api/v1/products/",
        {
            "sku": "MG-300",
            "name": "Mug 马克杯",
            "list_price": "19.9",
            "category": catalogue.kettles.pk,
        },
        content_type="application/json",
    )

    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["list_price"] == "19.90"
    assert body["tax_rate"] == catalogue.vat.pk  # the default rate
    with schema_context(alpha.schema):
        product = Product.objects.get(sku="MG-300")
        assert AuditEntry.objects.filter(action="product.created", target_id=str(product.pk))


@pytest.mark.parametrize(
    "role", ["salesperson", "warehouse_manager", "finance_manager", "executive"]
)
def test_other_roles_cannot_add_or_change_products(alpha, catalogue, api_key, api_client, role):
    client = api_client(alpha, api_key(alpha, role))

    created = client.post(
        "/api/v1/products/", {"sku": "X-1", "name": "X"}, content_type="application/json"
    )
    changed = client.patch(
        f"/api/v1/products/{catalogue.kettle.pk}/",
        {"list_price": "1.00"},
        content_type="application/json",
    )

    assert (created.status_code, changed.status_code) == (403, 403)
    with schema_context(alpha.schema):
        assert not Product.objects.filter(sku="X-1").exists()
        assert str(Product.objects.get(pk=catalogue.kettle.pk).list_price) == "199.00"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"sku": "kt-100", "name": "Same SKU in lower case"}, "sku"),
        ({"sku": "NEW-1", "name": "Same barcode", "barcode": "6901234567892"}, "barcode"),
        ({"sku": "NEW-1", "name": "Negative", "list_price": "-1"}, "list_price"),
        ({"sku": "NEW-1", "name": "Three places", "list_price": "1.005"}, "list_price"),
        ({"sku": "NEW-1", "name": "Currency", "currency": "XXX"}, "currency"),
        ({"sku": "   ", "name": "Blank SKU"}, "sku"),
        ({"sku": "NEW-1", "name": "Unknown field", "colour": "red"}, "colour"),
        ({"sku": "NEW-1", "name": "No such category", "category": 999999}, "category"),
    ],
)
def test_bad_products_are_refused_with_the_field_named(alpha, catalogue, admin, body, field):
    response = admin.post("/api/v1/products/", body, content_type="application/json")

    assert response.status_code == 400
    assert field in response.json()["errors"]
    with schema_context(alpha.schema):
        assert Product.objects.count() == 3


def test_patch_changes_only_what_is_sent(alpha, catalogue, admin):
    response = admin.patch(
        f"/api/v1/products/{catalogue.kettle.pk}/",
        {"list_price": "189.00", "is_active": False},
        content_type="application/json",
    )

    assert response.status_code == 200
    with schema_context(alpha.schema):
        kettle = Product.objects.get(pk=catalogue.kettle.pk)
    assert (str(kettle.list_price), kettle.is_active, kettle.sku) == ("189.00", False, "KT-100")


def test_another_workspace_never_sees_or_changes_alphas_products(
    alpha, beta, catalogue, beta_catalogue, api_key, api_client
):
    beta_admin = api_client(beta, api_key(beta))

    listed = beta_admin.get("/api/v1/products/?search=KT-100")
    by_id = beta_admin.get(f"/api/v1/products/{catalogue.kettle.pk}/")
    beta_admin.patch(
        f"/api/v1/products/{catalogue.kettle.pk}/",
        {"name": "hijacked"},
        content_type="application/json",
    )
    exported = beta_admin.get("/api/v1/products/export/?format=csv")

    assert _skus(listed) == ["B-KT-100"]
    # The id names nothing in beta, or beta's own row: never alpha's.
    assert by_id.status_code == 404 or by_id.json()["sku"].startswith("B-")
    export_text = b"".join(exported.streaming_content).decode("utf-8-sig")
    assert "B-KT-100" in export_text and "\nKT-100" not in export_text
    with schema_context(alpha.schema):
        assert Product.objects.get(pk=catalogue.kettle.pk).name.startswith("Stainless kettle")


def test_the_list_takes_the_same_queries_for_few_products_and_many(alpha, catalogue, admin):
    from tradepost.masterdata import services

    def grow():
        owner = alpha.owner()
        with schema_context(alpha.schema):
            for index in range(20):
                services.product_create(
                    actor=owner, sku=f"BULK-{index}", name="Bulk", category=catalogue.kettles
                )

    response = assert_list_queries(
        lambda: admin.get("/api/v1/products/"), grow, queries=3, size=list_count
    )

    assert response.json()["count"] == 23


def test_subscribers_hear_of_new_and_changed_products(alpha, catalogue, admin):
    from api.webhooks.models import WebhookEvent

    with schema_context(alpha.schema):
        from api.webhooks.models import WebhookEndpoint

        WebhookEndpoint.objects.create(
            url="https://erp.example.com/hook",
            event_types=["product.created", "product.updated"],
            secret="whsec_test",
        )
    admin.post(
        "/api/v1/products/", {"sku": "HK-1", "name": "Hooked"}, content_type="application/json"
    )
    admin.patch(
        f"/api/v1/products/{catalogue.kettle.pk}/",
        {"list_price": "150"},
        content_type="application/json",
    )

    with schema_context(alpha.schema):
        events = list(WebhookEvent.objects.order_by("pk").values_list("event_type", "payload"))
    assert [(kind, payload["sku"]) for kind, payload in events] == [
        ("product.created", "HK-1"),
        ("product.updated", "KT-100"),
    ]
    assert events[1][1]["list_price"] == "150.00"
