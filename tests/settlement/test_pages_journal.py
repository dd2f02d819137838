"""The accounting export page: finance downloads a period's journal as CSV (with the
ledger's rows on the workspace's accounts) or Excel, named after the period; a bad
period is the form again (400); nobody else may export; another workspace's export
holds none of this one's rows. The settings page keeps the accounts, the reminders
switch and their interval (bad input 400, nothing written)."""

from __future__ import annotations

import csv
import datetime
import io
from decimal import Decimal

from django.utils import timezone
from django_tenants.utils import schema_context
from openpyxl import load_workbook

from tests.settlement.conftest import confirmed_order, kettles
from tests.support.factories import count_rows
from tradepost.settlement import invoices, journal, payments
from tradepost.settlement.models import SettlementSettings

D = Decimal
TODAY = timezone.localdate()
DAY = f"{TODAY:%Y%m%d}"


def _issued(org):
    order = confirmed_order(org, lines=kettles(org, "2"))
    with schema_context(org.schema):
        finance = org.users["finance_manager"]
        draft = invoices.invoice_from_order(actor=finance, order=order)
        invoice = invoices.invoice_issue(actor=finance, invoice=draft)
        payments.payment_receive(
            actor=finance,
            customer=org.customers["rep_own"],
            amount=D("100.00"),
            method="cash",
            reference="回款-1",
        )
        return invoice


def _period(**query) -> str:
    values = {"start": TODAY.isoformat(), "end": TODAY.isoformat(), "format": "csv", **query}
    return "/finance/journal/?" + "&".join(f"{k}={v}" for k, v in values.items())


def _settings_form(**changes) -> dict:
    values = {
        "overdue_block_days": "",
        "reminders_enabled": "",
        "reminder_every_days": "7",
        "account_receivable": "1122",
        "account_revenue": "6001",
        "account_tax": "2221",
        "account_bank": "1002",
        "account_cash": "1001",
        "account_adjustment": "6711",
    }
    values.update(changes)
    return {key: value for key, value in values.items() if value != ""}


def test_finance_downloads_the_journal_as_csv_and_excel(sales_org):
    org = sales_org
    invoice = _issued(org)
    client = org.client("finance_manager")
    page = client.get("/finance/journal/")
    assert page.status_code == 200
    text = page.content.decode()
    assert 'name="start"' in text and 'name="format"' in text and "1122" in text

    response = client.get(_period())
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert f'filename="journal-{DAY}-{DAY}.csv"' in response["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    posted = [(r["journal"], r["account"], r["debit"], r["credit"]) for r in rows]
    assert (invoice.number, "1122", "449.74", "0.00") in posted
    assert (invoice.number, "6001", "0.00", "398.00") in posted
    assert (invoice.number, "2221", "0.00", "51.74") in posted
    assert any(r["account"] == "1001" and r["debit"] == "100.00" for r in rows)  # cash
    assert {r["customer"] for r in rows} == {org.customers["rep_own"].name}
    with schema_context(org.schema):
        assert len(rows) == len(list(journal.journal_lines(TODAY, TODAY)))

    book = client.get(_period(format="xlsx"))
    assert book.status_code == 200
    assert f'filename="journal-{DAY}-{DAY}.xlsx"' in book["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(book.content)).worksheets[0]
    assert [c.value for c in sheet[1]] == list(journal.COLUMNS)
    assert sheet.max_row == len(rows) + 1


def test_a_bad_period_is_the_form_again_with_the_reason(sales_org):
    org = sales_org
    client = org.client("finance_manager")
    yesterday = (TODAY - datetime.timedelta(days=1)).isoformat()
    long_ago = (TODAY - datetime.timedelta(days=400)).isoformat()
    for query, message in (
        ({"end": yesterday}, "The end of the period is before its start."),
        ({"start": long_ago}, "Export at most 366 days at a time."),
        ({"start": "2026-13-45"}, "Enter a valid date."),
        ({"start": ""}, "This field is required."),
        ({"format": "pdf"}, "Select a valid choice."),
    ):
        response = client.get(_period(**query))
        assert response.status_code == 400, query
        assert message in response.content.decode(), query
        assert "Content-Disposition" not in response


def test_only_finance_exports_the_journal(sales_org):
    org = sales_org
    _issued(org)
    for who in ("salesperson", "sales_manager", "executive", "dealer", "warehouse_manager"):
        client = org.client(who)
        assert client.get("/finance/journal/").status_code == 403, who
        assert client.get(_period()).status_code == 403, who
    assert org.client("finance_manager").post("/finance/journal/").status_code == 405
    assert 'href="/finance/journal/"' in (
        org.client("finance_manager").get("/finance/invoices/").content.decode()
    )
    assert 'href="/finance/journal/"' not in (
        org.client("executive").get("/finance/invoices/").content.decode()
    )


def test_another_workspace_exports_none_of_these_rows(sales_org, beta_sales_org):
    invoice = _issued(sales_org)
    response = beta_sales_org.client("finance_manager").get(_period())
    assert response.status_code == 200
    text = response.content.decode("utf-8-sig")
    assert invoice.number not in text and "Mingda" not in text
    assert text.strip().splitlines() == [",".join(journal.COLUMNS)]


def test_finance_maps_the_accounts_and_sets_the_reminders(sales_org):
    org = sales_org
    _issued(org)
    client = org.client("finance_manager")
    page = client.get("/finance/settings/").content.decode()
    assert "Payment reminders" in page and 'name="account_receivable"' in page
    assert 'value="1122"' in page and 'name="reminder_every_days"' in page

    for changes, message in (
        ({"account_receivable": "=1+1"}, "Enter the account"),
        ({"account_revenue": ""}, "This field is required."),
        ({"account_tax": "x" * 21}, "Ensure this value has at most 20 characters"),
        ({"reminder_every_days": "0"}, "Ensure this value is greater than or equal to 1."),
        ({"reminder_every_days": "366"}, "Ensure this value is less than or equal to 365."),
    ):
        response = client.post("/finance/settings/", _settings_form(**changes))
        assert response.status_code == 400, changes
        assert message in response.content.decode(), changes
    assert count_rows(org, SettlementSettings) == 0

    done = client.post(
        "/finance/settings/",
        _settings_form(
            overdue_block_days="60",
            reminders_enabled="on",
            reminder_every_days="14",
            account_receivable="1122.01",
        ),
    )
    assert done.status_code == 302
    assert (
        count_rows(
            org,
            SettlementSettings,
            overdue_block_days=60,
            reminders_enabled=True,
            reminder_every_days=14,
            account_receivable="1122.01",
            account_revenue="6001",
        )
        == 1
    )
    rows = list(csv.DictReader(io.StringIO(client.get(_period()).content.decode("utf-8-sig"))))
    assert "1122.01" in {r["account"] for r in rows} and "1122" not in {r["account"] for r in rows}
    # Switching the reminders off again keeps the rest.
    client.post("/finance/settings/", _settings_form(account_receivable="1122.01"))
    assert (
        count_rows(org, SettlementSettings, reminders_enabled=False, account_receivable="1122.01")
        == 1
    )
    rep = org.client("salesperson")
    assert rep.post("/finance/settings/", _settings_form(account_bank="9")).status_code == 403
    assert count_rows(org, SettlementSettings, account_bank="9") == 0
