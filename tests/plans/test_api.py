"""`/api/v1/targets/`: list and read with completion, set (once per Idempotency-Key) and
adjust with a reason; the caller's scope and permissions, another workspace out of
reach, bad input a 400 with nothing written, and the list in a fixed number of queries."""

from __future__ import annotations

from django_tenants.utils import schema_context

from tests.plans.conftest import Q4, target
from tests.support.api import list_count
from tests.support.queries import assert_list_queries
from tradepost.plans.models import SalesTarget, TargetAdjustment

TARGETS = "/api/v1/targets/"


def _count(org) -> tuple[int, int]:
    with schema_context(org.schema):
        return SalesTarget.objects.count(), TargetAdjustment.objects.count()


def test_the_list_carries_completion_and_filters(november):
    org = november
    target(org, amount="3000.00", quantity="10")
    target(org, kind="quarter", start=Q4, dimension="branch", branch=org.branches["east"])
    api = org.api("executive")
    rows = api.rows(TARGETS)
    assert [row["period"] for row in rows] == ["2026-11", "2026-Q4"]
    company = rows[0]["completion"]
    assert company["actual_amount"] == "1879.50"
    assert company["actual_quantity"] == "9.000"
    assert company["amount_percent"] == "62.7"
    assert company["currency"] == "CNY"
    assert company["period_days"] == 30
    assert rows[0]["adjustments"] is None  # the history comes with one target
    assert [r["dimension"] for r in api.rows(TARGETS, period_kind="quarter")] == ["branch"]
    assert api.count(TARGETS, dimension="company") == 1
    assert api.count(TARGETS, period_start="2026-10-01") == 1
    assert api.get(TARGETS, {"dimension": "moon"}).status_code == 400


def test_set_and_adjust_a_target_through_the_api(sales_org):
    org = sales_org
    api = org.api("sales_manager")
    body = {
        "period_kind": "month",
        "period_start": "2026-12-01",
        "dimension": "branch",
        "branch": org.branches["shanghai"].pk,
        "amount": "5000.00",
        "quantity": "20",
    }
    first = api.post(TARGETS, body, idempotency_key="plan-dec-sh")
    again = api.post(TARGETS, body, idempotency_key="plan-dec-sh")
    assert (first.status_code, again.status_code) == (201, 201), first.content
    assert again.json()["id"] == first.json()["id"]
    assert _count(org) == (1, 0)
    made = first.json()
    assert made["period"] == "2026-12" and made["completion"]["actual_amount"] == "0.00"
    adjust = f"{TARGETS}{made['id']}/adjust/"
    no_reason = api.post(adjust, {"amount": "6000.00"})
    assert no_reason.status_code == 400 and "reason" in no_reason.json()["errors"]
    done = api.post(adjust, {"amount": "6000.00", "reason": "A new shop opens"})
    assert done.status_code == 200, done.content
    answer = done.json()
    assert (answer["amount"], answer["quantity"]) == ("6000.00", "20.000")  # kept
    assert [(a["old_amount"], a["new_amount"], a["reason"]) for a in answer["adjustments"]] == [
        ("5000.00", "6000.00", "A new shop opens")
    ]
    assert api.get(f"{TARGETS}{made['id']}/").json()["adjustments"][0]["adjusted_by"] == (
        org.users["sales_manager"].email
    )


def test_bad_input_is_a_400_with_nothing_written(sales_org):
    org = sales_org
    api = org.api("executive")
    good = {"period_kind": "month", "period_start": "2026-12-01", "dimension": "company"}
    for body in (
        {**good, "amount": "-1.00"},
        {**good, "period_start": "2026-12-15", "amount": "1.00"},
        {**good, "period_kind": "week", "amount": "1.00"},
        {**good, "dimension": "branch", "amount": "1.00"},  # no branch
        {**good, "amount": "1.00", "branch": org.branches["east"].pk},  # a company's
        {**good, "amount": "1.00", "colour": "red"},
        {**good},
    ):
        response = api.post(TARGETS, body)
        assert response.status_code == 400, (body, response.content)
    assert _count(org) == (0, 0)
    made = target(org, amount="10.00")
    for body in ({"amount": "10.00", "reason": "same"}, {"amount": "x", "reason": "r"}):
        assert api.post(f"{TARGETS}{made.pk}/adjust/", body).status_code == 400
    assert _count(org) == (1, 0)


def test_each_role_reaches_its_targets_only(sales_org):
    org = sales_org
    own = target(org, dimension="salesperson", salesperson=org.users["salesperson"])
    north = target(org, dimension="branch", branch=org.branches["north"])
    salesperson = org.api("salesperson")
    assert [row["id"] for row in salesperson.rows(TARGETS)] == [own.pk]
    assert salesperson.get(f"{TARGETS}{north.pk}/").status_code == 404
    refused = salesperson.post(f"{TARGETS}{own.pk}/adjust/", {"amount": "1.00", "reason": "mine"})
    assert refused.status_code == 403
    assert (
        salesperson.post(
            TARGETS,
            {
                "period_kind": "year",
                "period_start": "2026-01-01",
                "dimension": "company",
                "amount": "1",
            },
        ).status_code
        == 403
    )
    manager = org.api("sales_manager")
    assert manager.get(f"{TARGETS}{north.pk}/").status_code == 404
    out_of_scope = manager.post(
        TARGETS,
        {
            "period_kind": "month",
            "period_start": "2026-12-01",
            "dimension": "branch",
            "branch": org.branches["beijing"].pk,
            "amount": "1.00",
        },
    )
    assert out_of_scope.status_code == 400 and "branch" in out_of_scope.json()["errors"]
    assert org.api("dealer").get(TARGETS).status_code == 403
    assert org.api("finance_manager").count(TARGETS) == 2
    assert _count(org) == (2, 0)


def test_another_workspace_cannot_read_or_adjust_these_targets(sales_org, beta_sales_org):
    made = target(sales_org, amount="10.00")
    beta = beta_sales_org.api("executive")
    assert beta.count(TARGETS) == 0
    assert beta.get(f"{TARGETS}{made.pk}/").status_code == 404
    assert (
        beta.post(f"{TARGETS}{made.pk}/adjust/", {"amount": "5.00", "reason": "x"}).status_code
        == 404
    )
    assert _count(sales_org) == (1, 0)


def test_the_list_takes_the_same_queries_for_few_targets_and_many(november):
    org = november
    b, r, c = org.branches, org.regions, org.categories
    target(org)
    target(org, dimension="branch", branch=b["east"])
    target(org, dimension="region", region=r["east_china"])
    target(org, dimension="salesperson", salesperson=org.users["salesperson"])
    target(org, dimension="category", category=c["kitchen"])
    api = org.api("executive")

    def grow():
        target(org, kind="quarter", start=Q4)
        for name in ("shanghai", "hangzhou", "north", "beijing"):
            target(org, dimension="branch", branch=b[name])
        target(org, dimension="region", region=r["north_china"])
        target(org, dimension="category", category=c["appliances"])

    assert_list_queries(lambda: api.get(TARGETS), grow, queries=QUERIES_API_LIST, size=list_count)


# Session and permissions, count and page, the base currency, a GROUP BY per dimension
# (5), exchange rates and child targets.
QUERIES_API_LIST = 16
