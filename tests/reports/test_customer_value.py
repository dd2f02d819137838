"""Customer value: lifetime value, usual interval and churn warning, referral value and
the TOP-N line — on a hand-built set of orders; who sees which customers; another
workspace never showing; bad input refused; a fixed number of queries per page."""

from __future__ import annotations

import csv
import datetime
import io
from decimal import Decimal

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context

from tests.support.queries import assert_list_queries
from tradepost.customers import services
from tradepost.reports.customer_value import customer_value_list, customer_values
from tradepost.reports.models import CustomerValueSettings
from tradepost.sales.models import Order
from tradepost.settlement import money
from tradepost.settlement.models import ExchangeRate

D = Decimal
TODAY = timezone.localdate()
PAGE = "/reports/customer-value/"
API = "/api/v1/reports/customer-value/"
S = Order.Status


def _orders(customer, *specs, owner=None):
    """Orders of `customer`: (days ago, net total[, status[, currency]])."""
    base = money.base_currency()
    for spec in specs:
        days, total, status, currency = (
            (*spec, S.CONFIRMED, base)[:4] if len(spec) == 2 else ((*spec, base)[:4])
        )
        Order.objects.create(
            customer=customer,
            owner=owner or customer.owner,
            order_date=TODAY - datetime.timedelta(days=days),
            status=status,
            currency=currency,
            net_total=D(total),
            gross_total=D(total),
        )


@pytest.fixture
def valued(sales_org):
    """rep_own: every 10 days (5 orders), silent 35 days → churn with k = 2.
    hangzhou_unowned: every 10 days, last 12 days ago → regular.
    region_only: 2 orders → no usual interval; a draft and a cancelled one not counted.
    north: referred by rep_own, bought 300."""
    c = sales_org.customers
    with schema_context(sales_org.schema):
        _orders(c["rep_own"], *[(35 + 10 * i, "100.00") for i in range(5)])
        _orders(c["hangzhou_unowned"], *[(12 + 10 * i, "50.00") for i in range(4)])
        _orders(
            c["region_only"],
            (5, "700.00"),
            (40, "100.00", S.DELIVERED),
            (3, "9999.00", S.DRAFT),
            (4, "8888.00", S.CANCELLED),
            (6, "7777.00", S.SUBMITTED),
        )
        services.customer_update(
            actor=sales_org.owner, customer=c["north"], referred_by=c["rep_own"]
        )
        _orders(c["north"], (20, "300.00", S.SHIPPED))
    return sales_org


def _rows(org, who="owner", **kwargs):
    with schema_context(org.schema):
        rows = customer_values(org.person(who), today=TODAY, **kwargs)
        return {row.pk: row for row in rows}


def test_figures_of_a_hand_built_set(valued):
    c = valued.customers
    rows = _rows(valued)

    quiet = rows[c["rep_own"].pk]
    assert quiet.lifetime_value == D("500.00") and quiet.order_count == 5
    assert quiet.usual_interval == 10.0 and quiet.days_since_last == 35
    assert quiet.churn is True
    assert quiet.referral_value == D("300.00")  # what north, whom they referred, bought

    regular = rows[c["hangzhou_unowned"].pk]
    assert regular.lifetime_value == D("200.00") and regular.churn is False
    assert regular.days_since_last == 12

    two = rows[c["region_only"].pk]
    assert two.lifetime_value == D("800.00")  # draft, submitted, cancelled not counted
    assert two.order_count == 2 and two.usual_interval is None and two.churn is False
    assert two.first_order == TODAY - datetime.timedelta(days=40)

    assert rows[c["north"].pk].referral_value == D("0.00")
    assert [r.pk for r in sorted(rows.values(), key=lambda r: r.value_rank)][:4] == [
        c["region_only"].pk,
        c["rep_own"].pk,
        c["north"].pk,
        c["hangzhou_unowned"].pk,
    ]


def test_the_churn_factor_moves_the_churn_line(valued):
    with schema_context(valued.schema):
        loose = CustomerValueSettings(top_n=20, churn_factor=D("4.0"))
    rows = _rows(valued, settings=loose)
    assert rows[valued.customers["rep_own"].pk].churn is False


def test_top_n_holds_n_customers_and_ties_share_a_rank(valued):
    c = valued.customers
    with schema_context(valued.schema):
        _orders(c["north"], (1, "200.00"))
        # north now 500, as rep_own: a tie at rank 2
        settings = CustomerValueSettings(top_n=2, churn_factor=D("2.0"))
        top = list(customer_value_list(valued.owner, today=TODAY, view="top", settings=settings))
    assert [row.pk for row in top][0] == c["region_only"].pk
    assert {row.pk for row in top[1:]} == {c["rep_own"].pk, c["north"].pk}
    assert [row.value_rank for row in top] == [1, 2, 2]
    assert all(row.top for row in top)


def test_orders_in_another_currency_convert_at_the_rate_of_their_day(valued):
    c = valued.customers
    with schema_context(valued.schema):
        other = "EUR" if money.base_currency() != "EUR" else "USD"
        ExchangeRate.objects.create(
            currency=other, rate_date=TODAY - datetime.timedelta(days=30), rate=D("7.5")
        )
        _orders(c["north"], (10, "10.00", S.CONFIRMED, other), (40, "10.00", S.CONFIRMED, other))
    north = _rows(valued)[c["north"].pk]
    assert north.lifetime_value == D("375.00")  # 300 + 10 × 7.5; no rate yet 40 days ago


# --- who sees what --------------------------------------------------------------------
def _names(response) -> set[str]:
    return {row["code"] for row in response.json()["results"]}


def test_each_role_sees_the_customers_of_its_scope(valued):
    c = valued.customers
    code = {name: c[name].code for name in ("rep_own", "hangzhou_unowned", "region_only", "north")}

    every = _names(valued.api("executive").get(API, {"view": "all"}))
    manager = _names(valued.api("sales_manager").get(API, {"view": "all"}))
    rep = _names(valued.api("salesperson").get(API, {"view": "all"}))

    assert set(code.values()) <= every
    assert {code["rep_own"], code["hangzhou_unowned"], code["region_only"]} <= manager
    assert code["north"] not in manager
    assert rep == {code["rep_own"]}
    page = valued.client("salesperson").get(PAGE, {"view": "all"}).content.decode()
    assert c["rep_own"].name in page and c["north"].name not in page
    assert "300.00" in page  # the referral value counts north's orders, unseen or not


@pytest.mark.parametrize("who", ("dealer", "warehouse_manager", "finance_manager"))
def test_roles_without_customer_sales_are_refused(valued, who):
    assert valued.client(who).get(PAGE).status_code == 403
    assert valued.api(who).get(API).status_code == 403
    customer = valued.customers["rep_own"]
    if who == "finance_manager":  # sees the customer page, without the value panel
        detail = valued.client(who).get(f"/customers/{customer.pk}/").content.decode()
        assert "customer-value-panel-title" not in detail


def test_the_lines_on_the_page_and_in_the_api(valued):
    c = valued.customers
    browser = valued.client("executive")

    top = browser.get(PAGE).content.decode()
    churn = browser.get(PAGE, {"view": "churn"}).content.decode()
    api_churn = valued.api("executive").get(API, {"view": "churn"}).json()

    assert c["region_only"].name in top and "800.00" in top and "TOP 20" in top
    assert c["rep_own"].name in churn and c["hangzhou_unowned"].name not in churn
    assert [row["code"] for row in api_churn["results"]] == [c["rep_own"].code]
    row = api_churn["results"][0]
    assert row["lifetime_value"] == "500.00" and row["usual_interval_days"] == 10.0
    assert row["days_since_last_order"] == 35 and row["churn_warning"] is True
    assert row["referral_value"] == "300.00" and row["rank"] == 2


def test_all_sorts_by_last_order_and_by_referral_value(valued):
    c = valued.customers
    api = valued.api("executive")
    by_last = [
        r["code"] for r in api.get(API, {"view": "all", "sort": "last_order"}).json()["results"]
    ]
    by_referral = api.get(API, {"view": "all", "sort": "referral"}).json()["results"]
    assert by_last.index(c["region_only"].code) < by_last.index(c["rep_own"].code)
    assert by_referral[0]["code"] == c["rep_own"].code


def test_the_csv_holds_every_row_of_the_line(valued):
    response = valued.client("executive").get(PAGE, {"view": "churn", "format": "csv"})
    assert response.status_code == 200 and "attachment" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert len(rows) == 2
    assert rows[1][1] == valued.customers["rep_own"].code and rows[1][3] == "500.00"


def test_the_customer_page_shows_the_value_panel(valued):
    customer = valued.customers["rep_own"]
    html = valued.client("salesperson").get(f"/customers/{customer.pk}/").content.decode()
    panel = html[html.index("customer-value-panel-title") :]
    assert "500.00" in panel and "300.00" in panel and "Churn warning" in panel
    assert "TOP 20" in panel  # rank 1 of what the salesperson sees


@pytest.mark.parametrize(
    "params", ({"view": "best"}, {"view": ["top", "all"]}, {"sort": "name"}, {"view": ""})
)
def test_bad_lines_and_sorts_are_a_400(valued, params):
    response = valued.api("executive").get(API, params)
    assert response.status_code == 400
    assert ("sort" if "sort" in params else "view") in response.content.decode()
    page = valued.client("executive").get(PAGE, {"view": "best"})
    assert page.status_code == 400 and "Choose one of" in page.content.decode()
    assert valued.client("executive").get(PAGE, {"format": "pdf"}).status_code == 400


def test_administrators_set_n_and_k_and_bad_values_change_nothing(valued):
    owner = valued.client("owner")
    refused = valued.client("executive").post(
        f"{PAGE}settings/", {"top_n": "1", "churn_factor": "2.0"}
    )
    bad = owner.post(f"{PAGE}settings/", {"top_n": "0", "churn_factor": "0.5"})
    with schema_context(valued.schema):
        assert CustomerValueSettings.current().top_n == 20
    saved = owner.post(f"{PAGE}settings/", {"top_n": "1", "churn_factor": "4.0"})

    assert refused.status_code == 403 and bad.status_code == 400
    assert saved.status_code == 302
    with schema_context(valued.schema):
        now = CustomerValueSettings.current()
        assert (now.top_n, now.churn_factor) == (1, D("4.0"))
    api = valued.api("owner")
    assert len(api.get(API).json()["results"]) == 1
    assert api.get(API, {"view": "churn"}).json()["results"] == []


def test_another_workspace_sees_none_of_it(valued, beta_sales_org):
    with schema_context(beta_sales_org.schema):
        _orders(beta_sales_org.customers["rep_own"], (3, "42.00"))
    beta = beta_sales_org.api("owner").get(API, {"view": "all"}).json()["results"]
    beta_page = beta_sales_org.client("owner").get(PAGE, {"view": "all"}).content.decode()
    alpha = valued.api("owner").get(API, {"view": "all"}).json()["results"]

    assert {row["lifetime_value"] for row in beta} <= {"42.00", "0.00"}
    assert "800.00" not in beta_page and "500.00" not in beta_page
    assert "42.00" not in {row["lifetime_value"] for row in alpha}


def test_page_and_api_run_a_fixed_number_of_queries(valued):
    c = valued.customers
    counter = iter(range(1000))

    def grow():
        with schema_context(valued.schema):
            for _ in range(3):
                n = next(counter)
                customer = services.customer_create(
                    actor=valued.owner, name=f"Grown {n}", code=f"GROW-{n}", referred_by=c["north"]
                )
                _orders(customer, *[(2 + 10 * i, "10.00") for i in range(4)], owner=valued.owner)

    browser = valued.client("executive")
    assert_list_queries(lambda: browser.get(PAGE, {"view": "all"}), grow, queries=11)
    api = valued.api("executive")
    assert_list_queries(
        lambda: api.get(API, {"view": "all"}),
        grow,
        queries=11,
        size=lambda response: response.json()["count"],
    )
