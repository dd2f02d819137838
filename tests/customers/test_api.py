"""The customers API: `/customers/` (with the resolved price), `/contacts/`,
`/customer-groups/`, `/price-lists/`, `/credit-ratings/`, `/activities/`, `/tickets/`
and `/dealer-reports/` — writes through the services, bad input refused whole, list
queries that do not grow with rows."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context

from tests.support.api import list_count
from tests.support.factories import count_rows
from tests.support.org import grow
from tests.support.queries import assert_list_queries
from tradepost.customers import credit, services
from tradepost.customers.models import (
    Activity,
    Contact,
    CreditRating,
    Customer,
    CustomerGroup,
    PriceList,
    Ticket,
)


@pytest.fixture
def admin(org, api_key, api_client):
    return api_client(org.workspace, api_key(org.workspace))


# --- Customers -----------------------------------------------------------------------
def test_an_integrator_creates_a_customer_with_everything(org, admin):
    response = admin.post(
        "/api/v1/customers/",
        {
            "name": "宁波海天电器销售有限公司 Ningbo Haitian Appliances",
            "code": "NB-001",
            "channel": "dealer",
            "owner": org.users["sales_manager"].pk,
            "branch": org.branches["hangzhou"].pk,
            "region": org.regions["east_china"].pk,
            "tags": ["VIP", "华东重点"],
            "credit_limit": "450000.00",
            "payment_terms_days": 60,
            "referred_by": org.customers["rep_own"].pk,
        },
    )

    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["code"] == "NB-001"
    assert body["tags"] == ["VIP", "华东重点"]
    assert (body["credit_limit"], body["payment_terms_days"]) == ("450000.00", 60)
    assert body["referred_by"] == org.customers["rep_own"].pk
    assert body["credit_grade"] == ""


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "X", "colour": "red"}, "colour"),
        ({"name": "X", "channel": "pigeon"}, "channel"),
        ({"name": "X", "email": "nope"}, "email"),
        ({"name": "X", "credit_limit": "-1"}, "credit_limit"),
        ({"name": "X", "credit_limit": "1.001"}, "credit_limit"),
        ({"name": "X", "credit_limit": "abc"}, "credit_limit"),
        ({"name": "X", "credit_limit": "NaN"}, "credit_limit"),
        ({"name": "X", "payment_terms_days": 400}, "payment_terms_days"),
        ({"name": "X", "group": 999999}, "group"),
        ({"name": "X", "tags": "VIP"}, "tags"),
        ({"name": "X", "code": "SH-1"}, "code"),
        ({"name": ""}, "name"),
        ({}, "name"),
    ],
)
def test_bad_customers_are_400_with_the_field_and_nothing_is_written(org, admin, body, field):
    before = count_rows(org, Customer)

    response = admin.post("/api/v1/customers/", body)

    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert field in response.json()["errors"]
    assert count_rows(org, Customer) == before


def test_an_idempotent_create_writes_once(org, admin):
    first = admin.post("/api/v1/customers/", {"name": "Once"}, idempotency_key="k-1")
    again = admin.post("/api/v1/customers/", {"name": "Once"}, idempotency_key="k-1")

    assert first.status_code == again.status_code == 201
    assert again["Idempotent-Replayed"] == "true"
    assert count_rows(org, Customer, name="Once") == 1


def test_finance_changes_credit_terms_and_a_salesperson_cannot(org, api_key, api_client):
    customer = org.customers["rep_own"]
    finance = api_client(org.workspace, api_key(org.workspace, "finance_manager"))
    path = f"/api/v1/customers/{customer.pk}/"

    refused = org.api("salesperson").patch(path, {"credit_limit": "99999.00"})
    renamed = finance.patch(path, {"name": "Finance renames"})
    changed = finance.patch(path, {"credit_limit": "80000.00", "payment_terms_days": 45})

    assert refused.status_code == 403
    assert renamed.status_code == 403
    assert changed.status_code == 200
    assert changed.json()["credit_limit"] == "80000.00"


def test_filters_search_and_ordering(org, admin):
    with schema_context(org.workspace.schema):
        services.customer_update(actor=org.owner, customer=org.customers["north"], tags=["VIP"])
        services.contact_create(
            actor=org.owner, customer=org.customers["dealer"], name="蔡明", email="cai@x.test"
        )

    def names(query):
        response = admin.get(f"/api/v1/customers/?{query}")
        assert response.status_code == 200, response.json()
        return [row["code"] for row in response.json()["results"]]

    assert names("channel=dealer") == ["DL-1"]
    assert names("tag=vip") == ["BJ-1"]
    assert names(f"branch={org.branches['hangzhou'].pk}") == ["HZ-1"]
    assert names("search=蔡明") == ["DL-1"]
    assert names("search=cai@x") == ["DL-1"]
    assert names("ordering=-code&page_size=2") == ["SH-1", "PD-1"]
    assert names("updated_since=2999-01-01T00:00:00Z") == []


@pytest.mark.parametrize("query", ["channel=pigeon", "owner=abc", "is_active=maybe", "tag="])
def test_bad_filters_are_400(admin, org, query):
    assert admin.get(f"/api/v1/customers/?{query}").status_code == 400


@pytest.mark.parametrize(
    ("path", "queries"),
    [
        ("/api/v1/customers/", 4),
        ("/api/v1/contacts/", 3),
        ("/api/v1/price-lists/", 3),
        ("/api/v1/credit-ratings/", 3),
        ("/api/v1/activities/", 3),
        ("/api/v1/tickets/", 3),
        ("/api/v1/dealer-reports/", 3),
        ("/api/v1/customer-groups/", 3),
    ],
)
def test_lists_take_the_same_queries_for_one_row_and_many(org, admin, path, queries):
    grow(org, 0)

    assert_list_queries(
        lambda: admin.get(path),
        lambda: [grow(org, index) for index in range(1, 8)],
        queries=queries,
        size=list_count,
    )


# --- The resolved price ----------------------------------------------------------------
@pytest.fixture
def priced(org):
    customer = org.customers["rep_own"]
    with schema_context(org.workspace.schema):
        price_list = services.price_list_create(
            actor=org.owner,
            name="Mingda",
            customer=customer,
            valid_from=datetime.date(2026, 1, 1),
            valid_to=datetime.date(2026, 6, 30),
            lines=[(org.products["kettle"], Decimal("170.00"))],
        )
    return customer, price_list


def test_the_price_endpoint_resolves_by_the_one_rule(org, priced):
    customer, price_list = priced
    client = org.api("salesperson")
    path = f"/api/v1/customers/{customer.pk}/price/"
    kettle = org.products["kettle"].pk

    own = client.get(path, {"product": kettle, "date": "2026-03-01"}).json()
    later = client.get(path, {"product": kettle, "date": "2026-07-01"}).json()
    usd = client.get(path, {"product": kettle, "date": "2026-03-01", "currency": "USD"}).json()

    assert own == {
        "customer": customer.pk,
        "product": kettle,
        "unit_price": "170.00",
        "currency": "CNY",
        "source": "customer list",
        "price_list": price_list.pk,
        "on_date": "2026-03-01",
        "tax_included": False,
    }
    assert (later["unit_price"], later["source"], later["price_list"]) == (
        "199.00",
        "list price",
        None,
    )
    assert (usd["source"], usd["currency"]) == ("list price", "CNY")


@pytest.mark.parametrize(
    "query",
    [
        {},
        {"product": "abc"},
        {"product": 999999},
        {"product": 1, "date": "yesterday"},
        {"product": 1, "currency": "XXX"},
    ],
)
def test_the_price_endpoint_refuses_bad_parameters(org, priced, query):
    response = org.api("salesperson").get(f"/api/v1/customers/{priced[0].pk}/price/", query)

    assert response.status_code == 400


def test_the_price_of_a_hidden_customer_is_404(org, priced):
    hidden = org.customers["north"]

    response = org.api("salesperson").get(
        f"/api/v1/customers/{hidden.pk}/price/", {"product": org.products["kettle"].pk}
    )

    assert response.status_code == 404


def test_a_dealer_sees_their_own_price(org):
    response = org.api("dealer").get(
        f"/api/v1/customers/{org.customers['dealer'].pk}/price/",
        {"product": org.products["toaster"].pk},
    )

    assert response.status_code == 200
    assert response.json()["unit_price"] == "259.50"


# --- Contacts --------------------------------------------------------------------------
def test_contacts_are_created_changed_and_deleted(org):
    client = org.api("salesperson")
    customer = org.customers["rep_own"]

    created = client.post(
        "/api/v1/contacts/", {"customer": customer.pk, "name": "王建国", "is_primary": True}
    )
    assert created.status_code == 201
    contact = created.json()
    assert contact["code"].startswith("P")
    second = client.post(
        "/api/v1/contacts/", {"customer": customer.pk, "name": "李梅", "is_primary": True}
    )
    assert second.status_code == 201
    first_now = client.get(f"/api/v1/contacts/{contact['id']}/").json()
    assert first_now["is_primary"] is False

    changed = client.patch(f"/api/v1/contacts/{contact['id']}/", {"title": "GM", "customer": 1})
    assert changed.status_code == 400  # the customer of a contact does not change
    assert client.patch(f"/api/v1/contacts/{contact['id']}/", {"title": "GM"}).status_code == 200
    assert client.delete(f"/api/v1/contacts/{contact['id']}/").status_code == 204
    listed = client.get(f"/api/v1/contacts/?customer={customer.pk}").json()
    assert [row["name"] for row in listed["results"]] == ["李梅"]


def test_a_contact_cannot_be_added_to_a_hidden_customer(org):
    response = org.api("salesperson").post(
        "/api/v1/contacts/",
        {"customer": org.customers["north"].pk, "name": "Sneaky"},
    )

    assert response.status_code == 400
    assert "customer" in response.json()["errors"]
    assert count_rows(org, Contact, name="Sneaky") == 0


# --- Price lists -----------------------------------------------------------------------
def test_price_lists_with_lines_through_the_api(org):
    client = org.api("sales_manager")
    customer = org.customers["rep_own"]
    kettle, toaster = org.products["kettle"].pk, org.products["toaster"].pk

    created = client.post(
        "/api/v1/price-lists/",
        {
            "name": "Mingda 2026",
            "customer": customer.pk,
            "currency": "CNY",
            "valid_from": "2026-01-01",
            "lines": [{"product": kettle, "unit_price": "170.00"}],
        },
    )
    assert created.status_code == 201, created.json()
    price_list = created.json()
    assert price_list["lines"] == [{"product": kettle, "unit_price": "170.00"}]
    assert price_list["line_count"] == 1

    clash = client.post(
        "/api/v1/price-lists/",
        {"name": "Clash", "customer": customer.pk, "currency": "CNY", "valid_from": "2026-05-01"},
    )
    assert clash.status_code == 400
    assert "overlap" in clash.json()["errors"]["valid_from"][0]

    replaced = client.patch(
        f"/api/v1/price-lists/{price_list['id']}/",
        {"lines": [{"product": toaster, "unit_price": "250.00"}], "valid_to": "2026-12-31"},
    )
    assert replaced.status_code == 200
    assert replaced.json()["lines"] == [{"product": toaster, "unit_price": "250.00"}]
    valid = client.get("/api/v1/price-lists/?valid_on=2027-01-01").json()
    assert valid["count"] == 0
    assert client.delete(f"/api/v1/price-lists/{price_list['id']}/").status_code == 204


@pytest.mark.parametrize(
    "body",
    [
        {"name": "Both", "valid_from": "2026-01-01"},
        {"name": "X", "customer": "CUST", "valid_from": "2026-01-01"},
        {"name": "X", "valid_from": "2026-05-01", "valid_to": "2026-01-01"},
        {
            "name": "X",
            "valid_from": "2026-01-01",
            "lines": [{"product": 999999, "unit_price": "1"}],
        },
        {"name": "X", "valid_from": "2026-01-01", "lines": [{"product": 1, "unit_price": "-1"}]},
    ],
)
def test_bad_price_lists_are_400_and_nothing_is_written(org, admin, body):
    body = {**body}
    if body.get("customer") == "CUST":
        body["customer"] = org.customers["rep_own"].pk
        body["group"] = None
        body["name"] = "Both ways"
        with schema_context(org.workspace.schema):
            body["group"] = services.customer_group_create(actor=org.owner, name="G").pk
    elif "customer" not in body:
        body["customer"] = org.customers["rep_own"].pk if body["name"] != "Both" else None

    response = admin.post("/api/v1/price-lists/", body)

    assert response.status_code == 400
    assert count_rows(org, PriceList) == 0


# --- Credit ratings, activities, tickets, reports, groups ----------------------------
def test_credit_ratings_through_the_api(org, api_key, api_client):
    finance = api_client(org.workspace, api_key(org.workspace, "finance_manager"))
    dealer = org.customers["dealer"]

    rated = finance.post(
        "/api/v1/credit-ratings/",
        {"customer": dealer.pk, **dict.fromkeys(credit.FACTORS, 4)},
    )
    bad = finance.post(
        "/api/v1/credit-ratings/",
        {"customer": dealer.pk, **dict.fromkeys(credit.FACTORS, 6)},
    )

    assert rated.status_code == 201
    assert (rated.json()["score"], rated.json()["grade"]) == ("80.00", "B")
    assert bad.status_code == 400
    assert set(bad.json()["errors"]) == set(credit.FACTORS)
    assert finance.get(f"/api/v1/customers/{dealer.pk}/").json()["credit_grade"] == "B"
    assert count_rows(org, CreditRating) == 1


def test_activities_through_the_api(org):
    client = org.api("salesperson")
    customer = org.customers["rep_own"]
    due = (timezone.now() - datetime.timedelta(hours=2)).isoformat()

    created = client.post(
        "/api/v1/activities/", {"customer": customer.pk, "subject": "Call", "due_at": due}
    )
    assert created.status_code == 201
    activity = created.json()
    assert activity["owner"] == org.users["salesperson"].pk and activity["is_overdue"]
    assert [a["id"] for a in client.get("/api/v1/activities/?overdue=true").json()["results"]] == [
        activity["id"]
    ]
    done = client.patch(f"/api/v1/activities/{activity['id']}/", {"done": True})
    assert done.json()["done_at"] is not None and not done.json()["is_overdue"]
    assert client.get("/api/v1/activities/?open=true").json()["count"] == 0
    assert client.delete(f"/api/v1/activities/{activity['id']}/").status_code == 204
    assert count_rows(org, Activity) == 0


def test_tickets_through_the_api(org):
    client = org.api("salesperson")
    customer = org.customers["rep_own"]

    created = client.post(
        "/api/v1/tickets/",
        {"customer": customer.pk, "kind": "complaint", "priority": "urgent", "subject": "Broken"},
    )
    assert created.status_code == 201
    ticket = created.json()
    opened = datetime.datetime.fromisoformat(ticket["created_at"])
    due = datetime.datetime.fromisoformat(ticket["sla_due_at"])
    assert due - opened == datetime.timedelta(hours=4)
    path = f"/api/v1/tickets/{ticket['id']}/"
    assert client.patch(path, {"status": "closed"}).status_code == 200
    reopened = client.patch(path, {"status": "open"})
    assert reopened.status_code == 400
    assert count_rows(org, Ticket, status="closed") == 1
    assert client.delete(path).status_code in (403, 405)  # tickets are closed, not deleted
    assert count_rows(org, Ticket) == 1


def test_a_dealer_reports_through_the_api_only_for_themselves(org):
    client = org.api("dealer")

    own = client.post(
        "/api/v1/dealer-reports/",
        {
            "dealer": org.customers["dealer"].pk,
            "kind": "end_customer",
            "subject": "Hotel",
            "end_customer_name": "西湖酒店",
        },
    )
    other = client.post(
        "/api/v1/dealer-reports/",
        {
            "dealer": org.customers["north"].pk,
            "kind": "end_customer",
            "subject": "X",
            "end_customer_name": "Y",
        },
    )

    assert own.status_code == 201
    assert other.status_code == 400
    assert [r["subject"] for r in client.get("/api/v1/dealer-reports/").json()["results"]] == [
        "Hotel"
    ]


def test_customer_groups_through_the_api(org, admin):
    created = admin.post("/api/v1/customer-groups/", {"name": "Tier 1 一级"})
    twin = admin.post("/api/v1/customer-groups/", {"name": "TIER 1 一级"})

    assert created.status_code == 201
    assert twin.status_code == 400
    assert count_rows(org, CustomerGroup) == 1
    renamed = admin.patch(f"/api/v1/customer-groups/{created.json()['id']}/", {"name": "T1"})
    assert renamed.json()["name"] == "T1"


@pytest.mark.parametrize(
    ("role", "path", "status"),
    [
        ("warehouse_manager", "/api/v1/customers/", 403),
        ("warehouse_manager", "/api/v1/tickets/", 403),
        ("dealer", "/api/v1/activities/", 403),
        ("dealer", "/api/v1/tickets/", 403),
        ("finance_manager", "/api/v1/activities/", 200),
        ("salesperson", "/api/v1/price-lists/", 200),
    ],
)
def test_roles_reach_only_their_resources(org, role, path, status):
    assert org.api(role).get(path).status_code == status
