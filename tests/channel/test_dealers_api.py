"""`/api/v1/demand-plans/` (save, edit, submit/accept/return, the month's aggregate)
and `/api/v1/agreements/` (with usage per line, create, edit, activate/close) —
writes through the services, bad input refused whole with the field, permissions per
role, another workspace's rows out of reach, list queries that do not grow."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context

from tests.support import factories
from tests.support.factories import count_rows
from tests.support.queries import assert_list_queries
from tradepost.channel import agreements, plans
from tradepost.channel.models import Agreement, DemandPlan
from tradepost.sales import orders

TODAY = timezone.localdate()
YEAR_END = datetime.date(TODAY.year, 12, 31)


def _month() -> str:
    return f"{plans.next_month():%Y-%m}"


@pytest.fixture
def admin(sales_org, api_key, api_client):
    return api_client(sales_org.workspace, api_key(sales_org.workspace))


def _plan_body(org, dealer=None, **changes):
    return {
        "dealer": (dealer or org.customers["dealer"]).pk,
        "month": _month(),
        "lines": [
            {"product": org.products["kettle"].pk, "quantity": "10"},
            {"product": org.products["toaster"].pk, "quantity": "2.5"},
        ],
        "notes": "备货",
        **changes,
    }


def _agreement(org, customer="rep_own", activate=True, **kwargs):
    with schema_context(org.workspace.schema):
        agreement = agreements.agreement_create(
            actor=org.owner,
            customer=org.customers[customer],
            name=kwargs.pop("name", "Framework"),
            starts_on=TODAY.replace(day=1),
            ends_on=YEAR_END,
            lines=kwargs.pop(
                "lines",
                [
                    {
                        "product": org.products["kettle"],
                        "unit_price": Decimal("150.00"),
                        "max_quantity": Decimal("10"),
                    }
                ],
            ),
            **kwargs,
        )
        if activate:
            agreement = agreements.agreement_activate(actor=org.owner, agreement=agreement)
        return agreement


# --- Demand plans --------------------------------------------------------------------
def test_a_dealer_saves_replaces_submits_and_a_manager_accepts(sales_org):
    org = sales_org
    dealer = org.api("dealer")

    created = dealer.post("/api/v1/demand-plans/", _plan_body(org))
    replaced = dealer.post(
        "/api/v1/demand-plans/",
        _plan_body(org, lines=[{"product": org.products["kettle"].pk, "quantity": "8"}]),
    )

    assert created.status_code == 201, created.json()
    body = created.json()
    assert (body["month"], body["status"], body["dealer"]) == (
        _month(),
        "draft",
        org.customers["dealer"].pk,
    )
    assert [(line["product_sku"], line["quantity"]) for line in body["lines"]] == [
        ("KT-1", "10.000"),
        ("TS-1", "2.500"),
    ]
    assert replaced.status_code == 200
    assert replaced.json()["id"] == body["id"]
    assert [line["quantity"] for line in replaced.json()["lines"]] == ["8.000"]

    plan_url = f"/api/v1/demand-plans/{body['id']}/"
    submitted = dealer.post(f"{plan_url}submit/")
    not_by_dealer = dealer.post(f"{plan_url}accept/")
    accepted = org.api("owner").post(f"{plan_url}accept/", {"comment": "好"})

    assert submitted.status_code == 200 and submitted.json()["status"] == "submitted"
    assert not_by_dealer.status_code == 403
    assert accepted.status_code == 200
    assert (accepted.json()["status"], accepted.json()["review_comment"]) == ("accepted", "好")


def test_return_needs_a_comment_and_the_dealer_edits_the_returned_plan(sales_org):
    org = sales_org
    with schema_context(org.workspace.schema):
        plan = plans.demand_plan_save(
            actor=org.owner,
            dealer=org.customers["dealer"],
            month=plans.next_month(),
            lines=[{"product": org.products["kettle"], "quantity": Decimal("10")}],
        )
        plans.demand_plan_submit(actor=org.owner, plan=plan)
    url = f"/api/v1/demand-plans/{plan.pk}/"
    owner = org.api("owner")

    no_comment = owner.post(f"{url}return/", {"comment": ""})
    returned = owner.post(f"{url}return/", {"comment": "Max 8"})
    edited = org.api("dealer").patch(
        url,
        {"lines": [{"product": org.products["kettle"].pk, "quantity": "8"}], "notes": "ok"},
    )

    assert no_comment.status_code == 400 and "comment" in no_comment.json()["errors"]
    assert returned.status_code == 200 and returned.json()["status"] == "returned"
    assert edited.status_code == 200, edited.json()
    assert (edited.json()["notes"], edited.json()["lines"][0]["quantity"]) == ("ok", "8.000")


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"month": "2020-01"}, "month"),
        ({"month": "2026-13"}, "month"),
        ({"month": 202612}, "month"),
        ({"lines": []}, "lines"),
        ({"lines": [{"product": 999999, "quantity": "1"}]}, "lines[0].product"),
        ({"lines": [{"product": 1, "quantity": "-1"}]}, "lines[0].quantity"),
        ({"lines": [{"product": 1, "quantity": "0"}]}, "lines"),
        ({"lines": [{"product": 1, "quantity": "1.0001"}]}, "lines[0].quantity"),
        ({"lines": "kettle"}, "lines"),
        ({"colour": "red"}, "colour"),
        ({"notes": 5}, "notes"),
        ({"dealer": 999999}, "dealer"),
    ],
)
def test_bad_plans_are_400_with_the_field_and_nothing_is_written(sales_org, changes, field):
    org = sales_org
    body = {**_plan_body(org), **changes}
    for line in body["lines"] if isinstance(body["lines"], list) else []:
        if line["product"] == 1:
            line["product"] = org.products["kettle"].pk

    response = org.api("dealer").post("/api/v1/demand-plans/", body)

    assert response.status_code == 400, response.json()
    assert response.json()["code"] == "invalid"
    assert field in response.json()["errors"]
    assert count_rows(org, DemandPlan) == 0


def test_duplicate_products_and_non_resellers_are_refused(sales_org):
    org = sales_org
    kettle = org.products["kettle"].pk
    owner = org.api("owner")

    twice = owner.post(
        "/api/v1/demand-plans/",
        _plan_body(
            org,
            lines=[{"product": kettle, "quantity": "1"}, {"product": kettle, "quantity": "2"}],
        ),
    )
    direct = owner.post("/api/v1/demand-plans/", _plan_body(org, dealer=org.customers["north"]))

    assert twice.status_code == 400 and "lines" in twice.json()["errors"]
    assert direct.status_code == 400
    assert direct.json()["errors"]["dealer"] == [
        "Demand plans come from dealers and franchisees only."
    ]
    assert count_rows(org, DemandPlan) == 0


def test_a_dealer_cannot_plan_for_another_dealer(sales_org):
    org = sales_org
    other = factories.franchise(org)

    response = org.api("dealer").post("/api/v1/demand-plans/", _plan_body(org, dealer=other))

    assert response.status_code == 400 and "dealer" in response.json()["errors"]
    assert count_rows(org, DemandPlan) == 0


@pytest.mark.parametrize(
    ("role", "read", "write"),
    [
        ("warehouse_manager", 403, 403),
        ("finance_manager", 200, 403),
        ("executive", 200, 403),
        ("north_rep", 200, 201),
        ("dealer", 200, 201),
    ],
)
def test_plan_permissions_per_role(sales_org, role, read, write):
    org = sales_org
    client = org.api(role)
    assert client.get("/api/v1/demand-plans/").status_code == read
    assert client.post("/api/v1/demand-plans/", _plan_body(org)).status_code == write


def test_the_list_filters_by_month_status_and_dealer(sales_org):
    org = sales_org
    franchise = factories.franchise(org)
    with schema_context(org.workspace.schema):
        own = plans.demand_plan_save(
            actor=org.owner,
            dealer=org.customers["dealer"],
            month=plans.next_month(),
            lines=[{"product": org.products["kettle"], "quantity": Decimal("1")}],
        )
        plans.demand_plan_submit(actor=org.owner, plan=own)
        later = plans.demand_plan_save(
            actor=org.owner,
            dealer=franchise,
            month=plans.month_add(plans.next_month(), 1),
            lines=[{"product": org.products["kettle"], "quantity": Decimal("1")}],
        )
    owner = org.api("owner")

    def ids(query):
        response = owner.get(f"/api/v1/demand-plans/?{query}")
        assert response.status_code == 200, response.json()
        return [row["id"] for row in response.json()["results"]]

    assert ids("") == [later.pk, own.pk]
    assert ids(f"month={_month()}") == [own.pk]
    assert ids(f"month={_month()}-20") == [own.pk]
    assert ids("status=draft") == [later.pk]
    assert ids(f"dealer={franchise.pk}") == [later.pk]
    assert owner.get("/api/v1/demand-plans/?month=soon").status_code == 400
    assert owner.get("/api/v1/demand-plans/?status=lost").status_code == 400
    # The dealer lists only its own.
    dealer_rows = org.api("dealer").get("/api/v1/demand-plans/").json()["results"]
    assert [row["id"] for row in dealer_rows] == [own.pk]


def test_the_aggregate_puts_plans_beside_orders(sales_org):
    org = sales_org
    month = plans.next_month()
    with schema_context(org.workspace.schema):
        plan = plans.demand_plan_save(
            actor=org.owner,
            dealer=org.customers["dealer"],
            month=month,
            lines=[{"product": org.products["kettle"], "quantity": Decimal("10")}],
        )
        plans.demand_plan_submit(actor=org.owner, plan=plan)
        orders.order_create(
            actor=org.owner,
            customer=org.customers["dealer"],
            lines=[{"product": org.products["kettle"], "quantity": Decimal("4")}],
            order_date=month.replace(day=2),
        )
    owner = org.api("owner")

    response = owner.get(f"/api/v1/demand-plans/aggregate/?month={month:%Y-%m}")
    missing = owner.get("/api/v1/demand-plans/aggregate/")
    bad = owner.get("/api/v1/demand-plans/aggregate/?month=13-2026")
    warehouse = org.api("warehouse_manager").get(
        f"/api/v1/demand-plans/aggregate/?month={month:%Y-%m}"
    )

    assert response.status_code == 200, response.json()
    assert response.json() == {
        "month": f"{month:%Y-%m}",
        "plans": 1,
        "dealers": 1,
        "rows": [
            {
                "product": org.products["kettle"].pk,
                "product_sku": "KT-1",
                "product_name": "Kettle 电水壶",
                "unit": "pcs",
                "planned": "10.000",
                "dealers": 1,
                "ordered": "4.000",
                "difference": "-6.000",
            }
        ],
    }
    assert missing.status_code == bad.status_code == 400
    assert "month" in missing.json()["errors"] and "month" in bad.json()["errors"]
    assert warehouse.status_code == 403


def test_plan_status_errors_are_400_with_status(sales_org):
    org = sales_org
    response = org.api("dealer").post("/api/v1/demand-plans/", _plan_body(org))
    url = f"/api/v1/demand-plans/{response.json()['id']}/"

    accept_draft = org.api("owner").post(f"{url}accept/")
    org.api("dealer").post(f"{url}submit/")
    edit_submitted = org.api("dealer").patch(url, {"notes": "late"})

    assert accept_draft.status_code == 400 and "status" in accept_draft.json()["errors"]
    assert edit_submitted.status_code == 400 and "status" in edit_submitted.json()["errors"]


# --- Agreements ----------------------------------------------------------------------
def test_an_integrator_creates_activates_and_reads_usage(sales_org, admin):
    org = sales_org

    created = admin.post(
        "/api/v1/agreements/",
        {
            "customer": org.customers["rep_own"].pk,
            "name": "2026 年度框架协议",
            "currency": "CNY",
            "starts_on": TODAY.replace(day=1).isoformat(),
            "ends_on": YEAR_END.isoformat(),
            "lines": [
                {
                    "product": org.products["kettle"].pk,
                    "unit_price": "150.00",
                    "max_quantity": "10",
                },
                {"product": org.products["toaster"].pk, "unit_price": "220.00"},
            ],
        },
    )
    assert created.status_code == 201, created.json()
    body = created.json()
    assert (body["number"], body["status"]) == (f"MA-{TODAY.year}-00001", "draft")
    url = f"/api/v1/agreements/{body['id']}/"
    activated = admin.post(f"{url}activate/")
    assert activated.status_code == 200 and activated.json()["status"] == "active"

    order = admin.post(
        "/api/v1/orders/",
        {
            "customer": org.customers["rep_own"].pk,
            "agreement": body["id"],
            "lines": [{"product": org.products["kettle"].pk, "quantity": "4"}],
        },
    )
    over = admin.post(
        "/api/v1/orders/",
        {
            "customer": org.customers["rep_own"].pk,
            "agreement": body["id"],
            "lines": [{"product": org.products["kettle"].pk, "quantity": "7"}],
        },
    )
    read = admin.get(url).json()

    assert order.status_code == 201, order.json()
    assert order.json()["lines"][0]["price_source"] == "agreement"
    assert over.status_code == 400
    assert over.json()["errors"]["lines"] == [
        "The agreement caps product KT-1 at 10; 4 is already ordered, so at most 6 more."
    ]
    assert read["order_count"] == 1
    assert {
        line["product_sku"]: (line["ordered"], line["remaining"]) for line in read["lines"]
    } == {
        "KT-1": ("4.000", "6.000"),
        "TS-1": ("0.000", None),
    }


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"name": ""}, "name"),
        ({"name": 7}, "name"),
        ({"ends_on": "2020-01-01"}, "ends_on"),
        ({"ends_on": "tomorrow"}, "ends_on"),
        ({"currency": "XYZ"}, "currency"),
        ({"customer": 999999}, "customer"),
        ({"lines": [{"product": 999999, "unit_price": "1"}]}, "lines[0].product"),
        ({"lines": [{"product": "kettle", "unit_price": "-1"}]}, "lines[0].unit_price"),
        ({"lines": [{"product": "kettle", "unit_price": "1", "max_quantity": "0"}]}, "lines"),
        ({"lines": [{"product": "kettle"}]}, "lines[0].unit_price"),
        (
            {
                "lines": [
                    {"product": "kettle", "unit_price": "1"},
                    {"product": "kettle", "unit_price": "2"},
                ]
            },
            "lines",
        ),
        ({"status": "active"}, "status"),
    ],
)
def test_bad_agreements_are_400_with_the_field_and_nothing_is_written(
    sales_org, admin, changes, field
):
    org = sales_org
    for line in changes.get("lines", []):
        if line["product"] == "kettle":
            line["product"] = org.products["kettle"].pk
    body = {
        "customer": org.customers["rep_own"].pk,
        "name": "Framework",
        "starts_on": TODAY.replace(day=1).isoformat(),
        "ends_on": YEAR_END.isoformat(),
        **changes,
    }

    response = admin.post("/api/v1/agreements/", body)

    assert response.status_code == 400, response.json()
    assert field in response.json()["errors"]
    assert count_rows(org, Agreement) == 0


def test_an_active_agreement_changes_only_name_notes_and_end(sales_org, admin):
    org = sales_org
    agreement = _agreement(org)
    url = f"/api/v1/agreements/{agreement.pk}/"

    renamed = admin.patch(url, {"name": "Renamed", "ends_on": YEAR_END.isoformat()})
    lines = admin.patch(
        url, {"lines": [{"product": org.products["toaster"].pk, "unit_price": "1"}]}
    )
    closed = admin.post(f"{url}close/")
    after = admin.patch(url, {"name": "Again"})

    assert renamed.status_code == 200 and renamed.json()["name"] == "Renamed"
    assert lines.status_code == 400 and "lines" in lines.json()["errors"]
    assert closed.status_code == 200 and closed.json()["status"] == "closed"
    assert after.status_code == 400 and "status" in after.json()["errors"]


@pytest.mark.parametrize(
    ("role", "read", "write"),
    [
        ("salesperson", 200, 403),
        ("dealer", 200, 403),
        ("executive", 200, 403),
        ("finance_manager", 200, 403),
        ("warehouse_manager", 403, 403),
        ("sales_manager", 200, 201),
    ],
)
def test_agreement_permissions_per_role(sales_org, role, read, write):
    org = sales_org
    client = org.api(role)
    body = {
        "customer": org.customers["rep_own"].pk,
        "name": "Framework",
        "starts_on": TODAY.isoformat(),
        "ends_on": YEAR_END.isoformat(),
        "lines": [{"product": org.products["kettle"].pk, "unit_price": "1"}],
    }
    assert client.get("/api/v1/agreements/").status_code == read
    assert client.post("/api/v1/agreements/", body).status_code == write


def test_a_salesperson_cannot_activate_or_close(sales_org):
    org = sales_org
    draft = _agreement(org, activate=False)
    active = _agreement(org)
    client = org.api("salesperson")

    assert client.post(f"/api/v1/agreements/{draft.pk}/activate/").status_code == 403
    assert client.post(f"/api/v1/agreements/{active.pk}/close/").status_code == 403
    assert client.patch(f"/api/v1/agreements/{active.pk}/", {"name": "x"}).status_code == 403
    with schema_context(org.workspace.schema):
        assert Agreement.objects.get(pk=draft.pk).status == Agreement.Status.DRAFT


def test_agreements_follow_the_customer_scope_and_filters(sales_org):
    org = sales_org
    own = _agreement(org, customer="dealer", name="Dealer deal")
    other = _agreement(org, activate=False, name="Mingda deal")
    owner = org.api("owner")

    def ids(client, query=""):
        response = client.get(f"/api/v1/agreements/?{query}")
        assert response.status_code == 200, response.json()
        return {row["id"] for row in response.json()["results"]}

    assert ids(org.api("dealer")) == {own.pk}
    assert org.api("dealer").get(f"/api/v1/agreements/{other.pk}/").status_code == 404
    assert ids(owner, "status=draft") == {other.pk}
    assert ids(owner, f"customer={org.customers['dealer'].pk}") == {own.pk}
    assert ids(owner, f"valid_on={TODAY.isoformat()}") == {own.pk, other.pk}
    assert ids(owner, "valid_on=2000-01-01") == set()
    assert ids(owner, "search=Mingda") == {other.pk}


# --- Lists and another workspace -----------------------------------------------------
def _grow(org, index: int) -> None:
    """One more plan and one more agreement with an order under it."""
    dealer = factories.franchise(org, name=f"Grow {index}")
    with schema_context(org.workspace.schema):
        plans.demand_plan_save(
            actor=org.owner,
            dealer=dealer,
            month=plans.next_month(),
            lines=[
                {"product": org.products["kettle"], "quantity": Decimal("1")},
                {"product": org.products["toaster"], "quantity": Decimal("1")},
            ],
        )
    agreement = _agreement(org, name=f"A{index}")
    with schema_context(org.workspace.schema):
        orders.order_create(
            actor=org.owner,
            customer=org.customers["rep_own"],
            agreement=agreement,
            lines=[{"product": org.products["kettle"], "quantity": Decimal("1")}],
        )


@pytest.mark.parametrize(
    ("path", "queries"),
    [("/api/v1/demand-plans/", 4), ("/api/v1/agreements/", 4)],
)
def test_list_queries_do_not_grow_with_rows(sales_org, admin, path, queries):
    _grow(sales_org, 0)

    def grow():
        for index in range(1, 6):
            _grow(sales_org, index)

    response = assert_list_queries(lambda: admin.get(path), grow, queries=queries)
    assert response.json()["count"] == 6


def test_another_workspace_never_reaches_alphas_rows(
    sales_org, beta_sales_org, api_key, api_client
):
    org = sales_org
    response = org.api("dealer").post("/api/v1/demand-plans/", _plan_body(org))
    plan_id = response.json()["id"]
    agreement = _agreement(org)
    beta = api_client(beta_sales_org.workspace, api_key(beta_sales_org.workspace))

    for path in (f"/api/v1/demand-plans/{plan_id}/", f"/api/v1/agreements/{agreement.pk}/"):
        assert beta.get(path).status_code == 404
        assert beta.patch(path, {"notes": "hijack"}).status_code == 404
    for path in (
        f"/api/v1/demand-plans/{plan_id}/submit/",
        f"/api/v1/demand-plans/{plan_id}/accept/",
        f"/api/v1/agreements/{agreement.pk}/close/",
    ):
        assert beta.post(path).status_code == 404
    assert beta.get("/api/v1/demand-plans/").json()["count"] == 0
    assert beta.get("/api/v1/agreements/").json()["count"] == 0
    aggregate = beta.get(f"/api/v1/demand-plans/aggregate/?month={_month()}").json()
    assert (aggregate["plans"], aggregate["rows"]) == (0, [])
    with schema_context(org.workspace.schema):
        assert DemandPlan.objects.get().status == DemandPlan.Status.DRAFT
        assert Agreement.objects.get().status == Agreement.Status.ACTIVE
