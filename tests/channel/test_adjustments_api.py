"""The price-adjustment API: `/price-adjustments/` with its actions,
`/dealer-stock-reports/` and `/settlement-credits/` — writes through the services,
permissions per role, lines and credits in the caller's scope, bad input refused
whole, another workspace kept out, list queries that do not grow with rows."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context

from tests.channel.test_adjustments import _franchise, _report
from tests.support.factories import count_rows
from tests.support.queries import assert_list_queries
from tradepost.channel import adjustments
from tradepost.channel.models import DealerStockReport, PriceAdjustment
from tradepost.sales.models import SettlementCredit

TODAY = timezone.localdate()
DAY = datetime.timedelta(days=1)
ADJUSTMENTS = "/api/v1/price-adjustments/"
REPORTS = "/api/v1/dealer-stock-reports/"
CREDITS = "/api/v1/settlement-credits/"


@pytest.fixture
def admin(sales_org, api_key, api_client):
    return api_client(sales_org.workspace, api_key(sales_org.workspace))


@pytest.fixture
def stocked(sales_org):
    """The Beijing dealer holds 10 kettles, the East franchisee 2."""
    org = sales_org
    with schema_context(org.workspace.schema):
        franchise = _franchise(org)
        _report(org, org.customers["dealer"], "10", TODAY - DAY)
        _report(org, franchise, "2", TODAY)
    return franchise


def _create_body(org, **changes):
    return {
        "product": org.products["kettle"].pk,
        "new_price": "149.99",
        "effective_on": TODAY.isoformat(),
        "basis": "reported_stock",
        **changes,
    }


# --- Price adjustments -----------------------------------------------------------------
def test_a_sales_manager_creates_an_adjustment_and_sees_the_lines_of_its_dealers(
    sales_org, stocked
):
    org = sales_org
    response = org.api("sales_manager").post(ADJUSTMENTS, _create_body(org, notes="Q4"))

    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["number"] == f"PA-{TODAY.year}-00001"
    assert (body["status"], body["old_price"], body["new_price"]) == ("draft", "199.00", "149.99")
    assert body["total"] == "588.12"  # (10 + 2) × 49.01, every dealer
    assert [(line["dealer_name"], line["quantity"], line["amount"]) for line in body["lines"]] == [
        (stocked.name, "2.000", "98.02")  # the Beijing dealer is not the East manager's
    ]
    everything = org.api("owner").get(f"{ADJUSTMENTS}{body['id']}/").json()
    assert {line["amount"] for line in everything["lines"]} == {"490.10", "98.02"}


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"new_price": "199.00"}, "new_price"),
        ({"new_price": "-5"}, "new_price"),
        ({"new_price": "1.001"}, "new_price"),
        ({"basis": "rumour"}, "basis"),
        ({"window_days": 0}, "window_days"),
        ({"window_days": 367}, "window_days"),
        ({"effective_on": "yesterday"}, "effective_on"),
        ({"effective_on": "1999-12-31"}, "effective_on"),
        ({"product": 999999}, "product"),
        ({"currency": "XXX"}, "currency"),
        ({"currency": "USD"}, "old_price"),
        ({"colour": "red"}, "colour"),
        ({"apply_to_product": "maybe"}, "apply_to_product"),
    ],
)
def test_bad_adjustments_are_400_with_the_field_and_nothing_is_written(
    sales_org, admin, changes, field
):
    response = admin.post(ADJUSTMENTS, _create_body(sales_org, **changes))

    assert response.status_code == 400, response.json()
    assert response.json()["code"] == "invalid"
    assert field in response.json()["errors"]
    assert count_rows(sales_org, PriceAdjustment) == 0


def test_review_and_posting_through_the_api_by_the_roles_that_may(sales_org, stocked):
    org = sales_org
    created = org.api("sales_manager").post(ADJUSTMENTS, _create_body(org)).json()
    path = f"{ADJUSTMENTS}{created['id']}/"
    finance = org.api("finance_manager")

    corrected = org.api("sales_manager").post(
        f"{path}lines/", {"dealer": stocked.pk, "quantity": "3"}
    )
    assert corrected.status_code == 200, corrected.json()
    assert corrected.json()["total"] == "637.13"  # (10 + 3) × 49.01
    assert org.api("salesperson").post(f"{path}approve/").status_code == 403
    assert org.api("sales_manager").post(f"{path}post/").status_code == 403
    assert finance.post(f"{path}post/").json()["errors"]["status"]  # not approved yet

    approved = finance.post(f"{path}approve/")
    posted = finance.post(f"{path}post/")
    again = finance.post(f"{path}post/")

    assert approved.status_code == 200 and approved.json()["status"] == "approved"
    assert posted.status_code == 200 and posted.json()["status"] == "posted"
    assert again.status_code == 400 and "status" in again.json()["errors"]
    assert count_rows(org, SettlementCredit, price_adjustment_id=created["id"]) == 2
    credits = finance.get(f"{CREDITS}?price_adjustment={created['id']}").json()["results"]
    assert sorted(credit["amount"] for credit in credits) == ["147.03", "490.10"]
    assert {credit["currency"] for credit in credits} == {"CNY"}


def test_recompute_and_cancel_through_the_api(sales_org, stocked):
    org = sales_org
    manager = org.api("sales_manager")
    created = manager.post(ADJUSTMENTS, _create_body(org)).json()
    path = f"{ADJUSTMENTS}{created['id']}/"
    with schema_context(org.workspace.schema):
        _report(org, stocked, "5", TODAY)  # replaces today's 2

    recomputed = manager.post(f"{path}recompute/")
    cancelled = manager.post(f"{path}cancel/", {"reason": "Price stays"})
    again = manager.post(f"{path}cancel/")

    assert recomputed.json()["total"] == "735.15"  # (10 + 5) × 49.01
    assert cancelled.json()["status"] == "cancelled"
    assert again.status_code == 400


def test_correcting_a_line_out_of_scope_or_with_a_bad_quantity_is_400(sales_org, stocked):
    org = sales_org
    manager = org.api("sales_manager")
    created = manager.post(ADJUSTMENTS, _create_body(org)).json()
    path = f"{ADJUSTMENTS}{created['id']}/lines/"

    out_of_scope = manager.post(path, {"dealer": org.customers["dealer"].pk, "quantity": "1"})
    not_a_dealer = manager.post(path, {"dealer": org.customers["rep_own"].pk, "quantity": "1"})
    negative = manager.post(path, {"dealer": stocked.pk, "quantity": "-1"})
    missing = manager.post(path, {"dealer": stocked.pk})

    assert out_of_scope.status_code == 400 and "dealer" in out_of_scope.json()["errors"]
    assert not_a_dealer.status_code == 400 and "dealer" in not_a_dealer.json()["errors"]
    assert negative.status_code == 400 and "quantity" in negative.json()["errors"]
    assert missing.status_code == 400 and "quantity" in missing.json()["errors"]
    with schema_context(org.workspace.schema):
        assert PriceAdjustment.objects.get().total == Decimal("588.12")


@pytest.mark.parametrize(
    ("role", "read", "create"),
    [
        ("salesperson", 200, 403),
        ("executive", 200, 403),
        ("finance_manager", 200, 403),
        ("warehouse_manager", 403, 403),
        ("dealer", 403, 403),
        ("sales_manager", 200, 201),
    ],
)
def test_who_reads_and_creates_adjustments(sales_org, role, read, create):
    client = sales_org.api(role)
    assert client.get(ADJUSTMENTS).status_code == read
    assert client.post(ADJUSTMENTS, _create_body(sales_org)).status_code == create


def test_a_dealer_cannot_act_on_adjustments(sales_org, stocked):
    org = sales_org
    created = org.api("owner").post(ADJUSTMENTS, _create_body(org)).json()
    dealer = org.api("dealer")
    for step in ("approve", "post", "cancel", "recompute"):
        assert dealer.post(f"{ADJUSTMENTS}{created['id']}/{step}/").status_code == 403
    assert dealer.get(f"{ADJUSTMENTS}{created['id']}/").status_code == 403


# --- Stock reports ---------------------------------------------------------------------
def test_a_dealer_posts_its_own_stock_and_reposting_the_same_day_replaces_it(sales_org):
    org = sales_org
    client = org.api("dealer")
    body = {"dealer": org.customers["dealer"].pk, "product": org.products["kettle"].pk}

    first = client.post(REPORTS, {**body, "quantity": "12"})
    second = client.post(REPORTS, {**body, "quantity": "8.5", "as_of": TODAY.isoformat()})
    other = client.post(REPORTS, {**body, "dealer": org.customers["north"].pk, "quantity": "1"})

    assert first.status_code == 201, first.json()
    assert second.status_code == 200 and second.json()["id"] == first.json()["id"]
    assert second.json()["quantity"] == "8.500"
    assert other.status_code == 400 and "dealer" in other.json()["errors"]
    listed = client.get(REPORTS).json()["results"]
    assert [(row["dealer"], row["quantity"]) for row in listed] == [
        (org.customers["dealer"].pk, "8.500")
    ]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"quantity": "-1"}, "quantity"),
        ({"quantity": "1.0001"}, "quantity"),
        ({"quantity": None}, "quantity"),
        ({"as_of": (TODAY + DAY).isoformat()}, "as_of"),
        ({"as_of": "1990-01-01"}, "as_of"),
        ({"product": 999999}, "product"),
        ({"dealer": "x"}, "dealer"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_bad_stock_reports_are_400_with_the_field_and_nothing_is_written(
    sales_org, admin, changes, field
):
    body = {
        "dealer": sales_org.customers["dealer"].pk,
        "product": sales_org.products["kettle"].pk,
        "quantity": "5",
        **changes,
    }
    response = admin.post(REPORTS, {k: v for k, v in body.items() if v is not None})

    assert response.status_code == 400, response.json()
    assert field in response.json()["errors"]
    assert count_rows(sales_org, DealerStockReport) == 0


def test_stock_report_filters_and_the_latest_only(sales_org, admin):
    org = sales_org
    with schema_context(org.workspace.schema):
        _report(org, org.customers["dealer"], "1", TODAY - 3 * DAY)
        _report(org, org.customers["dealer"], "2", TODAY - DAY)
        _report(org, org.customers["dealer"], "3", TODAY, product="toaster")

    def quantities(query):
        response = admin.get(f"{REPORTS}?{query}")
        assert response.status_code == 200, response.json()
        return [row["quantity"] for row in response.json()["results"]]

    assert quantities("latest=true") == ["3.000", "2.000"]
    assert quantities(f"product={org.products['kettle'].pk}") == ["2.000", "1.000"]
    assert quantities(f"as_of_to={(TODAY - 2 * DAY).isoformat()}") == ["1.000"]
    assert admin.get(f"{REPORTS}?latest=maybe").status_code == 400


@pytest.mark.parametrize(("role", "read"), [("warehouse_manager", 403), ("executive", 200)])
def test_roles_without_stock_permissions(sales_org, role, read):
    client = sales_org.api(role)
    assert client.get(REPORTS).status_code == read
    body = {
        "dealer": sales_org.customers["dealer"].pk,
        "product": sales_org.products["kettle"].pk,
        "quantity": "1",
    }
    assert client.post(REPORTS, body).status_code == 403


# --- Settlement credits ----------------------------------------------------------------
def _posted(org):
    with schema_context(org.workspace.schema):
        adjustment = adjustments.price_adjustment_create(
            actor=org.owner,
            product=org.products["kettle"],
            new_price=Decimal("149.99"),
            effective_on=TODAY,
            basis="reported_stock",
        )
        adjustment = adjustments.price_adjustment_approve(actor=org.owner, adjustment=adjustment)
        return adjustments.price_adjustment_post(actor=org.owner, adjustment=adjustment)


def test_credits_are_read_in_the_customer_scope_and_never_written(sales_org, stocked):
    org = sales_org
    _posted(org)

    def customers(who):
        response = org.api(who).get(CREDITS)
        assert response.status_code == 200
        return {row["customer"] for row in response.json()["results"]}

    assert customers("dealer") == {org.customers["dealer"].pk}
    assert customers("salesperson") == {stocked.pk}
    assert customers("finance_manager") == {org.customers["dealer"].pk, stocked.pk}
    assert org.api("warehouse_manager").get(CREDITS).status_code == 403
    finance = org.api("finance_manager")
    credit = finance.get(CREDITS).json()["results"][0]
    before = count_rows(org, SettlementCredit)
    assert finance.post(CREDITS, {"customer": stocked.pk}).status_code in (403, 405)
    assert finance.delete(f"{CREDITS}{credit['id']}/").status_code in (403, 405)
    assert count_rows(org, SettlementCredit) == before
    hidden = [
        row["id"]
        for row in finance.get(CREDITS).json()["results"]
        if row["customer"] != org.customers["dealer"].pk
    ]
    assert org.api("dealer").get(f"{CREDITS}{hidden[0]}/").status_code == 404


# --- Another workspace -----------------------------------------------------------------
def test_another_workspace_neither_reads_nor_acts_on_these_rows(
    sales_org, beta_sales_org, stocked, api_key, api_client
):
    adjustment = _posted(sales_org)
    with schema_context(sales_org.workspace.schema):
        report = DealerStockReport.objects.order_by("pk").first()
        credit = SettlementCredit.objects.order_by("pk").first()
    beta_key = api_client(beta_sales_org.workspace, api_key(beta_sales_org.workspace))
    beta_user = beta_sales_org.api("owner")

    for client in (beta_key, beta_user):
        for path in (
            f"{ADJUSTMENTS}{adjustment.pk}/",
            f"{REPORTS}{report.pk}/",
            f"{CREDITS}{credit.pk}/",
        ):
            assert client.get(path).status_code == 404, path
        for path in (ADJUSTMENTS, REPORTS, CREDITS):
            assert client.get(path).json()["count"] == 0, path
        for step in ("approve", "post", "cancel", "recompute"):
            assert client.post(f"{ADJUSTMENTS}{adjustment.pk}/{step}/").status_code == 404
    with schema_context(sales_org.workspace.schema):
        assert PriceAdjustment.objects.get().status == PriceAdjustment.Status.POSTED
        assert SettlementCredit.objects.count() == 2


# --- Query counts ----------------------------------------------------------------------
def _grow(org, index):
    """One more dealer with a report, an adjustment with its line, and a credit."""
    with schema_context(org.workspace.schema):
        dealer = _franchise(org, name=f"Grow {index}", code=f"GROW-{index}")
        _report(org, dealer, "3", TODAY - index * DAY)
        _report(org, dealer, "4", TODAY - index * DAY, product="toaster")
        adjustment = adjustments.price_adjustment_create(
            actor=org.owner,
            product=org.products["toaster"],
            new_price=Decimal("200.00"),
            effective_on=TODAY - index * DAY,
            basis="reported_stock",
        )
        adjustment = adjustments.price_adjustment_approve(actor=org.owner, adjustment=adjustment)
        adjustments.price_adjustment_post(actor=org.owner, adjustment=adjustment)


@pytest.mark.parametrize(
    ("path", "queries"),
    [(ADJUSTMENTS, 10), (REPORTS, 9), (f"{REPORTS}?latest=true", 9), (CREDITS, 9)],
)
def test_list_queries_do_not_grow_with_rows(sales_org, path, queries):
    client = sales_org.api("sales_manager")  # a scoped reader: the scope query counts
    _grow(sales_org, 0)

    def grow():
        for index in range(1, 8):
            _grow(sales_org, index)

    response = assert_list_queries(lambda: client.get(path), grow, queries=queries)
    assert response.json()["count"] >= 8
