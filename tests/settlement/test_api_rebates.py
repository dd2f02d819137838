"""`/api/v1/rebate-rules/` and `/api/v1/rebates/`: finance keeps a rule with its tiers,
computes last month (again: the same rows), reads a rebate's explanation line by line,
approves, rejects (with a reason) and posts it as a credit note, once, replayed under
an Idempotency-Key; the filters; bad input is 400 with nothing written; managers read
their customers' rebates and change nothing, salespeople, warehouse managers and
dealers read none; another workspace sees and touches nothing; lists take pinned
queries."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django_tenants.utils import schema_context

from tests.settlement.scenarios import (
    LAST_END,
    LAST_MONTH,
    LAST_START,
    TODAY,
)
from tests.settlement.scenarios import bought_last_month as _bought
from tests.settlement.scenarios import finance as _finance
from tests.settlement.scenarios import rebate_of as _rebate_of
from tests.settlement.scenarios import rebate_rule as _rule
from tests.settlement.scenarios import rebates_computed as _computed
from tests.support.api import list_count
from tests.support.factories import count_rows
from tests.support.queries import assert_list_queries
from tradepost.audit.models import AuditEntry
from tradepost.settlement import rebates
from tradepost.settlement.api.rebates import RebateViewSet
from tradepost.settlement.models import Invoice, Rebate, RebateRule, RebateTier

RULES = "/api/v1/rebate-rules/"
REBATES = "/api/v1/rebates/"
COMPUTE = f"{REBATES}compute/"

D = Decimal


def _rule_body(org, **fields) -> dict:
    return {
        "name": "Toaster volume 烤面包机返利",
        "product": org.products["toaster"].pk,
        "basis": "quantity",
        "valid_from": (LAST_START - datetime.timedelta(days=400)).isoformat(),
        "tiers": [{"threshold": "5", "rate": "2"}, {"threshold": "10", "rate": "3"}],
        **fields,
    }


# --- Rules ---------------------------------------------------------------------------------
def test_finance_adds_a_rule_with_tiers_and_changes_it(sales_org):
    org = sales_org
    books = org.api("finance_manager")

    made = books.post(RULES, _rule_body(org, notes="Q4 push"))

    assert made.status_code == 201, made.json()
    rule = made.json()
    assert (rule["name"], rule["product"], rule["customer"]) == (
        "Toaster volume 烤面包机返利",
        org.products["toaster"].pk,
        None,
    )
    assert (rule["period"], rule["reward"], rule["currency"], rule["is_active"]) == (
        "month",
        "percent",
        "CNY",
        True,
    )
    assert rule["tiers"] == [
        {"threshold": "5.000", "rate": "2.00"},
        {"threshold": "10.000", "rate": "3.00"},
    ]
    path = f"{RULES}{rule['id']}/"
    changed = books.patch(
        path,
        {
            "customer": org.customers["north"].pk,
            "tiers": [{"threshold": "1", "rate": "1.5"}],
            "is_active": False,
        },
    )
    assert changed.status_code == 200, changed.json()
    body = changed.json()
    assert (body["customer"], body["is_active"], body["name"]) == (
        org.customers["north"].pk,
        False,
        "Toaster volume 烤面包机返利",
    )
    assert body["tiers"] == [{"threshold": "1.000", "rate": "1.50"}]
    assert books.get(path).json() == body
    assert count_rows(org, RebateTier) == 1
    assert count_rows(org, AuditEntry, action="rebate_rule.updated") == 1


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        (
            {"tiers": [{"threshold": "10", "rate": "2"}, {"threshold": "5", "rate": "3"}]},
            "tiers",
            "rise",
        ),
        ({"tiers": []}, "tiers", "at least one"),
        ({"tiers": [{"threshold": "1", "rate": "0"}]}, "tiers", ""),
        ({"reward": "percent", "tiers": [{"threshold": "1", "rate": "101"}]}, "tiers", "100"),
        ({"customer_group": "GROUP", "customer": "CUSTOMER"}, "customer_group", "not both"),
        ({"category": "CATEGORY"}, "category", "not both"),
        ({"valid_to": "2000-01-01"}, "valid_to", "cannot end before"),
        ({"basis": "weight"}, "basis", ""),
        ({"customer": 999999}, "customer", ""),
        ({"name": "  "}, "name", ""),
        ({"colour": "red"}, "colour", "Unknown field."),
    ],
)
def test_bad_rules_are_400_and_nothing_is_written(sales_org, change, field, words):
    org = sales_org
    values = {
        "GROUP": org.groups["tier1"].pk,
        "CUSTOMER": org.customers["rep_own"].pk,
        "CATEGORY": org.categories["appliances"].pk,
    }
    body = _rule_body(
        org,
        **{
            key: values.get(value, value) if isinstance(value, str) else value
            for key, value in change.items()
        },
    )

    response = org.api("finance_manager").post(RULES, body)

    assert response.status_code == 400, response.json()
    errors = response.json()["errors"]
    assert field in errors, errors
    assert words.lower() in " ".join(errors[field]).lower()
    assert count_rows(org, RebateRule) == 0
    assert count_rows(org, RebateTier) == 0


def test_a_bad_change_to_a_rule_is_400_and_leaves_it_as_it_was(sales_org):
    org = sales_org
    rule = _rule(org)
    books = org.api("finance_manager")

    response = books.patch(
        f"{RULES}{rule.pk}/",
        {
            "name": "Renamed",
            "tiers": [{"threshold": "9", "rate": "1"}, {"threshold": "3", "rate": "1"}],
        },
    )

    assert response.status_code == 400
    assert "tiers" in response.json()["errors"]
    with schema_context(org.schema):
        kept = RebateRule.objects.get(pk=rule.pk)
        assert kept.name == "Kettle volume 电水壶返利"
        assert list(kept.tiers.order_by("threshold").values_list("threshold", flat=True)) == [
            D("5"),
            D("10"),
        ]


def test_rules_filter_like_the_rules_page(sales_org):
    org = sales_org
    kettle = _rule(org)
    group = _rule(
        org, name="Group 分组", product=None, customer_group=org.groups["tier1"], is_active=False
    )
    north = _rule(org, name="North only", customer=org.customers["north"], basis="amount")
    books = org.api("finance_manager")

    def ids(**params):
        return [row["id"] for row in books.rows(RULES, **params)]

    assert ids() == [group.pk, kettle.pk, north.pk]  # by name
    assert ids(active="true") == [kettle.pk, north.pk]
    assert ids(active="false") == [group.pk]
    assert ids(customer=org.customers["north"].pk) == [north.pk]
    assert ids(customer_group=org.groups["tier1"].pk) == [group.pk]
    assert ids(product=org.products["kettle"].pk) == [kettle.pk, north.pk]
    assert ids(basis="amount") == [north.pk]
    assert ids(search="north") == [north.pk]
    for bad in ({"active": "maybe"}, {"customer": "x"}, {"basis": "weight"}):
        assert books.get(RULES, bad).status_code == 400, bad


# --- Rebates -------------------------------------------------------------------------------
def test_compute_explain_approve_and_post_through_the_api(sales_org):
    org = sales_org
    rule = _rule(org)
    order = _bought(org, quantity="7")
    books = org.api("finance_manager")

    computed = books.post(COMPUTE, {"period_end": LAST_END.isoformat()})

    assert computed.status_code == 200, computed.json()
    assert computed.json() == {
        "period_end": LAST_END.isoformat(),
        "created": 1,
        "updated": 0,
        "unchanged": 0,
        "withdrawn": 0,
        "reviewed": 0,
    }
    # The same orders, the same rows: computing again changes nothing.
    again = books.post(COMPUTE, {"period_end": LAST_END.isoformat()})
    assert (again.json()["created"], again.json()["unchanged"]) == (0, 1)
    [row] = books.rows(REBATES)
    assert "explanation" not in row  # the list is the summary
    assert (row["status"], row["amount"], row["period_label"]) == ("computed", "27.86", LAST_MONTH)
    assert row["rule"] == {
        "id": rule.pk,
        "name": rule.name,
        "period": "month",
        "basis": "quantity",
        "reward": "percent",
    }
    assert row["allowed_actions"] == ["approve", "reject"]
    path = f"{REBATES}{row['id']}/"
    explained = books.get(path).json()["explanation"]
    assert [
        (line["order"], line["order_id"], line["counted_quantity"]) for line in explained["lines"]
    ] == [(order.number, order.pk, "7")]
    assert explained["tier"] == {"threshold": "5", "rate": "2"}
    assert explained["arithmetic"] == "1393 × 2 % = 27.86 → 27.86"

    approved = books.post(f"{path}approve/")
    assert approved.status_code == 200, approved.json()
    assert (approved.json()["status"], approved.json()["allowed_actions"]) == (
        "approved",
        ["reject", "post"],
    )
    posted = books.post(f"{path}post/", idempotency_key="post-rebate-1")
    assert posted.status_code == 200, posted.json()
    body = posted.json()
    assert body["status"] == "posted"
    with schema_context(org.schema):
        note = Invoice.objects.get(kind="credit_note")
    assert body["credit_note"] == {"id": note.pk, "number": note.number, "status": "issued"}
    assert note.gross_total == D("27.86")
    # The same key replays the answer; without it a second post is refused.
    replay = books.post(f"{path}post/", idempotency_key="post-rebate-1")
    assert replay.status_code == 200 and replay["Idempotent-Replayed"] == "true"
    assert replay.json() == body
    twice = books.post(f"{path}post/")
    assert twice.status_code == 400 and "status" in twice.json()["errors"]
    assert count_rows(org, Invoice, kind="credit_note") == 1


def test_a_rebate_is_rejected_with_a_reason_only(sales_org):
    org = sales_org
    _rule(org)
    _bought(org, quantity="5")
    _computed(org)
    rebate = _rebate_of(org)
    books = org.api("finance_manager")
    path = f"{REBATES}{rebate.pk}/reject/"

    for body in ({}, {"reason": "   "}):
        refused = books.post(path, body)
        assert refused.status_code == 400
        assert refused.json()["errors"]["reason"] == ["Say why the rebate is rejected."]
    assert count_rows(org, Rebate, status="computed") == 1

    rejected = books.post(path, {"reason": "Paid by the distributor 经销商已付"})

    assert rejected.status_code == 200, rejected.json()
    assert (rejected.json()["status"], rejected.json()["reject_reason"]) == (
        "rejected",
        "Paid by the distributor 经销商已付",
    )
    assert books.post(f"{REBATES}{rebate.pk}/post/").status_code == 400


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "period_end"),
        ({"period_end": "soon"}, "period_end"),
        ({"period_end": LAST_END.replace(day=1).isoformat()}, "period_end"),  # not a month end
        ({"period_end": rebates.period_of("month", TODAY)[1].isoformat()}, "period_end"),
        ({"period_end": LAST_END.isoformat(), "rule": 999999}, "rule"),
        ({"period_end": LAST_END.isoformat(), "extra": 1}, "extra"),
    ],
)
def test_bad_compute_input_is_400_and_writes_nothing(sales_org, body, field):
    org = sales_org
    _rule(org)
    _bought(org, quantity="5")

    response = org.api("finance_manager").post(COMPUTE, body)

    assert response.status_code == 400, response.json()
    assert field in response.json()["errors"], response.json()
    assert count_rows(org, Rebate) == 0


def test_rebates_filter_like_the_rebates_page(sales_org):
    org = sales_org
    kettles = _rule(org)
    toasters = _rule(
        org, name="Toasters", product=org.products["toaster"], tiers=[(D("1"), D("1"))]
    )
    _bought(org, quantity="5")
    _bought(org, "north", quantity="5")
    _bought(org, "north", quantity="1", product="toaster")
    _computed(org)
    own, north = _rebate_of(org), None
    with schema_context(org.schema):
        north = Rebate.objects.get(customer=org.customers["north"], rule=kettles)
        north_toasters = Rebate.objects.get(rule=toasters)
        rebates.rebate_approve(actor=_finance(org), rebate=north)
    books = org.api("finance_manager")

    def ids(**params):
        return {row["id"] for row in books.rows(REBATES, **params)}

    assert ids() == {own.pk, north.pk, north_toasters.pk}
    assert ids(status="approved") == {north.pk}
    assert ids(rule=toasters.pk) == {north_toasters.pk}
    assert ids(customer=org.customers["rep_own"].pk) == {own.pk}
    assert ids(period=LAST_MONTH) == {own.pk, north.pk, north_toasters.pk}
    assert ids(period=f"{TODAY:%Y-%m}") == set()
    assert ids(search="Jinghua") == {north.pk, north_toasters.pk}
    for bad in ({"period": "2026-13"}, {"status": "paid"}, {"rule": "x"}):
        response = books.get(REBATES, bad)
        assert response.status_code == 400, bad
        assert set(bad) <= set(response.json()["errors"]), response.json()


# --- Who may do what -----------------------------------------------------------------------
def test_a_manager_reads_their_customers_rebates_and_changes_nothing(sales_org):
    org = sales_org
    rule = _rule(org)
    _bought(org, quantity="5")
    _bought(org, "north", quantity="5")
    _computed(org)
    own, north = _rebate_of(org), _rebate_of(org, "north")
    manager = org.api("sales_manager")

    assert [row["id"] for row in manager.rows(REBATES)] == [own.pk]
    assert manager.get(f"{REBATES}{north.pk}/").status_code == 404
    read = manager.get(f"{REBATES}{own.pk}/").json()
    assert read["allowed_actions"] == []
    assert read["explanation"]["arithmetic"] == "995 × 2 % = 19.9 → 19.90"
    assert manager.post(f"{REBATES}{own.pk}/approve/").status_code == 403
    assert manager.post(f"{REBATES}{own.pk}/reject/", {"reason": "No"}).status_code == 403
    assert manager.post(f"{REBATES}{own.pk}/post/").status_code == 403
    assert manager.post(f"{REBATES}{north.pk}/approve/").status_code == 404
    assert manager.post(COMPUTE, {"period_end": LAST_END.isoformat()}).status_code == 403
    assert [row["id"] for row in manager.rows(RULES)] == [rule.pk]
    assert manager.post(RULES, _rule_body(org)).status_code == 403
    assert manager.patch(f"{RULES}{rule.pk}/", {"name": "Mine"}).status_code == 403
    assert count_rows(org, Rebate, status="computed") == 2
    assert count_rows(org, RebateRule, name=rule.name) == 1


@pytest.mark.parametrize("role", ["salesperson", "warehouse_manager", "dealer"])
def test_salespeople_warehouses_and_dealers_read_no_rebates(sales_org, role):
    org = sales_org
    rule = _rule(org)
    _bought(org, "dealer", quantity="5")
    _bought(org, quantity="5")
    _computed(org)
    rebate = _rebate_of(org, "dealer")
    client = org.api(role)

    for path in (REBATES, f"{REBATES}{rebate.pk}/", RULES, f"{RULES}{rule.pk}/"):
        assert client.get(path).status_code == 403, path
    assert client.post(f"{REBATES}{rebate.pk}/approve/").status_code == 403
    assert client.post(COMPUTE, {"period_end": LAST_END.isoformat()}).status_code == 403
    assert client.post(RULES, _rule_body(org)).status_code == 403
    assert count_rows(org, Rebate, status="computed") == 2
    assert count_rows(org, RebateRule) == 1


def test_another_workspace_sees_and_touches_none_of_it(sales_org, beta_sales_org):
    org, beta = sales_org, beta_sales_org
    rule = _rule(org)
    _bought(org, quantity="5")
    _computed(org)
    rebate = _rebate_of(org)
    other = beta.api("finance_manager")

    assert other.count(REBATES) == 0 and other.count(RULES) == 0
    assert other.get(f"{REBATES}{rebate.pk}/").status_code == 404
    for step in ("approve", "post"):
        assert other.post(f"{REBATES}{rebate.pk}/{step}/").status_code == 404
    assert other.post(f"{REBATES}{rebate.pk}/reject/", {"reason": "x"}).status_code == 404
    assert other.get(f"{RULES}{rule.pk}/").status_code == 404
    assert other.patch(f"{RULES}{rule.pk}/", {"name": "Ours"}).status_code == 404
    # Computing there counts none of this workspace's orders.
    computed = other.post(COMPUTE, {"period_end": LAST_END.isoformat()})
    assert computed.status_code == 200 and computed.json()["created"] == 0
    assert count_rows(beta, Rebate) == 0
    assert count_rows(org, Rebate, pk=rebate.pk, status="computed") == 1
    assert count_rows(org, RebateRule, pk=rule.pk, name=rule.name) == 1


# --- Lists and declarations ----------------------------------------------------------------
def test_the_rebate_list_takes_the_same_queries_for_one_row_and_many(sales_org):
    org = sales_org
    _rule(org, product=None, tiers=[(D("1"), D("1"))])
    _bought(org, quantity="1")
    _computed(org)
    books = org.api("finance_manager")

    def grow():
        _rule(org, name="Toasters", product=org.products["toaster"], tiers=[(D("1"), D("2"))])
        for name in ("north", "dealer", "hangzhou_unowned"):
            _bought(org, name, quantity="1", product="toaster")
        _computed(org)

    assert_list_queries(lambda: books.get(REBATES), grow, queries=8, size=list_count)


def test_the_rule_list_takes_the_same_queries_for_one_row_and_many(sales_org):
    org = sales_org
    _rule(org)
    books = org.api("finance_manager")

    def grow():
        _rule(org, name="Group 分组", product=None, customer_group=org.groups["tier1"])
        _rule(org, name="Category 类别", product=None, category=org.categories["appliances"])
        _rule(org, name="One customer", customer=org.customers["north"], basis="amount")

    assert_list_queries(lambda: books.get(RULES), grow, queries=8, size=list_count)


def test_every_declared_step_has_its_api_endpoint():
    routes = {action.url_path for action in RebateViewSet.get_extra_actions()}

    assert [t.api_path for t in rebates.LIFECYCLE] == ["approve", "reject", "post"]
    assert {t.api_path for t in rebates.LIFECYCLE} <= routes
