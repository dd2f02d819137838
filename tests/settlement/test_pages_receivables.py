"""Receivables pages: aging by customer with a totals row, grouped by salesperson,
branch or region; the overdue customers of a salesperson (phone cards); a customer's
account with the adjustment (调帐) form for finance; the statement page and PDF (a
dealer sees its own); the credit position on the customer 360° page and the order
page, and the credit override granted from there; exchange rates and settings for
finance; the Finance menu; isolation and query counts."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.utils import timezone
from django_tenants.utils import schema_context

from tests.settlement.conftest import approved_order, confirmed_order, kettles
from tests.support.factories import count_rows
from tests.support.queries import assert_list_queries
from tradepost.customers import services as customer_services
from tradepost.settlement import invoices, payments
from tradepost.settlement.models import (
    CreditOverride,
    ExchangeRate,
    Invoice,
    LedgerEntry,
    SettlementSettings,
)
from tradepost.settlement.pdf import statement_content

D = Decimal


def _issued(org, customer="rep_own", quantity="1", *, days_ago=0) -> Invoice:
    order = confirmed_order(org, customer, lines=kettles(org, quantity))
    with schema_context(org.schema):
        finance = org.users["finance_manager"]
        draft = invoices.invoice_from_order(actor=finance, order=order)
        return invoices.invoice_issue(
            actor=finance,
            invoice=draft,
            issue_date=timezone.localdate() - datetime.timedelta(days=days_ago),
        )


def test_aging_by_customer_and_by_group_with_totals(sales_org):
    org = sales_org
    _issued(org, "rep_own", days_ago=45)  # due 30 days after: 15 days overdue
    _issued(org, "north", "2")
    client = org.client("finance_manager")
    page = client.get("/finance/receivables/").content.decode()
    assert "Mingda Trading" in page and "Jinghua Commerce" in page
    assert "224.87" in page and "449.74" in page and "674.61" in page  # the totals row
    assert "1–30 days" in page and "Over 90 days" in page
    by_branch = client.get("/finance/receivables/?group=branch").content.decode()
    assert "Shanghai" in by_branch and "Beijing" in by_branch and "674.61" in by_branch
    by_owner = client.get("/finance/receivables/?group=owner").content.decode()
    assert "1 customer" in by_owner
    assert client.get("/finance/receivables/?group=region").status_code == 200
    assert client.get("/finance/receivables/?group=nonsense").status_code == 200
    overdue_only = client.get("/finance/receivables/?overdue=on").content.decode()
    assert "Mingda Trading" in overdue_only and "Jinghua Commerce" not in overdue_only


def test_a_salesperson_sees_own_overdue_customers(sales_org):
    org = sales_org
    _issued(org, "rep_own", days_ago=45)
    _issued(org, "north", days_ago=45)
    rep = org.client("salesperson")
    page = rep.get("/finance/receivables/overdue/").content.decode()
    assert "Mingda Trading" in page and "Jinghua Commerce" not in page
    assert "224.87 CNY overdue" in page and 'class="cards"' in page
    assert "Jinghua Commerce" not in rep.get("/finance/receivables/").content.decode()
    north = org.customers["north"]
    assert rep.get(f"/finance/receivables/{north.pk}/").status_code == 404
    assert rep.get(f"/finance/receivables/{north.pk}/statement/").status_code == 404
    # A salesperson reads the account, never adjusts it.
    own = org.customers["rep_own"]
    assert "Adjustment (调帐)" not in rep.get(f"/finance/receivables/{own.pk}/").content.decode()
    assert (
        rep.post(
            f"/finance/receivables/{own.pk}/adjust/", {"amount": "5", "reason": "x"}
        ).status_code
        == 403
    )
    assert count_rows(org, LedgerEntry, kind="adjustment") == 0


def test_finance_adjusts_a_balance_with_a_reason(sales_org):
    org = sales_org
    _issued(org)
    customer = org.customers["rep_own"]
    client = org.client("finance_manager")
    url = f"/finance/receivables/{customer.pk}/"
    page = client.get(url).content.decode()
    assert "Adjustment (调帐)" in page and "Credit position" in page
    for data in (
        {"amount": "0", "reason": "x"},
        {"amount": "5", "reason": ""},
        {"amount": "abc", "reason": "x"},
        {"amount": "5", "reason": "x", "entry_date": "2999-01-01"},
    ):
        response = client.post(f"{url}adjust/", data)
        assert response.status_code == 400, data
        assert 'role="alert"' in response.content.decode(), data
    assert count_rows(org, LedgerEntry, kind="adjustment") == 0
    done = client.post(f"{url}adjust/", {"amount": "-24.87", "reason": "Rounding 抹零"})
    assert done.status_code == 302 and done["Location"] == url
    assert count_rows(org, LedgerEntry, kind="adjustment", amount=D("-24.87")) == 1
    assert "200.00" in client.get(url).content.decode()


def test_the_statement_page_and_pdf_and_the_dealer_sees_its_own(sales_org, beta_sales_org):
    org = sales_org
    _issued(org, "dealer", "2")
    with schema_context(org.schema):
        payments.payment_receive(
            actor=org.users["finance_manager"],
            customer=org.customers["dealer"],
            amount=D("100"),
            reference="回款-1",
        )
    dealer = org.client("dealer")
    mine = org.customers["dealer"]
    page = dealer.get(f"/finance/receivables/{mine.pk}/statement/").content.decode()
    assert "Opening balance" in page and "449.74" in page and "349.74" in page
    assert f"/finance/receivables/{mine.pk}/statement/pdf/?start=" in page
    today = timezone.localdate()
    pdf = dealer.get(
        f"/finance/receivables/{mine.pk}/statement/pdf/?start={today.replace(day=1)}&end={today}"
    )
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    bad = dealer.get(f"/finance/receivables/{mine.pk}/statement/?start={today}&end=2000-01-01")
    assert bad.status_code == 400 and "The period ends before it starts." in bad.content.decode()
    other = org.customers["rep_own"]
    assert dealer.get(f"/finance/receivables/{other.pk}/statement/").status_code == 404
    assert dealer.get(f"/finance/receivables/{other.pk}/statement/pdf/").status_code == 404
    with schema_context(org.schema):
        from tradepost.settlement.selectors import statement

        content = statement_content(statement(mine.pk, today, today), mine)
    assert content.rows[0][2] == "Opening balance" and content.rows[-1][4] == "349.74"

    beta = beta_sales_org.client("finance_manager")
    assert beta.get(f"/finance/receivables/{mine.pk}/").status_code == 404
    assert beta.get(f"/finance/receivables/{mine.pk}/statement/").status_code == 404
    assert (
        beta.post(
            f"/finance/receivables/{mine.pk}/adjust/", {"amount": "5", "reason": "x"}
        ).status_code
        == 404
    )
    assert "Haitian" not in beta.get("/finance/receivables/").content.decode()


def test_credit_position_on_customer_and_order_pages_and_the_override(sales_org):
    org = sales_org
    _issued(org, "rep_own", "2")  # 449.74 owed
    with schema_context(org.schema):
        customer_services.customer_update(
            actor=org.owner, customer=org.customers["rep_own"], credit_limit=D("500")
        )
    order = approved_order(org, lines=kettles(org, "1"))  # 224.87 more: over the limit
    customer = org.customers["rep_own"]
    panel = org.client("salesperson").get(f"/customers/{customer.pk}/").content.decode()
    assert "Credit and receivables" in panel and "449.74" in panel and "500.00" in panel

    finance = org.client("finance_manager")
    page = finance.get(f"/sales/orders/{order.pk}/").content.decode()
    assert "Credit position" in page and "Grant credit override" in page
    url = f"/finance/orders/{order.pk}/credit-override/"
    assert f'href="{url}"' in page
    rep_page = org.client("salesperson").get(f"/sales/orders/{order.pk}/").content.decode()
    assert "Credit position" in rep_page and f'href="{url}"' not in rep_page
    assert org.client("salesperson").get(url).status_code == 403

    assert finance.post(url, {"reason": ""}).status_code == 400
    assert count_rows(org, CreditOverride) == 0
    done = finance.post(url, {"reason": "Paid by cheque tomorrow"})
    assert done.status_code == 302 and done["Location"] == f"/sales/orders/{order.pk}/"
    assert count_rows(org, CreditOverride, order=order.pk, used_at__isnull=True) == 1
    assert "already waiting" in finance.get(url).content.decode()


def test_exchange_rates_and_settings_for_finance(sales_org):
    org = sales_org
    client = org.client("finance_manager")
    today = timezone.localdate().isoformat()
    assert client.get("/finance/exchange-rates/").status_code == 200
    for data in (
        {"currency": "CNY", "rate": "1", "rate_date": today},  # the base currency
        {"currency": "USD", "rate": "-1", "rate_date": today},
        {"currency": "USD", "rate": "x", "rate_date": today},
        {"currency": "USD", "rate": "7.1", "rate_date": "2999-01-01"},
    ):
        assert client.post("/finance/exchange-rates/", data).status_code == 400, data
    assert count_rows(org, ExchangeRate) == 0
    done = client.post(
        "/finance/exchange-rates/", {"currency": "usd", "rate": "7.1", "rate_date": today}
    )
    assert done.status_code == 302
    assert "7.1" in client.get("/finance/exchange-rates/").content.decode()
    rep = org.client("salesperson")
    assert rep.get("/finance/exchange-rates/").status_code == 403
    assert (
        org.client("executive")
        .post("/finance/exchange-rates/", {"currency": "EUR", "rate": "8", "rate_date": today})
        .status_code
        == 403
    )
    assert count_rows(org, ExchangeRate) == 1

    settings_form = {
        "reminder_every_days": "7",
        **{
            f"account_{key}": code
            for key, code in (
                ("receivable", "1122"),
                ("revenue", "6001"),
                ("tax", "2221"),
                ("bank", "1002"),
                ("cash", "1001"),
                ("adjustment", "6711"),
            )
        },
    }
    assert (
        client.post("/finance/settings/", {**settings_form, "overdue_block_days": "-1"}).status_code
        == 400
    )
    assert (
        client.post("/finance/settings/", {**settings_form, "overdue_block_days": "30"}).status_code
        == 302
    )
    assert count_rows(org, SettlementSettings, overdue_block_days=30) == 1
    assert rep.get("/finance/settings/").status_code == 403


def test_the_finance_menu_follows_permissions(sales_org):
    org = sales_org
    finance = org.client("finance_manager").get("/finance/invoices/").content.decode()
    assert 'href="/finance/invoices/"' in finance and 'href="/finance/settings/"' in finance
    assert 'href="/finance/exchange-rates/"' in finance
    rep = org.client("salesperson").get("/finance/invoices/").content.decode()
    assert 'href="/finance/receivables/overdue/"' in rep and 'href="/finance/settings/"' not in rep
    home = org.client("warehouse_manager").get("/").content.decode()
    assert 'href="/finance/invoices/"' not in home


def test_the_receivables_list_runs_the_same_queries_for_many_rows(sales_org):
    org = sales_org
    _issued(org, "rep_own", days_ago=45)
    client = org.client("finance_manager")

    def grow():
        _issued(org, "north")
        _issued(org, "dealer")
        with schema_context(org.schema):
            payments.payment_receive(
                actor=org.users["finance_manager"],
                customer=org.customers["hangzhou_unowned"],
                amount=D("5"),
                allocate="none",
            )

    for query in ("", "?group=branch"):
        assert_list_queries(
            lambda query=query: client.get(f"/finance/receivables/{query}"),
            grow if not query else (lambda: None),
            queries=QUERIES_RECEIVABLES[query],
            size=(lambda response: response.content.decode().count("<tr")) if not query else None,
        )
    assert_list_queries(
        lambda: client.get("/finance/receivables/overdue/"),
        lambda: _issued(org, "north", days_ago=45),
        queries=QUERIES_OVERDUE,
        size=lambda response: response.content.decode().count("<li>"),
    )


QUERIES_RECEIVABLES = {"": 10, "?group=branch": 10}
QUERIES_OVERDUE = 9  # the latest promise to pay of each customer: one query


def test_the_exchange_rate_list_runs_the_same_queries_for_many_rows(sales_org):
    from tradepost.settlement import services

    org = sales_org
    finance = org.users["finance_manager"]
    today = timezone.localdate()
    with schema_context(org.schema):
        services.exchange_rate_set(actor=finance, currency="USD", rate=D("7.1"), rate_date=today)
    client = org.client("finance_manager")

    def grow():
        with schema_context(org.schema):
            for days in (1, 2, 3):
                services.exchange_rate_set(
                    actor=finance,
                    currency="EUR",
                    rate=D("7.8"),
                    rate_date=today - datetime.timedelta(days=days),
                )

    assert_list_queries(
        lambda: client.get("/finance/exchange-rates/"),
        grow,
        queries=QUERIES_RATES,
        size=lambda response: response.content.decode().count("<tr"),
    )


QUERIES_RATES = 7
