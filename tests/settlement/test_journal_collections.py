"""The accounting export (balanced journal entries on the workspace's accounts, CSV and
Excel) and collections (the overdue list in scope, notes and promises to pay, reminder
e-mails once per interval, never to a customer who opted out)."""

from __future__ import annotations

import csv
import datetime
import io
from decimal import Decimal

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from django_tenants.utils import schema_context
from openpyxl import load_workbook

from tests.settlement.conftest import confirmed_order, kettles
from tradepost.customers import services as customer_services
from tradepost.settlement import collections, invoices, journal, payments
from tradepost.settlement.models import (
    CollectionNote,
    CustomerAccount,
    LedgerEntry,
    SettlementSettings,
)
from tradepost.settlement.tasks import payment_reminders

D = Decimal
TODAY = timezone.localdate()


def _issued(org, order, issue_date=None):
    finance = org.users["finance_manager"]
    with schema_context(org.schema):
        draft = invoices.invoice_from_order(actor=finance, order=order)
        return invoices.invoice_issue(actor=finance, invoice=draft, issue_date=issue_date)


def _overdue(org, customer="rep_own", days=10):
    invoice = _issued(org, confirmed_order(org, customer, lines=kettles(org, "1")))
    with schema_context(org.schema):
        LedgerEntry.objects.filter(pk=invoice.entry_id).update(
            due_date=TODAY - datetime.timedelta(days=days)
        )
    return invoice


def test_the_journal_balances_every_entry_on_the_mapped_accounts(sales_org):
    org = sales_org
    finance = org.users["finance_manager"]
    invoice = _issued(org, confirmed_order(org, lines=kettles(org, "2")))  # 398.00 + 51.74
    with schema_context(org.schema):
        customer = org.customers["rep_own"]
        payments.payment_receive(
            actor=finance, customer=customer, amount=D("100.00"), method="cash"
        )
        payments.receivable_adjust(
            actor=finance, customer=customer, amount=D("-0.74"), reason="Rounding"
        )
        lines = list(journal.journal_lines(TODAY, TODAY))
        by_journal: dict[str, list] = {}
        for line in lines:
            by_journal.setdefault(line.journal, []).append(line)
        for rows in by_journal.values():
            assert sum(r.debit for r in rows) == sum(r.credit for r in rows)
        posted = [(r.account, r.debit, r.credit) for r in by_journal[invoice.number]]
        assert posted == [
            ("1122", D("449.74"), D("0")),
            ("6001", D("0"), D("398.00")),
            ("2221", D("0"), D("51.74")),
        ]
        cash = [r for r in lines if r.account == "1001"]
        assert [(r.debit, r.credit) for r in cash] == [(D("100.00"), D("0"))]
        assert any(r.account == "6711" and r.debit == D("0.74") for r in lines)

        # Accounts are the workspace's own; the CSV and the workbook carry the same rows.
        SettlementSettings.objects.create(account_receivable="112201")
        text = journal.journal_csv(TODAY, TODAY).decode("utf-8-sig")
        rows = list(csv.DictReader(io.StringIO(text)))
        assert len(rows) == len(lines)
        assert rows[0]["account"] == "112201" and rows[0]["customer"] == customer.name
        book = load_workbook(io.BytesIO(journal.journal_xlsx(TODAY, TODAY)))
        sheet = book.worksheets[0]
        assert [c.value for c in sheet[1]] == list(journal.COLUMNS)
        assert sheet.max_row == len(lines) + 1


def test_a_customer_name_is_never_a_formula_in_the_export(sales_org):
    org = sales_org
    with schema_context(org.schema):
        customer_services.customer_update(
            actor=org.owner, customer=org.customers["rep_own"], name="=HYPERLINK(1)"
        )
        payments.payment_receive(
            actor=org.users["finance_manager"], customer=org.customers["rep_own"], amount=D("5")
        )
        text = journal.journal_csv(TODAY, TODAY).decode("utf-8-sig")
        rows = list(csv.DictReader(io.StringIO(text)))
        assert {row["customer"] for row in rows} == {"'=HYPERLINK(1)"}


def test_a_cancelled_invoice_is_reversed_in_the_journal(sales_org):
    org = sales_org
    invoice = _issued(org, confirmed_order(org, lines=kettles(org, "1")))
    with schema_context(org.schema):
        invoices.invoice_cancel(actor=org.users["finance_manager"], invoice=invoice, reason="Wrong")
        rows = [r for r in journal.journal_lines(TODAY, TODAY) if r.journal == invoice.number]
        receivable = [(r.debit, r.credit) for r in rows if r.account == "1122"]
        assert receivable == [(D("224.87"), D("0")), (D("0"), D("224.87"))]


def test_the_export_period_is_checked(sales_org):
    with schema_context(sales_org.schema):
        with pytest.raises(ValidationError):
            list(journal.journal_lines(TODAY, TODAY - datetime.timedelta(days=1)))
        with pytest.raises(ValidationError):
            list(journal.journal_lines(TODAY - datetime.timedelta(days=400), TODAY))


def test_the_overdue_list_follows_the_customer_scope(sales_org):
    org = sales_org
    _overdue(org, "rep_own", days=12)
    _overdue(org, "north", days=40)
    with schema_context(org.schema):
        mine = list(collections.overdue_accounts(org.users["salesperson"]))
        assert [row["customer_id"] for row in mine] == [org.customers["rep_own"].pk]
        everyone = list(collections.overdue_accounts(org.users["finance_manager"]))
        assert [row["customer_id"] for row in everyone] == [
            org.customers["north"].pk,  # the oldest first
            org.customers["rep_own"].pk,
        ]
        assert everyone[1]["overdue"] == D("224.87")


def test_notes_and_promises_to_pay(sales_org):
    org = sales_org
    with schema_context(org.schema):
        rep, customer = org.users["salesperson"], org.customers["rep_own"]
        note = collections.collection_note_add(
            actor=rep,
            customer=customer,
            text="Will pay on Friday 周五付款",
            promised_on=TODAY + datetime.timedelta(days=3),
            promised_amount=D("224.87"),
        )
        assert note.kind == CollectionNote.Kind.PROMISE
        with pytest.raises(ValidationError):  # a promise needs both
            collections.collection_note_add(
                actor=rep, customer=customer, text="Soon", promised_amount=D("1")
            )
        with pytest.raises(ValidationError):  # not in the past
            collections.collection_note_add(
                actor=rep,
                customer=customer,
                text="Late",
                promised_on=TODAY - datetime.timedelta(days=1),
                promised_amount=D("1"),
            )
        with pytest.raises(ValidationError):  # another salesperson's customer
            collections.collection_note_add(
                actor=rep, customer=org.customers["north"], text="Called"
            )
        with pytest.raises(PermissionDenied):
            collections.collection_note_add(
                actor=org.users["dealer"], customer=org.customers["dealer"], text="Hi"
            )
        assert CollectionNote.objects.count() == 1


def test_reminders_go_once_per_interval_and_respect_the_opt_out(sales_org, settings):
    org = sales_org
    _overdue(org, "rep_own", days=5)
    _overdue(org, "north", days=5)
    with schema_context(org.schema):
        customer_services.contact_create(
            actor=org.owner,
            customer=org.customers["rep_own"],
            name="Li Lei",
            email="ar@mingda.example.com",
            is_primary=True,
        )
        customer_services.contact_create(
            actor=org.owner,
            customer=org.customers["north"],
            name="Wang",
            email="ar@jinghua.example.com",
        )
        assert payment_reminders() == 0  # reminders are off by default
        SettlementSettings.objects.create(reminders_enabled=True, reminder_every_days=7)
        CustomerAccount.objects.filter(customer=org.customers["north"]).update(reminders=False)
        mail.outbox.clear()
        assert payment_reminders() == 1
        assert [m.to for m in mail.outbox] == [["ar@mingda.example.com"]]
        assert "INV-" in mail.outbox[0].body and "224.87" in mail.outbox[0].body
        assert payment_reminders() == 0  # not again within the interval
        CustomerAccount.objects.update(reminded_at=timezone.now() - datetime.timedelta(days=8))
        assert payment_reminders() == 1
