"""`/api/v1/opportunities/` (with `move/` and `forecast/`) and
`/api/v1/stage-probabilities/`: what an integrator and each role can do, bad input
refused whole, isolation between workspaces, and lists whose queries do not grow."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context

from tests.support import factories
from tests.support.factories import count_rows
from tests.support.queries import assert_list_queries
from tradepost.pipeline import services as pipeline
from tradepost.pipeline.models import Opportunity, StageProbability

BASE = "/api/v1/opportunities/"


@pytest.fixture
def admin(sales_org, api_key, api_client):
    return api_client(sales_org.workspace, api_key(sales_org.workspace))


def _body(org, **extra):
    body = {
        "customer": org.customers["rep_own"].pk,
        "name": "Hotel kitchen 酒店厨房",
        "amount": "25000.00",
        "expected_close": "2026-06-30",
        "stage": "diagnosis",
        "next_step": "Visit the site",
    }
    body.update(extra)
    return body


def test_an_integrator_opens_moves_wins_and_reopens_an_opportunity(sales_org, admin):
    org = sales_org
    response = admin.post(BASE, _body(org))
    assert response.status_code == 201, response.json()
    created = response.json()
    assert created["owner"] == org.users["salesperson"].pk  # the customer's salesperson
    assert (created["stage"], created["probability"]) == ("diagnosis", 20)
    assert (created["amount"], created["weighted_amount"]) == ("25000.00", "5000.00")
    assert created["currency"] == "CNY" and created["closed_at"] is None
    assert created["customer_name"] == org.customers["rep_own"].name
    path = f"{BASE}{created['id']}/"

    changed = admin.patch(path, {"amount": "30000.5", "notes": "Budget confirmed"})
    assert changed.status_code == 200, changed.json()
    assert (changed.json()["amount"], changed.json()["weighted_amount"]) == (
        "30000.50",
        "6000.10",
    )
    assert admin.get(path).json()["notes"] == "Budget confirmed"

    moved = admin.post(f"{path}move/", {"stage": "negotiation"})
    assert moved.status_code == 200 and moved.json()["weighted_amount"] == "24000.40"

    no_reason = admin.post(f"{path}move/", {"stage": "won"})
    assert no_reason.status_code == 400 and "reason" in no_reason.json()["errors"]
    assert count_rows(org, Opportunity, stage="negotiation") == 1

    won = admin.post(f"{path}move/", {"stage": "won", "reason": "Best after-sales"}).json()
    assert (won["stage"], won["close_reason"], won["probability"]) == (
        "won",
        "Best after-sales",
        100,
    )
    assert won["closed_at"] is not None
    expected_follow_up = timezone.localdate() + datetime.timedelta(days=30)
    assert won["follow_up_on"] == expected_follow_up.isoformat()

    reopened = admin.post(f"{path}move/", {"stage": "proposal"}).json()
    assert (reopened["stage"], reopened["closed_at"], reopened["close_reason"]) == (
        "proposal",
        None,
        "",
    )


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"customer": 999999}, "customer"),
        ({"customer": None}, "customer"),
        ({"name": ""}, "name"),
        ({"name": 7}, "name"),
        ({"amount": "-1"}, "amount"),
        ({"amount": "1.005"}, "amount"),
        ({"amount": "ten"}, "amount"),
        ({"amount": "1000000000000"}, "amount"),
        ({"currency": "XXX"}, "currency"),
        ({"stage": "won"}, "stage"),
        ({"expected_close": "next month"}, "expected_close"),
        ({"owner": 999999}, "owner"),
        ({"probability": 50}, "probability"),
    ],
)
def test_bad_opportunities_are_400_with_the_field_and_nothing_is_written(
    sales_org, admin, change, field
):
    response = admin.post(BASE, _body(sales_org, **change))
    assert response.status_code == 400, response.json()
    assert field in response.json()["errors"], response.json()
    assert count_rows(sales_org, Opportunity) == 0


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"stage": "closing"}, "stage"),
        ({}, "stage"),
        ({"stage": "lost", "reason": ""}, "reason"),
        ({"stage": "lost", "reason": "x" * 301}, "reason"),
        ({"stage": "vision", "follow_up_on": "2030-01-01"}, "follow_up_on"),
        ({"stage": "won", "reason": "Signed", "follow_up_on": "2001-01-01"}, "follow_up_on"),
        ({"stage": "vision", "colour": "red"}, "colour"),
    ],
)
def test_bad_moves_are_400_and_change_nothing(sales_org, admin, body, field):
    opportunity = factories.opportunity(sales_org)
    response = admin.post(f"{BASE}{opportunity.pk}/move/", body)
    assert response.status_code == 400, response.json()
    assert field in response.json()["errors"]
    assert count_rows(sales_org, Opportunity, stage="prospect") == 1


def test_bad_changes_are_400(sales_org, admin):
    opportunity = factories.opportunity(sales_org)
    path = f"{BASE}{opportunity.pk}/"
    for body, field in (
        ({"stage": "won"}, "stage"),
        ({"customer": sales_org.customers["north"].pk}, "customer"),
        ({"amount": "-3"}, "amount"),
        ({"follow_up_on": "2030-01-01"}, "follow_up_on"),
    ):
        response = admin.patch(path, body)
        assert response.status_code == 400, (body, response.json())
        assert field in response.json()["errors"]
    with schema_context(sales_org.workspace.schema):
        opportunity.refresh_from_db()
        assert (opportunity.stage, str(opportunity.amount)) == ("prospect", "1000.00")


@pytest.mark.parametrize(
    ("role", "read", "create", "move"),
    [
        ("salesperson", 200, 201, 200),
        ("sales_manager", 200, 201, 200),
        ("executive", 200, 403, 403),
        ("finance_manager", 200, 403, 403),
        ("customer_information_manager", 403, 403, 403),
        ("warehouse_manager", 403, 403, 403),
        ("dealer", 403, 403, 403),
    ],
)
def test_what_each_role_may_do(sales_org, role, read, create, move):
    org = sales_org
    opportunity = factories.opportunity(org)
    client = org.api(role)
    assert client.get(BASE).status_code == read
    assert client.get(f"{BASE}{opportunity.pk}/").status_code == read
    assert client.get(f"{BASE}forecast/").status_code == read
    assert client.post(BASE, _body(org)).status_code == create
    response = client.post(f"{BASE}{opportunity.pk}/move/", {"stage": "vision"})
    assert response.status_code == move
    assert count_rows(org, Opportunity, stage="vision") == (1 if move == 200 else 0)


def test_people_reach_only_opportunities_of_their_customers(sales_org):
    org = sales_org
    mine = factories.opportunity(org)
    north = factories.opportunity(org, "north", name="Beijing chain")
    rep = org.api("salesperson")
    listed = rep.get(BASE).json()
    assert [row["id"] for row in listed["results"]] == [mine.pk]
    assert rep.get(f"{BASE}{north.pk}/").status_code == 404
    assert rep.patch(f"{BASE}{north.pk}/", {"notes": "x"}).status_code == 404
    assert rep.post(f"{BASE}{north.pk}/move/", {"stage": "vision"}).status_code == 404
    refused = rep.post(BASE, _body(org, customer=org.customers["north"].pk))
    assert refused.status_code == 400 and "customer" in refused.json()["errors"]
    (cny,) = rep.get(f"{BASE}forecast/").json()["currencies"]
    assert (cny["totals"]["count"], cny["totals"]["no_date"]) == (1, "50.00")  # not north's
    assert count_rows(org, Opportunity, name="Beijing chain", stage="prospect") == 1


def test_betas_key_never_reads_or_changes_alphas_opportunities(
    sales_org, beta_sales_org, api_key, api_client
):
    opportunity = factories.opportunity(sales_org, expected_close=datetime.date(2026, 5, 1))
    beta = api_client(beta_sales_org.workspace, api_key(beta_sales_org.workspace))
    assert beta.get(BASE).json()["count"] == 0
    assert beta.get(f"{BASE}{opportunity.pk}/").status_code == 404
    assert beta.patch(f"{BASE}{opportunity.pk}/", {"notes": "x"}).status_code == 404
    moved = beta.post(f"{BASE}{opportunity.pk}/move/", {"stage": "lost", "reason": "x"})
    assert moved.status_code == 404
    assert beta.get(f"{BASE}forecast/?start=2026-05-01").json()["currencies"] == []
    # Beta's probabilities are beta's own.
    changed = beta.patch("/api/v1/stage-probabilities/prospect/", {"probability": 9})
    assert changed.status_code == 200
    with schema_context(sales_org.workspace.schema):
        opportunity.refresh_from_db()
        assert (opportunity.stage, opportunity.notes) == ("prospect", "")
        assert pipeline.stage_probabilities()["prospect"] == 5


def test_filters_search_and_ordering(sales_org, admin):
    org = sales_org
    small = factories.opportunity(org, name="Small deal", amount=Decimal("10"), stage="vision")
    big = factories.opportunity(org, "north", name="Big deal", amount=Decimal("900"))
    closed = factories.opportunity(org, name="Old deal", amount=Decimal("50"))
    with schema_context(org.workspace.schema):
        pipeline.opportunity_move(actor=org.owner, opportunity=closed, stage="lost", reason="Gone")

    def ids(query: str) -> list[int]:
        response = admin.get(f"{BASE}?{query}")
        assert response.status_code == 200, response.json()
        return [row["id"] for row in response.json()["results"]]

    assert ids("stage=vision") == [small.pk]
    assert ids(f"customer={org.customers['north'].pk}") == [big.pk]
    assert set(ids(f"owner={org.users['salesperson'].pk}")) == {small.pk, closed.pk}
    assert ids("search=big") == [big.pk]
    assert ids("is_open=false") == [closed.pk]
    assert ids("ordering=-amount&is_open=true") == [big.pk, small.pk]
    assert ids("ordering=weighted_amount&is_open=true") == [small.pk, big.pk]  # 4.00, 45.00
    assert ids("updated_since=2999-01-01T00:00:00Z") == []
    for bad in ("stage=closing", "owner=abc", "customer=x", "is_open=maybe", "updated_since=no"):
        assert admin.get(f"{BASE}?{bad}").status_code == 400, bad


def _grow(org, count: int) -> None:
    with schema_context(org.workspace.schema):
        for index in range(count):
            pipeline.opportunity_create(
                actor=org.owner,
                customer=org.customers[("rep_own", "north", "hangzhou_unowned")[index % 3]],
                name=f"Deal {index}",
                amount=Decimal(100 + index),
                stage=("prospect", "vision", "negotiation")[index % 3],
                expected_close=datetime.date(2026, 1 + index % 12, 1),
            )


@pytest.mark.parametrize(
    ("path", "queries"),
    [
        (BASE, 11),
        (f"{BASE}forecast/?start=2026-01-01&months=12", 10),
        ("/api/v1/stage-probabilities/", 6),
    ],
)
def test_list_queries_do_not_grow_with_rows(sales_org, path, queries):
    client = sales_org.api("sales_manager")
    _grow(sales_org, 1)

    def grow():
        _grow(sales_org, 9)

    response = assert_list_queries(lambda: client.get(path), grow, queries=queries)
    assert response.status_code == 200


# --- Forecast ------------------------------------------------------------------------
def test_the_forecast_endpoint_gives_weighted_amounts_per_currency_month_and_owner(
    sales_org, admin
):
    org = sales_org
    march = datetime.date(2026, 3, 10)
    factories.opportunity(
        org, amount=Decimal("1000.00"), stage="proposal", expected_close=march
    )  # 600.00
    factories.opportunity(
        org, amount=Decimal("0.05"), stage="interest", expected_close=march
    )  # 0.01
    factories.opportunity(
        org, "north", amount=Decimal("200"), currency="USD", stage="negotiation"
    )  # no date: 160
    factories.opportunity(
        org, amount=Decimal("5"), stage="vision", expected_close=datetime.date(2025, 1, 1)
    )  # overdue
    response = admin.get(f"{BASE}forecast/?start=2026-03-31&months=2")
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["start"] == "2026-03-01" and body["months"] == ["2026-03", "2026-04"]
    cny, usd = body["currencies"]
    assert cny["currency"] == "CNY"
    (line,) = cny["lines"]
    assert line["owner"] == org.users["salesperson"].pk
    assert line["months"] == {"2026-03": "600.01", "2026-04": "0.00"}
    assert (line["overdue"], line["total"], line["count"]) == ("2.00", "602.01", 3)
    assert cny["totals"]["owner"] is None and cny["totals"]["total"] == "602.01"
    assert (usd["currency"], usd["totals"]["no_date"]) == ("USD", "160.00")
    mine = org.api("north_rep").get(f"{BASE}forecast/?mine=true").json()
    assert [item["currency"] for item in mine["currencies"]] == ["USD"]


@pytest.mark.parametrize(
    "query",
    [
        "months=0",
        "months=25",
        "months=abc",
        "start=yesterday",
        "mine=perhaps",
        "start=9999-12-01&months=24",
    ],
)
def test_bad_forecast_parameters_are_400(sales_org, admin, query):
    response = admin.get(f"{BASE}forecast/?{query}")
    assert response.status_code == 400, response.json()
    assert set(response.json()["errors"]) & {"months", "start", "mine"}


# --- Stage probabilities -------------------------------------------------------------
def test_a_manager_sets_a_stages_probability_and_weighted_amounts_follow(sales_org):
    org = sales_org
    opportunity = factories.opportunity(org, stage="proposal")
    rep = org.api("salesperson")
    listed = rep.get("/api/v1/stage-probabilities/").json()
    assert [row["stage"] for row in listed][:2] == ["prospect", "interest"]
    assert listed[4] == {
        "stage": "proposal",
        "label": "Proposal",
        "probability": 60,
        "is_default": True,
        "configurable": True,
    }
    manager = org.api("sales_manager")
    changed = manager.patch("/api/v1/stage-probabilities/proposal/", {"probability": 45})
    assert changed.status_code == 200, changed.json()
    assert (changed.json()["probability"], changed.json()["is_default"]) == (45, False)
    read = rep.get(f"{BASE}{opportunity.pk}/").json()
    assert (read["probability"], read["weighted_amount"]) == (45, "450.00")


def test_stage_probabilities_refuse_bad_input_and_other_roles(sales_org):
    org = sales_org
    manager = org.api("sales_manager")
    path = "/api/v1/stage-probabilities/"
    for stage, body, field in (
        ("proposal", {"probability": 101}, "probability"),
        ("proposal", {"probability": "x"}, "probability"),
        ("proposal", {}, "probability"),
        ("proposal", {"probability": 50, "label": "x"}, "label"),
        ("won", {"probability": 90}, "stage"),
    ):
        response = manager.patch(f"{path}{stage}/", body)
        assert response.status_code == 400, (stage, body, response.json())
        assert field in response.json()["errors"]
    assert manager.patch(f"{path}closing/", {"probability": 5}).status_code == 404
    assert manager.get(f"{path}closing/").status_code == 404
    assert manager.get(f"{path}won/").json()["probability"] == 100
    for role in ("salesperson", "executive", "finance_manager"):
        response = org.api(role).patch(f"{path}proposal/", {"probability": 5})
        assert response.status_code == 403
    assert org.api("dealer").get(path).status_code == 403
    with schema_context(org.workspace.schema):
        assert StageProbability.objects.count() == 0
