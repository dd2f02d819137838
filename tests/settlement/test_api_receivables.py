"""`/api/v1/receivables/` (balance and aging per customer, one customer with its
credit position, adjustments 调帐), `/api/v1/ledger-entries/`, `/api/v1/exchange-rates/`,
`/api/v1/credit-overrides/` and the credit check of `POST /api/v1/orders/{id}/confirm/`:
the figures, the filters, who sees and does what, bad input that writes nothing,
another workspace that sees nothing, pinned list queries."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context

from tests.settlement.api_support import (
    LEDGER,
    OVERRIDES,
    RATES,
    RECEIVABLES,
    D,
    counts,
    finance,
    issued,
)
from tests.settlement.conftest import approved_order, kettles
from tests.support.api import list_count
from tests.support.queries import assert_list_queries
from tradepost.customers import services as customer_services
from tradepost.sales.models import Order
from tradepost.settlement import payments, services
from tradepost.settlement.models import CreditOverride, ExchangeRate, LedgerEntry

TODAY = timezone.localdate()


@pytest.fixture
def admin(sales_org, api_key, api_client):
    return api_client(sales_org.workspace, api_key(sales_org.workspace))


def _pay(org, customer: str, amount: str, **kwargs) -> None:
    with schema_context(org.schema):
        payments.payment_receive(
            actor=finance(org), customer=org.customers[customer], amount=D(amount), **kwargs
        )


def _limit(org, customer: str, limit: str) -> None:
    with schema_context(org.schema):
        customer_services.customer_update(
            actor=org.owner, customer=org.customers[customer], credit_limit=D(limit)
        )


# --- Receivables ---------------------------------------------------------------------------
def test_receivables_show_each_customers_balance_in_aging_buckets(sales_org):
    org = sales_org
    issued(org, quantity="1", days_ago=100)  # 224.87, due 70 days ago
    issued(org, quantity="2", days_ago=45)  # 449.74, due 15 days ago
    issued(org, quantity="1")  # 224.87, not yet due
    _pay(org, "rep_own", "50.00", allocate="none")
    issued(org, "north", quantity="1")
    books = org.api("finance_manager")

    rows = books.rows(RECEIVABLES)

    assert [row["customer"]["id"] for row in rows] == [
        org.customers["rep_own"].pk,
        org.customers["north"].pk,
    ]
    mine = rows[0]
    assert mine["customer"]["code"] == "SH-1"
    assert (mine["currency"], mine["credit_limit"]) == ("CNY", "0.00")
    assert (
        mine["current"],
        mine["days_1_30"],
        mine["days_31_60"],
        mine["days_61_90"],
        mine["days_over_90"],
    ) == ("224.87", "449.74", "0.00", "224.87", "0.00")
    assert (mine["on_account"], mine["overdue"], mine["balance"]) == (
        "50.00",
        "674.61",
        "849.48",  # 224.87 × 4 − 50
    )
    assert [row["customer"]["id"] for row in books.rows(RECEIVABLES, ordering="balance")] == [
        org.customers["north"].pk,
        org.customers["rep_own"].pk,
    ]

    detail = books.get(f"{RECEIVABLES}{org.customers['rep_own'].pk}/")
    assert detail.status_code == 200, detail.json()
    body = detail.json()
    assert {key: body[key] for key in ("balance", "overdue", "on_account")} == {
        "balance": "849.48",
        "overdue": "674.61",
        "on_account": "50.00",
    }
    assert body["oldest_overdue_days"] == 70
    assert body["credit"]["balance"] == "849.48"
    assert body["credit"]["available"] is None  # no limit set
    assert body["credit"]["over_limit"] is False


def test_the_credit_position_shows_the_limit_and_what_is_left(sales_org):
    issued(sales_org, quantity="2")  # 449.74
    _limit(sales_org, "rep_own", "1000")
    approved = approved_order(sales_org, lines=kettles(sales_org, "1"))
    assert approved.status == Order.Status.APPROVED

    body = sales_org.api("finance_manager").get(
        f"{RECEIVABLES}{sales_org.customers['rep_own'].pk}/"
    )

    credit = body.json()["credit"]
    assert body.json()["credit_limit"] == "1000.00"
    assert (credit["credit_limit"], credit["exposure"], credit["available"]) == (
        "1000.00",
        "449.74",  # an approved order is not exposure yet
        "550.26",
    )
    # A customer in scope without any entry: all zero.
    empty = sales_org.api("finance_manager").get(
        f"{RECEIVABLES}{sales_org.customers['hangzhou_unowned'].pk}/"
    )
    assert (empty.status_code, empty.json()["balance"]) == (200, "0.00")


def test_receivables_filter_by_salesperson_branch_region_and_overdue(sales_org, admin):
    org = sales_org
    issued(org, "rep_own", days_ago=45)
    issued(org, "north")
    issued(org, "region_only")
    issued(org, "hangzhou_unowned")

    def customers(**params):
        return {row["customer"]["id"] for row in admin.rows(RECEIVABLES, **params)}

    assert customers() == org.ids("rep_own", "north", "region_only", "hangzhou_unowned")
    assert customers(salesperson=org.users["salesperson"].pk) == org.ids("rep_own")
    assert customers(branch=org.branches["east"].pk) == org.ids("rep_own", "hangzhou_unowned")
    assert customers(region=org.regions["east_china"].pk) == org.ids("region_only")
    assert customers(overdue_only="true") == org.ids("rep_own")
    assert customers(customer=org.customers["north"].pk) == org.ids("north")
    assert customers(branch=999999) == set()
    for bad in ({"overdue_only": "yes"}, {"branch": "east"}, {"ordering": "name"}):
        response = admin.get(RECEIVABLES, bad)
        assert response.status_code in (200, 400), bad
        if "ordering" not in bad:
            assert response.status_code == 400, bad


def test_a_salesperson_sees_their_customers_receivables_and_a_dealer_its_own(sales_org):
    org = sales_org
    for customer in ("rep_own", "north", "dealer"):
        issued(org, customer)
    rep, dealer = org.api("salesperson"), org.api("dealer")

    assert [row["customer"]["id"] for row in rep.rows(RECEIVABLES)] == [org.customers["rep_own"].pk]
    assert rep.get(f"{RECEIVABLES}{org.customers['north'].pk}/").status_code == 404
    assert [row["customer"]["id"] for row in dealer.rows(RECEIVABLES)] == [
        org.customers["dealer"].pk
    ]
    assert dealer.get(f"{RECEIVABLES}{org.customers['dealer'].pk}/").status_code == 200
    assert dealer.get(f"{RECEIVABLES}{org.customers['rep_own'].pk}/").status_code == 404
    warehouse = org.api("warehouse_manager")
    assert warehouse.get(RECEIVABLES).status_code == 403
    assert warehouse.get(f"{RECEIVABLES}{org.customers['rep_own'].pk}/").status_code == 403


def test_finance_adjusts_a_balance_with_a_reason(sales_org):
    invoice = issued(sales_org, quantity="1")  # 224.87
    books = sales_org.api("finance_manager")
    path = f"{RECEIVABLES}{sales_org.customers['rep_own'].pk}/adjust/"

    made = books.post(path, {"amount": "-24.87", "reason": "Rounding agreed 抹零"})

    assert made.status_code == 201, made.json()
    entry = made.json()
    assert (entry["kind"], entry["amount"], entry["reason"]) == (
        "adjustment",
        "-24.87",
        "Rounding agreed 抹零",
    )
    assert entry["open_amount"] == "0.00"  # it settled the open invoice at once
    receivable = books.get(f"{RECEIVABLES}{sales_org.customers['rep_own'].pk}/").json()
    assert receivable["balance"] == "200.00"
    with schema_context(sales_org.schema):
        invoice.entry.refresh_from_db()
        assert invoice.entry.open_amount == D("200.00")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"amount": "10", "reason": ""}, "reason"),
        ({"amount": "0", "reason": "x"}, "amount"),
        ({"amount": "ten", "reason": "x"}, "amount"),
        ({"reason": "x"}, "amount"),
        ({"amount": "10", "reason": "x", "entry_date": "TOMORROW"}, "entry_date"),
        ({"amount": "10", "reason": "x", "customer": 1}, "customer"),
    ],
)
def test_bad_adjustments_are_400_and_nothing_is_written(sales_org, body, field):
    books = sales_org.api("finance_manager")
    tomorrow = (TODAY + datetime.timedelta(days=1)).isoformat()
    body = {key: tomorrow if value == "TOMORROW" else value for key, value in body.items()}

    response = books.post(f"{RECEIVABLES}{sales_org.customers['rep_own'].pk}/adjust/", body)

    assert response.status_code == 400, response.json()
    assert field in response.json()["errors"]
    assert counts(sales_org) == (0, 0, 0)


def test_only_finance_adjusts_and_never_outside_its_workspace(sales_org, beta, api_key, api_client):
    customer = sales_org.customers["rep_own"].pk
    body = {"amount": "10", "reason": "Goodwill"}
    for who in ("salesperson", "sales_manager", "executive", "dealer"):
        response = sales_org.api(who).post(f"{RECEIVABLES}{customer}/adjust/", body)
        assert response.status_code in (403, 404), who
    beta_admin = api_client(beta, api_key(beta))
    assert beta_admin.post(f"{RECEIVABLES}{customer}/adjust/", body).status_code == 404
    assert counts(sales_org) == (0, 0, 0)


def test_another_workspace_sees_no_receivables_entries_or_overrides(
    sales_org, beta, api_key, api_client
):
    issued(sales_org)
    with schema_context(sales_org.schema):
        services.exchange_rate_set(actor=finance(sales_org), currency="USD", rate=D("7.1"))
    beta_admin = api_client(beta, api_key(beta))

    for path in (RECEIVABLES, LEDGER, RATES, OVERRIDES):
        assert beta_admin.count(path) == 0, path
    assert beta_admin.get(f"{RECEIVABLES}{sales_org.customers['rep_own'].pk}/").status_code == 404
    with schema_context(sales_org.schema):
        entry = LedgerEntry.objects.get()
    assert beta_admin.get(f"{LEDGER}{entry.pk}/").status_code == 404


def test_the_receivables_list_takes_the_same_queries_for_one_customer_and_many(sales_org, admin):
    def grow() -> None:
        for customer in ("north", "region_only", "hangzhou_unowned", "dealer"):
            issued(sales_org, customer, days_ago=40)
        _pay(sales_org, "north", "10.00", allocate="none")

    issued(sales_org)
    assert_list_queries(lambda: admin.get(RECEIVABLES), grow, queries=4, size=list_count)


# --- The ledger ----------------------------------------------------------------------------
def test_the_ledger_lists_entries_by_customer_kind_and_date(sales_org):
    org = sales_org
    invoice = issued(org, days_ago=10)
    issued(org, "north")
    _pay(org, "rep_own", "100.00")
    books = org.api("finance_manager")

    mine = books.rows(LEDGER, customer=org.customers["rep_own"].pk)
    assert [(row["kind"], row["amount"], row["open_amount"]) for row in mine] == [
        ("payment", "-100.00", "0.00"),
        ("invoice", "449.74", "349.74"),
    ]
    assert mine[1]["reference"] == invoice.number
    assert mine[1]["document_id"] == invoice.pk
    assert [row["kind"] for row in books.rows(LEDGER, kind="payment")] == ["payment"]
    since = (TODAY - datetime.timedelta(days=5)).isoformat()
    assert books.count(LEDGER, date_from=since) == 2
    assert books.count(LEDGER, date_to=since) == 1
    assert books.count(LEDGER, open="true") == 2
    assert books.get(LEDGER, {"kind": "gift"}).status_code == 400
    # A salesperson reads their customers' entries only; the warehouse none.
    assert {row["customer"] for row in org.api("salesperson").rows(LEDGER)} == org.ids("rep_own")
    assert org.api("warehouse_manager").get(LEDGER).status_code == 403
    assert books.post(LEDGER, {"amount": "1"}).status_code in (403, 405)


def test_the_ledger_takes_the_same_queries_for_one_entry_and_many(sales_org, admin):
    def grow() -> None:
        issued(sales_org, "north")
        _pay(sales_org, "north", "20.00")
        _pay(sales_org, "rep_own", "30.00", allocate="none")

    issued(sales_org)
    assert_list_queries(lambda: admin.get(LEDGER), grow, queries=3, size=list_count)


# --- Exchange rates ------------------------------------------------------------------------
def test_finance_enters_exchange_rates_and_a_day_again_replaces_its_rate(sales_org):
    books = sales_org.api("finance_manager")

    made = books.post(RATES, {"currency": "USD", "rate": "7.12345678"})

    assert made.status_code == 201, made.json()
    assert (made.json()["currency"], made.json()["rate"], made.json()["rate_date"]) == (
        "USD",
        "7.12345678",
        TODAY.isoformat(),
    )
    again = books.post(RATES, {"currency": "USD", "rate": "7.2", "rate_date": TODAY.isoformat()})
    assert again.status_code == 201
    yesterday = (TODAY - datetime.timedelta(days=1)).isoformat()
    books.post(RATES, {"currency": "EUR", "rate": "7.8", "rate_date": yesterday})
    assert [(row["currency"], row["rate"]) for row in books.rows(RATES)] == [
        ("USD", "7.20000000"),
        ("EUR", "7.80000000"),
    ]
    assert [row["currency"] for row in books.rows(RATES, currency="EUR")] == ["EUR"]
    assert [row["currency"] for row in books.rows(RATES, date=TODAY.isoformat())] == ["USD"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"currency": "CNY", "rate": "1"}, "currency"),  # the base currency
        ({"currency": "USD", "rate": "0"}, "rate"),
        ({"currency": "USD", "rate": "-7"}, "rate"),
        ({"currency": "USD", "rate": "7.123456789"}, "rate"),
        ({"currency": "XXX", "rate": "7"}, "currency"),
        ({"currency": "USD", "rate": "7", "rate_date": "FAR"}, "rate_date"),
    ],
)
def test_bad_exchange_rates_are_400_and_nothing_is_written(sales_org, body, field):
    far = (TODAY + datetime.timedelta(days=5)).isoformat()
    body = {key: far if value == "FAR" else value for key, value in body.items()}

    response = sales_org.api("finance_manager").post(RATES, body)

    assert response.status_code == 400, response.json()
    assert field in response.json()["errors"]
    with schema_context(sales_org.schema):
        assert not ExchangeRate.objects.exists()


def test_exchange_rates_are_finances_to_enter_and_not_for_salespeople(sales_org):
    rep = sales_org.api("salesperson")

    assert rep.get(RATES).status_code == 403
    assert rep.post(RATES, {"currency": "USD", "rate": "7"}).status_code == 403
    assert sales_org.api("executive").get(RATES).status_code == 200
    assert (
        sales_org.api("executive").post(RATES, {"currency": "USD", "rate": "7"}).status_code == 403
    )
    with schema_context(sales_org.schema):
        assert not ExchangeRate.objects.exists()


def test_the_exchange_rate_list_takes_the_same_queries_for_one_rate_and_many(sales_org, admin):
    def rate(currency: str, days_ago: int) -> None:
        with schema_context(sales_org.schema):
            services.exchange_rate_set(
                actor=finance(sales_org),
                currency=currency,
                rate=D("7") + days_ago,
                rate_date=TODAY - datetime.timedelta(days=days_ago),
            )

    rate("USD", 0)
    assert_list_queries(
        lambda: admin.get(RATES),
        lambda: [rate(code, days) for code in ("USD", "EUR") for days in range(1, 4)],
        queries=3,
        size=list_count,
    )


# --- Credit control: the order's confirmation and overrides --------------------------------
def test_confirming_an_order_over_the_credit_limit_is_400_until_finance_overrides(sales_org, admin):
    issued(sales_org)  # 449.74 owed
    _limit(sales_org, "rep_own", "500")
    order = approved_order(sales_org, lines=kettles(sales_org, "1"))  # + 224.87

    refused = admin.post(f"/api/v1/orders/{order.pk}/confirm/")

    assert refused.status_code == 400
    body = refused.json()
    assert body["code"] == "credit_limit_exceeded"
    assert body["message"].startswith("Credit limit exceeded: with this order the customer would")
    assert "674.61" in body["message"] and "500.00" in body["message"]
    assert admin.get(f"/api/v1/orders/{order.pk}/").json()["status"] == "approved"

    books = sales_org.api("finance_manager")
    rep = sales_org.api("salesperson")
    assert rep.post(OVERRIDES, {"order": order.pk, "reason": "Pays Friday"}).status_code == 403
    no_reason = books.post(OVERRIDES, {"order": order.pk, "reason": " "})
    assert no_reason.status_code == 400 and "reason" in no_reason.json()["errors"]

    granted = books.post(OVERRIDES, {"order": order.pk, "reason": "Pays Friday, CFO agreed"})

    assert granted.status_code == 201, granted.json()
    override = granted.json()
    assert (override["exposure"], override["credit_limit"], override["used_at"]) == (
        "674.61",
        "500.00",
        None,
    )
    twice = books.post(OVERRIDES, {"order": order.pk, "reason": "Again"})
    assert twice.status_code == 400 and "order" in twice.json()["errors"]
    confirmed = admin.post(f"/api/v1/orders/{order.pk}/confirm/")
    assert confirmed.status_code == 200, confirmed.json()
    assert books.get(f"{OVERRIDES}{override['id']}/").json()["used_at"] is not None
    assert books.count(OVERRIDES, used="true") == 1
    # Confirmed now: nothing left to override.
    late = books.post(OVERRIDES, {"order": order.pk, "reason": "Late"})
    assert late.status_code == 400
    assert late.json()["errors"]["order"] == ["Only orders not yet confirmed need an override."]
    # Salespeople read nothing of overrides; a sales manager reads them.
    assert rep.get(OVERRIDES).status_code == 403
    assert sales_org.api("sales_manager").get(OVERRIDES).status_code == 200


def test_the_credit_override_list_takes_the_same_queries_for_one_and_many(sales_org, admin):
    def grant() -> None:
        order = approved_order(sales_org, lines=kettles(sales_org, "1"))
        with schema_context(sales_org.schema):
            from tradepost.settlement import credit

            credit.credit_override_grant(actor=finance(sales_org), order=order, reason="Trusted")

    grant()
    assert_list_queries(
        lambda: admin.get(OVERRIDES),
        lambda: [grant() for _ in range(3)],
        queries=3,
        size=list_count,
    )
    with schema_context(sales_org.schema):
        assert CreditOverride.objects.count() == 4
