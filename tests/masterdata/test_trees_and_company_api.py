"""Branches, regions, categories, tax rates and the company profile over the API."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django_tenants.utils import schema_context

from tests.support.api import list_count
from tests.support.queries import assert_list_queries
from tradepost.masterdata import selectors, services
from tradepost.masterdata.models import Branch, CompanyProfile, SalesRegion, StaffProfile


@pytest.fixture
def admin(alpha, api_key, api_client):
    return api_client(alpha, api_key(alpha))


def test_regions_form_a_tree_and_subtree_filters_follow_it(admin):
    east = admin.post("/api/v1/regions/", {"name": "East China 华东", "code": "E"}).json()
    shanghai = admin.post("/api/v1/regions/", {"name": "上海", "parent": east["id"]}).json()
    pudong = admin.post("/api/v1/regions/", {"name": "浦东", "parent": shanghai["id"]}).json()
    south = admin.post("/api/v1/regions/", {"name": "South China 华南", "code": "S"}).json()

    subtree = admin.get(f"/api/v1/regions/?subtree_of={east['id']}").json()["results"]
    children = admin.get(f"/api/v1/regions/?parent={east['id']}").json()["results"]

    assert [r["name"] for r in subtree] == ["East China 华东", "上海", "浦东"]
    assert [(r["name"], r["parent"], r["depth"]) for r in children] == [("上海", east["id"], 2)]
    assert pudong["parent"] == shanghai["id"] and south["parent"] is None


def test_moving_a_branch_under_its_own_child_is_refused(admin):
    head = admin.post("/api/v1/branches/", {"name": "Head office 总部"}).json()
    child = admin.post("/api/v1/branches/", {"name": "Shanghai", "parent": head["id"]}).json()

    response = admin.patch(
        f"/api/v1/branches/{head['id']}/", {"parent": child["id"]}, content_type="application/json"
    )

    assert response.status_code == 400
    assert "parent" in response.json()["errors"]


def test_moving_a_branch_carries_its_subtree(alpha, admin):
    north = admin.post("/api/v1/branches/", {"name": "North"}).json()
    south = admin.post("/api/v1/branches/", {"name": "South"}).json()
    store = admin.post("/api/v1/branches/", {"name": "Store 1", "parent": south["id"]}).json()

    moved = admin.patch(
        f"/api/v1/branches/{south['id']}/", {"parent": north["id"]}, content_type="application/json"
    )

    assert moved.status_code == 200 and moved.json()["parent"] == north["id"]
    with schema_context(alpha.schema):
        ids = set(selectors.branch_subtree_ids(Branch.objects.get(pk=north["id"])))
    assert ids == {north["id"], south["id"], store["id"]}


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": ""}, "name"),
        ({"name": "X", "parent": 999999}, "parent"),
        ({"name": "X", "colour": "red"}, "colour"),
        ({"name": "X", "code": "c" * 41}, "code"),
    ],
)
def test_bad_tree_nodes_are_refused(alpha, admin, body, field):
    response = admin.post("/api/v1/branches/", body)

    assert response.status_code == 400
    assert field in response.json()["errors"]
    with schema_context(alpha.schema):
        assert not Branch.objects.exists()


@pytest.mark.parametrize("role", ["salesperson", "sales_manager", "finance_manager"])
def test_staff_read_regions_but_only_administrators_add_them(
    alpha, admin, api_key, api_client, role
):
    admin.post("/api/v1/regions/", {"name": "华北"})
    client = api_client(alpha, api_key(alpha, role))

    assert client.get("/api/v1/regions/").json()["count"] == 1
    assert client.post("/api/v1/regions/", {"name": "华西"}).status_code == 403


def test_sales_managers_maintain_product_categories(alpha, api_key, api_client):
    client = api_client(alpha, api_key(alpha, "sales_manager"))

    assert client.post("/api/v1/product-categories/", {"name": "Tea 茶"}).status_code == 201


def test_beta_sees_none_of_alphas_branches(alpha, beta, admin, api_key, api_client):
    branch = admin.post("/api/v1/branches/", {"name": "Alpha only"}).json()
    beta_admin = api_client(beta, api_key(beta))

    listed = beta_admin.get("/api/v1/branches/?search=Alpha").json()
    by_id = beta_admin.get(f"/api/v1/branches/{branch['id']}/")

    assert listed["count"] == 0
    assert by_id.status_code == 404


@pytest.mark.parametrize(
    ("path", "queries"),
    [("/api/v1/regions/", 3), ("/api/v1/branches/", 3), ("/api/v1/product-categories/", 3)],
)
def test_tree_lists_take_the_same_queries_for_one_node_and_many(admin, path, queries):
    root = admin.post(path, {"name": "Root"}).json()

    def grow():
        for index in range(15):
            admin.post(path, {"name": f"N{index}", "parent": root["id"]})

    response = assert_list_queries(lambda: admin.get(path), grow, queries=queries, size=list_count)

    assert response.json()["count"] == 16
    assert all(row["parent"] == root["id"] for row in response.json()["results"][1:])


def test_the_tax_rate_list_takes_the_same_queries_for_one_rate_and_many(admin):
    admin.post("/api/v1/tax-rates/", {"name": "VAT 13%", "rate": "13"})

    def grow():
        for index in range(10):
            admin.post("/api/v1/tax-rates/", {"name": f"Rate {index}", "rate": str(index)})

    assert_list_queries(lambda: admin.get("/api/v1/tax-rates/"), grow, queries=3, size=list_count)


def test_the_company_profile_reads_and_patches(alpha, admin):
    before = admin.get("/api/v1/company/").json()
    response = admin.patch(
        "/api/v1/company/",
        {"tax_id": "91310000MA1K000000", "base_currency": "USD"},
        content_type="application/json",
    )

    assert before["name"] == "Alpha Trading" and before["base_currency"] == "CNY"
    assert response.status_code == 200
    assert (response.json()["tax_id"], response.json()["base_currency"]) == (
        "91310000MA1K000000",
        "USD",
    )
    with schema_context(alpha.schema):
        assert CompanyProfile.objects.count() == 1


@pytest.mark.parametrize(
    "body", [{"base_currency": "XYZ"}, {"name": ""}, {"email": "nope"}, {"singleton": False}]
)
def test_bad_company_changes_are_refused(alpha, admin, body):
    response = admin.patch("/api/v1/company/", body, content_type="application/json")

    assert response.status_code == 400
    with schema_context(alpha.schema):
        assert not CompanyProfile.objects.exists()


@pytest.mark.parametrize(
    ("role", "read", "write"),
    [
        ("finance_manager", 200, 403),
        ("executive", 200, 403),
        ("salesperson", 403, 403),
        ("dealer", 403, 403),
    ],
)
def test_company_profile_permissions(alpha, api_key, api_client, role, read, write):
    client = api_client(alpha, api_key(alpha, role))

    assert client.get("/api/v1/company/").status_code == read
    assert (
        client.patch("/api/v1/company/", {"name": "X"}, content_type="application/json").status_code
        == write
    )


def test_a_new_default_tax_rate_takes_over_the_flag(admin):
    first = admin.post("/api/v1/tax-rates/", {"name": "VAT 13%", "rate": "13", "is_default": True})
    second = admin.post(
        "/api/v1/tax-rates/", {"name": "VAT 9%", "rate": "9.00", "is_default": True}
    )
    rates = admin.get("/api/v1/tax-rates/?is_default=true").json()["results"]

    assert (first.status_code, second.status_code) == (201, 201), second.json()
    assert [r["name"] for r in rates] == ["VAT 9%"]


@pytest.mark.parametrize("rate", ["-1", "100.01", "13.555", "abc"])
def test_tax_rates_outside_0_to_100_are_refused(admin, rate):
    response = admin.post("/api/v1/tax-rates/", {"name": "Odd", "rate": rate})

    assert response.status_code == 400
    assert "rate" in response.json()["errors"]


def test_staff_profiles_link_users_to_branches_and_regions(alpha, make_user):
    owner = alpha.owner()
    manager = make_user(alpha, "sales_manager")
    with schema_context(alpha.schema):
        branch = services.tree_node_create(actor=owner, model=Branch, name="Shanghai 上海")
        region = services.tree_node_create(actor=owner, model=SalesRegion, name="华东")
        services.staff_profile_set(
            actor=owner, user=manager, branch=branch, region=region, title="Manager 经理"
        )
        again = services.staff_profile_set(actor=owner, user=manager, branch=branch)
        with pytest.raises(PermissionDenied):
            services.staff_profile_set(actor=manager, user=manager, branch=branch)
        with pytest.raises(ValidationError):
            services.staff_profile_set(actor=owner, user=manager, branch=region)
        assert StaffProfile.objects.get(user=manager).pk == again.pk
        assert again.region is None


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/api/v1/products/", {"sku": 100, "name": "Numbers are not text"}),
        ("/api/v1/branches/", {"name": 5}),
        ("/api/v1/tax-rates/", {"name": ["VAT"], "rate": "13"}),
    ],
)
def test_numbers_where_text_belongs_are_type_errors(admin, path, body):
    response = admin.post(path, body)

    assert response.status_code == 400
    assert response.json()["errors"] == {next(iter(body)): ["Not a valid string."]}


def test_a_number_for_the_company_phone_is_refused(admin):
    response = admin.patch("/api/v1/company/", {"phone": 0}, content_type="application/json")

    assert response.status_code == 400
    assert "phone" in response.json()["errors"]
