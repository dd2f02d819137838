"""The API's filters and write fields take users, groups, branches and regions from the
caller's choices — the same as the pages (customers/selectors.py, "Choices").

* A filter by an id outside the caller's scope answers exactly like a filter by an id
  nobody has: no way to learn which users (branches, groups …) exist.
* A write naming an owner, assignee, portal sign-in, branch or region outside the scope
  is a 400 on that field with nothing written; one inside works; the record's current
  value stays accepted; roles that see every customer assign anyone.
* The services check the same rule, so it holds for any caller, not only the API.

The organisation (tests/support/org.py): a salesperson in Shanghai, an East
sales manager (whose team is the Shanghai salesperson), a Beijing salesperson
("north_rep") out of both their reaches, a dealer, and customers in and out of scope.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django_tenants.utils import schema_context

from tests.support.queries import assert_list_queries
from tradepost.customers import services
from tradepost.customers.models import Activity, Customer, Ticket
from tradepost.pipeline import services as pipeline
from tradepost.pipeline.models import Opportunity
from tradepost.sales.models import Quote


@pytest.fixture
def org(sales_org):
    return sales_org


NOBODY = 2_000_000_000  # an id no row has


def _caller(org, kind, role, api_key, api_client):
    if kind == "session":
        return org.api(role)
    return api_client(org.workspace, api_key(org.workspace, role))


# --- Filters: no existence oracle -----------------------------------------------------
USER_FILTERS = [
    "/api/v1/customers/?owner={}",
    "/api/v1/activities/?owner={}",
    "/api/v1/tickets/?assignee={}",
    "/api/v1/quotes/?owner={}",
    "/api/v1/orders/?owner={}",
    "/api/v1/opportunities/?owner={}",
]


@pytest.mark.parametrize("kind", ["session", "key"])
@pytest.mark.parametrize("role", ["dealer", "salesperson", "sales_manager"])
@pytest.mark.parametrize("path", USER_FILTERS)
def test_filtering_by_a_user_out_of_scope_answers_like_a_user_nobody_is(
    org, kind, role, path, api_key, api_client
):
    client = _caller(org, kind, role, api_key, api_client)
    out_of_scope = client.get(path.format(org.users["north_rep"].pk))
    nobody = client.get(path.format(NOBODY))

    assert out_of_scope.status_code == nobody.status_code
    assert out_of_scope.json() == nobody.json()
    assert out_of_scope.status_code in (400, 403)


@pytest.mark.parametrize("role", ["salesperson", "sales_manager"])
@pytest.mark.parametrize("path", USER_FILTERS)
def test_filtering_by_a_user_in_scope_works(org, role, path):
    client = org.api(role)
    response = client.get(path.format(org.users["salesperson"].pk))
    assert response.status_code == 200, response.json()


def test_the_filtered_list_holds_the_in_scope_rows(org):
    with schema_context(org.workspace.schema):
        services.activity_create(
            actor=org.owner,
            customer=org.customers["rep_own"],
            subject="Mine",
            owner=org.users["salesperson"],
        )
        services.activity_create(
            actor=org.owner,
            customer=org.customers["rep_own"],
            subject="Manager's",
            owner=org.users["sales_manager"],
        )
    client = org.api("sales_manager")
    rows = client.get(f"/api/v1/activities/?owner={org.users['salesperson'].pk}").json()
    assert [row["subject"] for row in rows["results"]] == ["Mine"]


@pytest.mark.parametrize(
    ("path", "value"),
    [
        ("/api/v1/customers/?branch={}", lambda org: org.branches["shanghai"].pk),
        ("/api/v1/customers/?region={}", lambda org: org.regions["east_china"].pk),
        ("/api/v1/customers/?group={}", lambda org: org.groups["tier1"].pk),
    ],
)
def test_a_dealer_filtering_by_a_branch_region_or_group_not_its_own_learns_nothing(
    org, path, value
):
    client = org.api("dealer")
    out_of_scope = client.get(path.format(value(org)))
    nobody = client.get(path.format(NOBODY))
    assert out_of_scope.status_code == nobody.status_code == 400
    assert out_of_scope.json() == nobody.json()

    own_branch = org.customers["dealer"].branch_id
    own = client.get(f"/api/v1/customers/?branch={own_branch}")
    assert own.status_code == 200
    assert [row["id"] for row in own.json()["results"]] == [org.customers["dealer"].pk]


def test_an_administrator_filters_by_anyone(org, api_key, api_client):
    admin = api_client(org.workspace, api_key(org.workspace))
    response = admin.get(f"/api/v1/customers/?owner={org.users['north_rep'].pk}")
    assert response.status_code == 200
    ids = {row["id"] for row in response.json()["results"]}
    assert ids == org.ids("north", "dealer")
    assert admin.get(f"/api/v1/customers/?owner={NOBODY}").status_code == 400


@pytest.mark.parametrize(
    ("path", "queries"),
    [("/api/v1/customers/", 11), ("/api/v1/activities/", 10), ("/api/v1/opportunities/", 12)],
)
def test_filtered_lists_do_not_grow_queries_with_rows(org, path, queries):
    client = org.api("sales_manager")
    rep = org.users["salesperson"]
    query = f"{path}?owner={rep.pk}"

    def add(index):
        with schema_context(org.workspace.schema):
            customer = services.customer_create(
                actor=org.owner,
                name=f"Grown {index}",
                owner=rep,
                branch=org.branches["shanghai"],
            )
            services.activity_create(
                actor=org.owner, customer=customer, subject=f"A{index}", owner=rep
            )
            pipeline.opportunity_create(
                actor=org.owner, customer=customer, name=f"O{index}", amount=Decimal("10")
            )

    add(0)

    def grow():
        for index in range(1, 8):
            add(index)

    response = assert_list_queries(lambda: client.get(query), grow, queries=queries)
    assert response.json()["count"] >= 8


# --- Writes ----------------------------------------------------------------------------
def _errors(response) -> dict:
    return response.json().get("errors", {})


def test_a_salesperson_cannot_create_a_customer_for_a_colleague(org):
    client = org.api("salesperson")
    body = {"name": "Handed Over Ltd", "channel": "direct"}
    colleague = client.post("/api/v1/customers/", {**body, "owner": org.users["north_rep"].pk})
    nobody = client.post("/api/v1/customers/", {**body, "owner": NOBODY})

    assert colleague.status_code == nobody.status_code == 400
    assert set(_errors(colleague)) == {"owner"}
    # The same words as for an id nobody has: the answer tells nothing about the id.
    assert _errors(colleague)["owner"][0] == _errors(nobody)["owner"][0].replace(
        str(NOBODY), str(org.users["north_rep"].pk)
    )
    with schema_context(org.workspace.schema):
        assert not Customer.objects.filter(name="Handed Over Ltd").exists()

    own = client.post("/api/v1/customers/", {**body, "owner": org.users["salesperson"].pk})
    assert own.status_code == 201, own.json()
    assert own.json()["owner"] == org.users["salesperson"].pk


def test_a_sales_manager_cannot_create_a_team_customer_owned_by_another_branch(org):
    # The customer would stay in the manager's scope (branch East), yet its
    # salesperson is not the manager's to assign.
    client = org.api("sales_manager")
    response = client.post(
        "/api/v1/customers/",
        {
            "name": "East Outpost",
            "branch": org.branches["east"].pk,
            "owner": org.users["north_rep"].pk,
        },
    )
    assert response.status_code == 400
    assert set(_errors(response)) == {"owner"}
    with schema_context(org.workspace.schema):
        assert not Customer.objects.filter(name="East Outpost").exists()

    team = client.post(
        "/api/v1/customers/",
        {
            "name": "East Outpost",
            "branch": org.branches["east"].pk,
            "owner": org.users["salesperson"].pk,
        },
    )
    assert team.status_code == 201, team.json()


def test_a_sales_manager_cannot_link_a_dealer_user_of_a_customer_out_of_scope(org):
    client = org.api("sales_manager")
    customer = org.customers["rep_own"]
    response = client.patch(
        f"/api/v1/customers/{customer.pk}/", {"portal_user": org.users["dealer"].pk}
    )
    assert response.status_code == 400
    assert set(_errors(response)) == {"portal_user"}
    with schema_context(org.workspace.schema):
        assert Customer.objects.get(pk=customer.pk).portal_user_id is None


def test_a_customer_keeps_its_current_salesperson_on_update(org, api_key, api_client):
    # An administrator hands a Shanghai customer to the Beijing salesperson; the East
    # manager still sees it (its branch) and may save it with that owner unchanged.
    admin = api_client(org.workspace, api_key(org.workspace))
    customer = org.customers["rep_own"]
    moved = admin.patch(f"/api/v1/customers/{customer.pk}/", {"owner": org.users["north_rep"].pk})
    assert moved.status_code == 200, moved.json()

    client = org.api("sales_manager")
    same = client.patch(
        f"/api/v1/customers/{customer.pk}/",
        {"owner": org.users["north_rep"].pk, "phone": "021-1234"},
    )
    assert same.status_code == 200, same.json()
    assert same.json()["phone"] == "021-1234"

    other = client.patch(f"/api/v1/customers/{customer.pk}/", {"owner": org.users["executive"].pk})
    assert other.status_code == 400
    assert set(_errors(other)) == {"owner"}
    with schema_context(org.workspace.schema):
        assert Customer.objects.get(pk=customer.pk).owner_id == org.users["north_rep"].pk


def test_a_dealer_writes_no_customer_and_learns_no_branch_id_trying(org):
    # A dealer has no customer-writing permission at all: the API says 403 before any id
    # is looked at, so even that door tells nothing about ids.
    client = org.api("dealer")
    out_of_scope = client.post(
        "/api/v1/customers/", {"name": "D", "branch": org.branches["shanghai"].pk}
    )
    nobody = client.post("/api/v1/customers/", {"name": "D", "branch": NOBODY})
    assert out_of_scope.status_code == nobody.status_code == 403
    assert out_of_scope.json() == nobody.json()


def test_an_activity_owner_must_be_within_reach(org):
    client = org.api("salesperson")
    customer = org.customers["rep_own"]
    body = {"customer": customer.pk, "kind": "call", "subject": "Call back"}
    refused = client.post("/api/v1/activities/", {**body, "owner": org.users["executive"].pk})
    assert refused.status_code == 400
    assert set(_errors(refused)) == {"owner"}
    with schema_context(org.workspace.schema):
        assert not Activity.objects.filter(subject="Call back").exists()

    default = client.post("/api/v1/activities/", body)
    assert default.status_code == 201
    assert default.json()["owner"] == org.users["salesperson"].pk

    moved = client.patch(
        f"/api/v1/activities/{default.json()['id']}/",
        {"owner": org.users["north_rep"].pk},
    )
    assert moved.status_code == 400
    assert set(_errors(moved)) == {"owner"}


def test_a_ticket_assignee_must_be_within_the_managers_team(org):
    client = org.api("sales_manager")
    customer = org.customers["rep_own"]
    body = {"customer": customer.pk, "kind": "inquiry", "subject": "Price?"}
    refused = client.post("/api/v1/tickets/", {**body, "assignee": org.users["north_rep"].pk})
    assert refused.status_code == 400
    assert set(_errors(refused)) == {"assignee"}
    with schema_context(org.workspace.schema):
        assert not Ticket.objects.filter(subject="Price?").exists()

    team = client.post("/api/v1/tickets/", {**body, "assignee": org.users["salesperson"].pk})
    assert team.status_code == 201, team.json()
    ticket_id = team.json()["id"]

    away = client.patch(f"/api/v1/tickets/{ticket_id}/", {"assignee": org.users["north_rep"].pk})
    assert away.status_code == 400
    with schema_context(org.workspace.schema):
        assert Ticket.objects.get(pk=ticket_id).assignee_id == org.users["salesperson"].pk


def test_a_ticket_keeps_an_assignee_the_caller_could_not_choose(org, api_key, api_client):
    with schema_context(org.workspace.schema):
        ticket = services.ticket_create(
            actor=org.owner,
            customer=org.customers["rep_own"],
            subject="Escalated",
            assignee=org.users["executive"],
        )
    client = org.api("sales_manager")
    response = client.patch(
        f"/api/v1/tickets/{ticket.pk}/",
        {"assignee": org.users["executive"].pk, "priority": "high"},
    )
    assert response.status_code == 200, response.json()
    assert response.json()["assignee"] == org.users["executive"].pk


def test_an_opportunity_owner_must_be_within_reach(org):
    client = org.api("salesperson")
    customer = org.customers["rep_own"]
    body = {"customer": customer.pk, "name": "Spring order", "amount": "1000"}
    refused = client.post("/api/v1/opportunities/", {**body, "owner": org.users["north_rep"].pk})
    assert refused.status_code == 400
    assert set(_errors(refused)) == {"owner"}
    with schema_context(org.workspace.schema):
        assert not Opportunity.objects.filter(name="Spring order").exists()

    made = client.post("/api/v1/opportunities/", body)
    assert made.status_code == 201, made.json()
    moved = client.patch(
        f"/api/v1/opportunities/{made.json()['id']}/", {"owner": org.users["north_rep"].pk}
    )
    assert moved.status_code == 400
    with schema_context(org.workspace.schema):
        assert Opportunity.objects.get(pk=made.json()["id"]).owner_id == org.users["salesperson"].pk


def test_a_quote_salesperson_must_be_within_reach(org):
    client = org.api("salesperson")
    body = {
        "customer": org.customers["rep_own"].pk,
        "lines": [{"product": org.products["kettle"].pk, "quantity": "1"}],
    }
    refused = client.post("/api/v1/quotes/", {**body, "owner": org.users["north_rep"].pk})
    assert refused.status_code == 400
    assert set(_errors(refused)) == {"owner"}
    with schema_context(org.workspace.schema):
        assert not Quote.objects.exists()
    own = client.post("/api/v1/quotes/", {**body, "owner": org.users["salesperson"].pk})
    assert own.status_code == 201, own.json()


def test_an_administrator_assigns_anyone(org, api_key, api_client):
    admin = api_client(org.workspace, api_key(org.workspace))
    created = admin.post(
        "/api/v1/customers/",
        {
            "name": "Anywhere Ltd",
            "owner": org.users["north_rep"].pk,
            "branch": org.branches["shanghai"].pk,
        },
    )
    assert created.status_code == 201, created.json()
    assert created.json()["owner"] == org.users["north_rep"].pk
    ticket = admin.post(
        "/api/v1/tickets/",
        {
            "customer": org.customers["rep_own"].pk,
            "kind": "inquiry",
            "subject": "Anyone",
            "assignee": org.users["warehouse_manager"].pk,
        },
    )
    assert ticket.status_code == 201, ticket.json()
    opportunity = admin.post(
        "/api/v1/opportunities/",
        {
            "customer": org.customers["rep_own"].pk,
            "name": "Admin's pick",
            "amount": "5",
            "owner": org.users["north_rep"].pk,
        },
    )
    assert opportunity.status_code == 201, opportunity.json()


# --- The services: one rule for every door --------------------------------------------
def test_the_services_refuse_an_out_of_scope_user_whoever_calls_them(org):
    rep, colleague = org.users["salesperson"], org.users["north_rep"]
    customer = org.customers["rep_own"]
    with schema_context(org.workspace.schema):
        with pytest.raises(ValidationError) as refused:
            services.activity_create(actor=rep, customer=customer, subject="X", owner=colleague)
        assert set(refused.value.message_dict) == {"owner"}
        with pytest.raises(ValidationError) as refused:
            services.ticket_create(actor=rep, customer=customer, subject="X", assignee=colleague)
        assert set(refused.value.message_dict) == {"assignee"}
        with pytest.raises(ValidationError) as refused:
            services.customer_update(actor=rep, customer=customer, owner=colleague)
        assert set(refused.value.message_dict) == {"owner"}
        with pytest.raises(ValidationError) as refused:
            pipeline.opportunity_create(
                actor=rep, customer=customer, name="X", amount=Decimal("1"), owner=colleague
            )
        assert set(refused.value.message_dict) == {"owner"}
        assert not Activity.objects.filter(subject="X").exists()
        assert not Ticket.objects.filter(subject="X").exists()
        assert not Opportunity.objects.filter(name="X").exists()
        assert Customer.objects.get(pk=customer.pk).owner_id == rep.pk

        # Within reach, and for a role that sees every customer, the same calls work.
        services.activity_create(actor=rep, customer=customer, subject="Y", owner=rep)
        services.activity_create(actor=org.owner, customer=customer, subject="Z", owner=colleague)
