"""The targets pages: the list with completion and filters, a target with its history,
setting and adjusting targets — each role within its scope, dealers refused, another
workspace's targets out of reach, bad input refused with nothing written, and the list
in a fixed number of queries."""

from __future__ import annotations

from django_tenants.utils import schema_context

from tests.plans.conftest import Q4, D, target
from tests.support.queries import assert_list_queries
from tradepost.plans.models import SalesTarget, TargetAdjustment

LIST = "/plans/targets/"


def test_the_list_shows_targets_with_completion_and_filters_them(november):
    org = november
    target(org, amount="3000.00")
    target(org, dimension="branch", branch=org.branches["east"], amount="2000.00")
    target(org, dimension="branch", branch=org.branches["shanghai"], amount="1200.00")
    target(org, kind="quarter", start=Q4, amount="9000.00")
    client = org.client("executive")
    page = client.get(LIST)
    assert page.status_code == 200
    text = page.content.decode()
    assert "1,879.50" in text  # the company's November actual, formatted
    assert "<meter" in text
    assert "1,200.00 in 1 child target" in text  # East's children beside East's 2,000.00
    assert "Targets" in org.client("executive").get("/").content.decode()  # the menu entry
    only_quarters = client.get(LIST, {"period_kind": "quarter"}).content.decode()
    assert "2026-Q4" in only_quarters and "2026-11" not in only_quarters
    only_branches = client.get(LIST, {"period": "2026-11", "dimension": "branch"}).content.decode()
    assert "Shanghai" in only_branches and "9,000.00" not in only_branches
    assert "No target matches" in client.get(LIST, {"period": "2025"}).content.decode()


def test_an_empty_list_links_to_setting_and_importing_targets(sales_org):
    org = sales_org
    text = org.client("sales_manager").get(LIST).content.decode()
    assert "No sales targets yet." in text
    assert "/plans/targets/new/" in text and "/data/sales_targets/import/" in text
    read_only = org.client("salesperson").get(LIST).content.decode()
    assert "No sales targets yet." in read_only and "/plans/targets/new/" not in read_only


def test_each_role_sees_its_targets_and_dealers_none(sales_org):
    org = sales_org
    b = org.branches
    own = target(org, dimension="salesperson", salesperson=org.users["salesperson"])
    north = target(org, dimension="branch", branch=b["north"], amount="777.00")
    east = target(org, dimension="branch", branch=b["east"], amount="555.00")
    company = target(org, amount="999.00")
    salesperson = org.client("salesperson")
    assert salesperson.get(f"/plans/targets/{own.pk}/").status_code == 200
    assert "Adjust the target" not in salesperson.get(f"/plans/targets/{own.pk}/").content.decode()
    for hidden in (north, east, company):
        assert salesperson.get(f"/plans/targets/{hidden.pk}/").status_code == 404
    manager = org.client("sales_manager")
    listed = manager.get(LIST).content.decode()
    assert "555.00" in listed and "777.00" not in listed and "999.00" not in listed
    assert manager.get(f"/plans/targets/{north.pk}/").status_code == 404
    assert "Adjust the target" in manager.get(f"/plans/targets/{east.pk}/").content.decode()
    finance = org.client("finance_manager").get(f"/plans/targets/{company.pk}/")
    assert finance.status_code == 200 and "Adjust the target" not in finance.content.decode()
    dealer = org.client("dealer")
    assert dealer.get(LIST).status_code == 403
    assert dealer.get(f"/plans/targets/{own.pk}/").status_code == 403
    assert org.client("warehouse_manager").get(LIST).status_code == 403
    assert salesperson.get("/plans/targets/new/").status_code == 403


def test_a_manager_sets_a_target_from_the_pickers_of_their_scope(sales_org):
    org = sales_org
    manager = org.client("sales_manager")
    form = manager.get("/plans/targets/new/").content.decode()
    assert "Shanghai" in form and "Beijing" not in form
    assert 'name="category"' not in form  # company-wide: not theirs
    response = manager.post(
        "/plans/targets/new/",
        {
            "period": "2026-Q4",
            "dimension": "branch",
            "branch": org.branches["shanghai"].pk,
            "amount": "12000.00",
            "quantity": "40",
        },
    )
    assert response.status_code == 302
    with schema_context(org.schema):
        made = SalesTarget.objects.get()
        assert (made.period_kind, made.period_start, made.amount) == ("quarter", Q4, D("12000.00"))
    refused = manager.post(
        "/plans/targets/new/",
        {
            "period": "2026-11",
            "dimension": "branch",
            "branch": org.branches["beijing"].pk,
            "amount": "1",
        },
    )
    assert refused.status_code == 400
    with schema_context(org.schema):
        assert SalesTarget.objects.count() == 1


def test_bad_input_is_refused_with_nothing_written(sales_org):
    org = sales_org
    client = org.client("executive")
    for body in (
        {"period": "2026-13", "dimension": "company", "amount": "10"},
        {"period": "2026-11", "dimension": "company", "amount": "-10"},
        {"period": "2026-11", "dimension": "branch", "amount": "10"},  # no branch
        {"period": "2026-11", "dimension": "moon", "amount": "10"},
    ):
        response = client.post("/plans/targets/new/", body)
        assert response.status_code == 400, body
    made = target(org, amount="100.00")
    no_reason = client.post(f"/plans/targets/{made.pk}/adjust/", {"amount": "150.00", "reason": ""})
    assert no_reason.status_code == 400
    assert "This field is required." in no_reason.content.decode()
    with schema_context(org.schema):
        assert SalesTarget.objects.count() == 1
        assert not TargetAdjustment.objects.exists()


def test_an_adjustment_shows_in_the_targets_history(sales_org):
    org = sales_org
    made = target(org, dimension="branch", branch=org.branches["east"], amount="100.00")
    response = org.client("sales_manager").post(
        f"/plans/targets/{made.pk}/adjust/",
        {"amount": "150.00", "quantity": "", "reason": "New store"},
    )
    assert response.status_code == 302
    text = org.client("sales_manager").get(f"/plans/targets/{made.pk}/").content.decode()
    assert "New store" in text and "100.00 → 150.00" in text
    north = target(org, dimension="branch", branch=org.branches["north"], amount="100.00")
    refused = org.client("sales_manager").post(
        f"/plans/targets/{north.pk}/adjust/", {"amount": "1.00", "reason": "x"}
    )
    assert refused.status_code == 404
    assert (
        org.client("salesperson")
        .post(f"/plans/targets/{made.pk}/adjust/", {"amount": "1.00", "reason": "x"})
        .status_code
        == 403
    )


def test_another_workspaces_targets_are_out_of_reach(sales_org, beta_sales_org):
    alpha_target = target(sales_org, amount="123.00")
    beta = beta_sales_org.client("executive")
    assert beta.get(f"/plans/targets/{alpha_target.pk}/").status_code == 404
    assert "No sales targets yet." in beta.get(LIST).content.decode()
    refused = beta.post(
        f"/plans/targets/{alpha_target.pk}/adjust/", {"amount": "1.00", "reason": "x"}
    )
    assert refused.status_code == 404
    with schema_context(sales_org.schema):
        alpha_target.refresh_from_db()
        assert alpha_target.amount == D("123.00")


def test_the_list_takes_the_same_queries_for_one_target_and_many(november):
    """A query per dimension on the page (at most five), one for exchange rates and one
    for child targets, whatever the number of targets: the page starts with one target
    of each dimension and grows many more."""
    org = november
    b, r, c = org.branches, org.regions, org.categories
    target(org)
    target(org, dimension="branch", branch=b["east"])
    target(org, dimension="region", region=r["east_china"])
    target(org, dimension="salesperson", salesperson=org.users["salesperson"])
    target(org, dimension="category", category=c["kitchen"])
    client = org.client("executive")

    def grow():
        target(org, kind="quarter", start=Q4)
        for name in ("shanghai", "hangzhou", "north", "beijing"):
            target(org, dimension="branch", branch=b[name])
        for name in ("shanghai", "north_china"):
            target(org, dimension="region", region=r[name])
        target(org, dimension="salesperson", salesperson=org.users["north_rep"])
        target(org, dimension="category", category=c["appliances"])

    assert_list_queries(
        lambda: client.get(LIST),
        grow,
        queries=QUERIES_TARGET_LIST,
        size=lambda response: response.content.decode().count("<tr"),
    )


# The session and permissions (6), count and page (2), the base currency, one GROUP BY
# per dimension (5), exchange rates, child targets.
QUERIES_TARGET_LIST = 16


def test_a_target_set_by_mistake_is_removed_but_one_with_a_history_stays(sales_org):
    org = sales_org
    mistake = target(org, dimension="branch", branch=org.branches["east"], amount="1.00")
    kept = target(org, dimension="branch", branch=org.branches["shanghai"], amount="100.00")
    manager = org.client("sales_manager")
    manager.post(f"/plans/targets/{kept.pk}/adjust/", {"amount": "120.00", "reason": "More"})
    assert "Remove the target" in manager.get(f"/plans/targets/{mistake.pk}/").content.decode()
    assert "Remove the target" not in manager.get(f"/plans/targets/{kept.pk}/").content.decode()
    assert org.client("salesperson").post(f"/plans/targets/{mistake.pk}/remove/").status_code == 403
    north = target(org, dimension="branch", branch=org.branches["north"])
    assert manager.post(f"/plans/targets/{north.pk}/remove/").status_code == 404
    refused = manager.post(f"/plans/targets/{kept.pk}/remove/", follow=True)
    assert "keeps its history" in refused.content.decode()
    assert manager.post(f"/plans/targets/{mistake.pk}/remove/").status_code == 302
    with schema_context(org.schema):
        assert set(SalesTarget.objects.values_list("pk", flat=True)) == {kept.pk, north.pk}
