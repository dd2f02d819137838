"""`/api/v1/journal-export/`: finance downloads a period's journal as CSV (by default;
the very file the journal page gives) or Excel, named after the period; a missing or
bad date, an end before the start or a period too long is a 400 naming the field;
nobody else exports; another workspace's export holds none of this one's rows; the
export takes the same queries for a few entries and many."""

from __future__ import annotations

import csv
import datetime
import io
from decimal import Decimal

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context
from openpyxl import load_workbook

from tests.settlement.conftest import confirmed_order, kettles
from tests.support.queries import assert_list_queries
from tradepost.settlement import invoices, journal, payments

D = Decimal
TODAY = timezone.localdate()
DAY = f"{TODAY:%Y%m%d}"
EXPORT = "/api/v1/journal-export/"


def _issued(org, customer="rep_own"):
    order = confirmed_order(org, customer, lines=kettles(org, "2"))
    with schema_context(org.schema):
        finance = org.users["finance_manager"]
        draft = invoices.invoice_from_order(actor=finance, order=order)
        invoice = invoices.invoice_issue(actor=finance, invoice=draft)
        payments.payment_receive(
            actor=finance,
            customer=org.customers[customer],
            amount=D("100.00"),
            method="cash",
            reference="回款-1",
        )
        return invoice


def _period(**changes) -> dict:
    return {"start": TODAY.isoformat(), "end": TODAY.isoformat(), **changes}


def _rows(response) -> list[dict]:
    return list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))


def test_finance_exports_the_pages_file_as_csv_and_excel(sales_org):
    org = sales_org
    invoice = _issued(org)
    books = org.api("finance_manager")

    response = books.get(EXPORT, _period())

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert f'filename="journal-{DAY}-{DAY}.csv"' in response["Content-Disposition"]
    rows = _rows(response)
    posted = [(r["journal"], r["account"], r["debit"], r["credit"]) for r in rows]
    assert (invoice.number, "1122", "449.74", "0.00") in posted
    assert (invoice.number, "6001", "0.00", "398.00") in posted
    assert any(r["account"] == "1001" and r["debit"] == "100.00" for r in rows)  # cash
    page = org.client("finance_manager").get("/finance/journal/", {**_period(), "format": "csv"})
    assert response.content == page.content
    assert books.get(EXPORT, _period(format="csv")).content == page.content

    book = books.get(EXPORT, _period(format="xlsx"), HTTP_ACCEPT="application/json")
    assert book.status_code == 200
    assert book["Content-Type"] == journal.CONTENT_TYPES["xlsx"]
    assert f'filename="journal-{DAY}-{DAY}.xlsx"' in book["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(book.content)).worksheets[0]
    assert [c.value for c in sheet[1]] == list(journal.COLUMNS)
    assert sheet.max_row == len(rows) + 1


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ({"end": (TODAY - datetime.timedelta(days=1)).isoformat()}, "end", "before its start"),
        (
            {"start": (TODAY - datetime.timedelta(days=400)).isoformat()},
            "end",
            "Export at most 366 days at a time.",
        ),
        ({"start": "2026-13-45"}, "start", "Date has wrong format"),
        ({"start": ""}, "start", ""),
        ({"end": None}, "end", "This field is required."),
        ({"format": "pdf"}, "format", "not a valid choice"),
        ({"colour": "red"}, "colour", "Unknown field."),
    ],
)
def test_a_bad_period_is_400_naming_the_field(sales_org, query, field, message):
    _issued(sales_org)
    params = {k: v for k, v in _period(**query).items() if v is not None}

    response = sales_org.api("finance_manager").get(EXPORT, params)

    assert response.status_code == 400, response.content[:300]
    assert response["Content-Type"] == "application/json"
    assert "Content-Disposition" not in response
    errors = response.json()["errors"]
    assert field in errors, errors
    assert message in " ".join(errors[field])


@pytest.mark.parametrize(
    "role", ["salesperson", "sales_manager", "executive", "dealer", "warehouse_manager"]
)
def test_only_finance_exports_the_journal(sales_org, role):
    _issued(sales_org)

    response = sales_org.api(role).get(EXPORT, _period())

    assert response.status_code == 403
    assert "Content-Disposition" not in response


def test_the_export_only_reads(sales_org):
    books = sales_org.api("finance_manager")

    assert books.post(EXPORT, _period()).status_code == 405
    assert books.get(f"{EXPORT}1/").status_code == 404


def test_another_workspace_exports_none_of_these_rows(sales_org, beta_sales_org):
    invoice = _issued(sales_org)

    response = beta_sales_org.api("finance_manager").get(EXPORT, _period())

    assert response.status_code == 200
    text = response.content.decode("utf-8-sig")
    assert invoice.number not in text and "Mingda" not in text
    assert text.strip().splitlines() == [",".join(journal.COLUMNS)]


def test_the_export_takes_the_same_queries_for_few_entries_and_many(sales_org):
    org = sales_org
    _issued(org)
    books = org.api("finance_manager")

    def grow():
        for customer in ("north", "dealer", "hangzhou_unowned"):
            _issued(org, customer)

    assert_list_queries(
        lambda: books.get(EXPORT, _period()),
        grow,
        queries=9,
        size=lambda response: len(_rows(response)),
    )
