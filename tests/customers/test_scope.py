"""Record ownership: each role sees and edits exactly its customers, the same way in
the list, the 360° page, the API, search and exports."""

from __future__ import annotations

import csv
import datetime
import io
import re

import pytest
from django_tenants.utils import schema_context

from tradepost.customers import selectors, services
from tradepost.customers.models import Customer

ALL = {"rep_own", "hangzhou_unowned", "region_only", "north", "dealer"}
EXPECTED = {
    "salesperson": {"rep_own"},
    "north_rep": {"north", "dealer"},
    # branch East (Shanghai, Hangzhou below it) and region 华东 (上海 below it)
    "sales_manager": {"rep_own", "hangzhou_unowned", "region_only"},
    "executive": ALL,
    "finance_manager": ALL,
    "customer_information_manager": ALL,
    "owner": ALL,
    "dealer": {"dealer"},
    "warehouse_manager": set(),
}


def _without_tokens(response) -> str:
    """The page without its per-request CSRF token and its own address."""
    page = re.sub(r"[A-Za-z0-9]{64}", "", response.content.decode())
    return re.sub(r"/customers/\d+/", "/customers/ID/", page)


def _actor(org, who):
    return org.owner if who == "owner" else org.users[who]


@pytest.mark.parametrize("who", sorted(EXPECTED))
def test_the_selector_gives_each_role_its_customers(org, who):
    with schema_context(org.workspace.schema):
        seen = set(selectors.customers_visible_to(_actor(org, who)).values_list("pk", flat=True))

    assert seen == org.ids(*EXPECTED[who])


def test_a_manager_also_sees_customers_of_their_team_without_a_branch(org):
    with schema_context(org.workspace.schema):
        teams = services.customer_create(
            actor=org.owner, name="Team customer", owner=org.users["salesperson"]
        )
        services.customer_update(actor=org.owner, customer=teams, branch=None, region=None)
        seen = set(
            selectors.customers_visible_to(org.users["sales_manager"]).values_list("pk", flat=True)
        )

    assert teams.pk in seen


def test_a_manager_without_a_staff_profile_sees_only_their_own(org, make_user):
    manager = make_user(org.workspace, "sales_manager", email="lonely@alpha.test")
    with schema_context(org.workspace.schema):
        mine = services.customer_create(actor=manager, name="Mine 我的客户")
        seen = set(selectors.customers_visible_to(manager).values_list("pk", flat=True))

    assert seen == {mine.pk}


@pytest.mark.parametrize(
    ("role", "sees_all"),
    [
        ("system_administrator", True),
        ("executive", True),
        ("finance_manager", True),
        ("customer_information_manager", True),
        ("sales_manager", False),
        ("salesperson", False),
    ],
)
def test_api_keys_see_all_or_nothing_by_role(org, api_key, api_client, role, sees_all):
    client = api_client(org.workspace, api_key(org.workspace, role=role))

    response = client.get("/api/v1/customers/")

    assert response.status_code == 200
    ids = {row["id"] for row in response.json()["results"]}
    assert ids == (org.ids(*ALL) if sees_all else set())


@pytest.mark.parametrize("who", ["salesperson", "sales_manager", "north_rep", "dealer", "owner"])
def test_the_list_page_shows_the_scope(org, who):
    body = org.client(who).get("/customers/").content.decode()

    for name, customer in org.customers.items():
        assert (customer.name in body) == (name in EXPECTED[who]), name


@pytest.mark.parametrize("who", ["salesperson", "sales_manager", "dealer"])
def test_an_out_of_scope_customer_page_is_404_like_a_missing_one(org, who):
    client = org.client(who)
    hidden = next(c for name, c in org.customers.items() if name not in EXPECTED[who])
    visible = next(c for name, c in org.customers.items() if name in EXPECTED[who])

    missing = client.get("/customers/999999/")
    out_of_scope = client.get(f"/customers/{hidden.pk}/")

    assert client.get(f"/customers/{visible.pk}/").status_code == 200
    assert out_of_scope.status_code == missing.status_code == 404
    assert _without_tokens(out_of_scope) == _without_tokens(missing)
    assert hidden.name not in out_of_scope.content.decode()


def test_the_warehouse_manager_has_no_customer_pages(org):
    client = org.client("warehouse_manager")

    assert client.get("/customers/").status_code == 403
    assert client.get(f"/customers/{org.customers['rep_own'].pk}/").status_code == 403


@pytest.mark.parametrize("who", ["salesperson", "sales_manager", "north_rep", "dealer"])
def test_the_api_lists_and_finds_only_the_scope(org, who):
    client = org.client(who)

    listed = client.get("/api/v1/customers/?page_size=200").json()
    assert {row["id"] for row in listed["results"]} == org.ids(*EXPECTED[who])
    for name, customer in org.customers.items():
        detail = client.get(f"/api/v1/customers/{customer.pk}/")
        assert detail.status_code == (200 if name in EXPECTED[who] else 404), name


@pytest.mark.parametrize("who", ["salesperson", "sales_manager"])
def test_search_never_finds_a_customer_outside_the_scope(org, who):
    client = org.client(who)
    for name, customer in org.customers.items():
        word = customer.name.split()[0]
        api = client.get("/api/v1/customers/", {"search": word}).json()
        page = client.get("/customers/", {"q": word}).content.decode()
        assert (customer.pk in {row["id"] for row in api["results"]}) == (name in EXPECTED[who])
        assert (customer.name in page) == (name in EXPECTED[who])


def _csv_codes(response) -> set[str]:
    content = b"".join(response.streaming_content).decode("utf-8-sig")
    return {row["code"] for row in csv.DictReader(io.StringIO(content))}


@pytest.mark.parametrize("who", ["salesperson", "sales_manager", "executive"])
def test_exports_hold_only_the_scope(org, who):
    client = org.client(who)
    expected = {org.customers[name].code for name in EXPECTED[who]}

    from_page = client.get("/data/customers/export/?format=csv")
    from_api = client.get("/api/v1/customers/export/?format=csv")

    assert from_page.status_code == from_api.status_code == 200
    assert _csv_codes(from_page) == expected
    assert _csv_codes(from_api) == expected


def test_the_page_export_follows_the_lists_filter(org):
    response = org.client("owner").get("/data/customers/export/?format=csv&channel=store")

    assert _csv_codes(response) == {org.customers["hangzhou_unowned"].code}


@pytest.mark.parametrize("who", ["salesperson", "sales_manager", "north_rep"])
def test_nobody_changes_a_customer_outside_their_scope(org, who):
    client = org.client(who)
    for name, customer in org.customers.items():
        if name in EXPECTED[who]:
            continue
        api = client.patch(
            f"/api/v1/customers/{customer.pk}/", {"name": "Hijacked"}, "application/json"
        )
        page = client.post(f"/customers/{customer.pk}/edit/", {"name": "Hijacked"})
        assert api.status_code == 404 and page.status_code == 404, name
    with schema_context(org.workspace.schema):
        assert not Customer.objects.filter(name="Hijacked").exists()


def test_a_salesperson_edits_their_own_customer(org):
    customer = org.customers["rep_own"]

    response = org.client("salesperson").patch(
        f"/api/v1/customers/{customer.pk}/", {"phone": "021-5555 0101"}, "application/json"
    )

    assert response.status_code == 200
    assert response.json()["phone"] == "021-5555 0101"


def test_a_salesperson_cannot_hand_a_customer_to_a_colleague(org):
    customer = org.customers["rep_own"]

    response = org.client("salesperson").patch(
        f"/api/v1/customers/{customer.pk}/",
        {"owner": org.users["north_rep"].pk, "branch": org.branches["beijing"].pk},
        "application/json",
    )

    # The colleague is not among the salesperson's choices: refused on the field itself.
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"owner"}
    with schema_context(org.workspace.schema):
        assert Customer.objects.get(pk=customer.pk).owner_id == org.users["salesperson"].pk


def test_a_manager_cannot_move_a_customer_out_of_their_branch(org):
    customer = org.customers["hangzhou_unowned"]

    response = org.client("sales_manager").post(
        f"/customers/{customer.pk}/edit/",
        {
            "name": customer.name,
            "code": customer.code,
            "channel": "store",
            "currency": "CNY",
            "branch": org.branches["beijing"].pk,
        },
    )

    assert response.status_code == 400
    assert "no longer see" in response.content.decode()
    with schema_context(org.workspace.schema):
        assert Customer.objects.get(pk=customer.pk).branch_id == org.branches["hangzhou"].pk


def test_a_new_customer_of_a_salesperson_is_theirs_with_their_branch(org):
    response = org.client("salesperson").post(
        "/api/v1/customers/", {"name": "New shop 新店"}, "application/json"
    )

    assert response.status_code == 201
    body = response.json()
    assert body["owner"] == org.users["salesperson"].pk
    assert body["branch"] == org.branches["shanghai"].pk
    assert body["code"].startswith("C")


def test_a_dealer_sees_only_their_own_groups_price_lists(org):
    with schema_context(org.workspace.schema):
        tier1 = services.customer_group_create(actor=org.owner, name="Tier 1")
        tier2 = services.customer_group_create(actor=org.owner, name="Tier 2")
        services.customer_update(actor=org.owner, customer=org.customers["dealer"], group=tier1)
        for group in (tier1, tier2):
            services.price_list_create(
                actor=org.owner,
                name=f"{group.name} prices",
                group=group,
                valid_from=datetime.date(2026, 1, 1),
            )

    dealer = org.client("dealer").get("/api/v1/price-lists/").json()
    rep = org.client("salesperson").get("/api/v1/price-lists/").json()

    assert [row["name"] for row in dealer["results"]] == ["Tier 1 prices"]
    assert {row["name"] for row in rep["results"]} == {"Tier 1 prices", "Tier 2 prices"}
