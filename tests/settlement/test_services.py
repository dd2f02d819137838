"""Settlement through the services: invoices from orders and deliveries (never more
than ordered or shipped), gap-free numbers, the ledger and its balance, payments
allocated oldest first with the rest on account, refunds, cancellations, the deposit,
credits of returns as credit notes, credit control with overrides, and after every
story the receivables check finds nothing."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone
from django_tenants.utils import schema_context

from api.webhooks.models import WebhookEvent
from tests.settlement.conftest import approved_order, confirmed_order, kettles
from tests.support import factories
from tradepost.customers import services as customer_services
from tradepost.inventory.models import Delivery
from tradepost.sales import orders
from tradepost.sales.models import Order, SettlementCredit
from tradepost.settlement import credit, invoices, ledger, payments, selectors
from tradepost.settlement import services as settlement_services
from tradepost.settlement.models import (
    CreditOverride,
    CustomerAccount,
    Invoice,
    LedgerEntry,
    Payment,
)

D = Decimal
YEAR = timezone.localdate().year


def _finance(org):
    return org.users["finance_manager"]


def _issued(org, order, quantities=None) -> Invoice:
    with schema_context(org.schema):
        draft = invoices.invoice_from_order(actor=_finance(org), order=order, quantities=quantities)
        return invoices.invoice_issue(actor=_finance(org), invoice=draft)


def _limit(org, customer: str, limit: str) -> None:
    with schema_context(org.schema):
        customer_services.customer_update(
            actor=org.owner, customer=org.customers[customer], credit_limit=D(limit)
        )


def test_an_order_is_invoiced_in_parts_and_never_beyond_what_was_ordered(sales_org):
    org = sales_org
    order = confirmed_order(org, lines=kettles(org, "3"))
    with schema_context(org.schema):
        line = order.lines.get()
        first = invoices.invoice_from_order(
            actor=_finance(org), order=order, quantities={line.pk: D("1")}
        )
        assert (first.status, first.number, first.gross_total) == ("draft", "", D("224.87"))
        with pytest.raises(ValidationError) as refused:
            invoices.invoice_from_order(
                actor=_finance(org), order=order, quantities={line.pk: D("3")}
            )
        assert refused.value.message_dict["lines"] == [
            f"{org.products['kettle'].sku}: at most 2 can still be invoiced."
        ]
        rest = invoices.invoice_from_order(actor=_finance(org), order=order)
        # The parts of a line add up to it to the cent: 597.00 net, 77.61 tax.
        assert first.net_total + rest.net_total == line.net_amount
        assert first.gross_total + rest.gross_total == line.gross_amount
        with pytest.raises(ValidationError) as nothing_left:
            invoices.invoice_from_order(actor=_finance(org), order=order)
        assert nothing_left.value.message_dict["lines"] == ["Nothing is left to invoice."]
        assert Invoice.objects.count() == 2


def test_issuing_numbers_gap_free_posts_to_the_ledger_and_emits_the_event(sales_org):
    org = sales_org
    factories.webhook_endpoint(org.workspace, event_types=["invoice.issued"])
    order = confirmed_order(org, lines=kettles(org))
    invoice = _issued(org, order)
    with schema_context(org.schema):
        assert invoice.number == f"INV-{YEAR}-00001"
        assert invoice.status == Invoice.Status.ISSUED
        # Due after the customer's payment terms (30 days by default).
        assert invoice.due_date == invoice.issue_date + datetime.timedelta(days=30)
        account = CustomerAccount.objects.get(customer=order.customer)
        assert account.balance == invoice.gross_total == D("449.74")
        entry = LedgerEntry.objects.get(kind="invoice")
        assert (entry.amount, entry.open_amount, entry.reference) == (
            D("449.74"),
            D("449.74"),
            invoice.number,
        )
        issued = WebhookEvent.objects.filter(event_type="invoice.issued")
        assert issued.count() == 1 and issued.get().payload["number"] == invoice.number
        assert ledger.discrepancies() == []


def test_a_draft_cancelled_gives_no_number_away(sales_org):
    org = sales_org
    order = confirmed_order(org, lines=kettles(org))
    with schema_context(org.schema):
        draft = invoices.invoice_from_order(actor=_finance(org), order=order)
        invoices.invoice_cancel(actor=_finance(org), invoice=draft)
        again = invoices.invoice_from_order(actor=_finance(org), order=order)  # all left again
        issued = invoices.invoice_issue(actor=_finance(org), invoice=again)
        assert issued.number == f"INV-{YEAR}-00001"


def test_a_payment_settles_the_oldest_invoices_first_and_keeps_the_rest_on_account(sales_org):
    org = sales_org
    factories.webhook_endpoint(org.workspace, event_types=["invoice.paid"])
    older = _issued(org, confirmed_order(org, lines=kettles(org, "1")))  # 224.87
    newer = _issued(org, confirmed_order(org, lines=kettles(org, "2")))  # 449.74
    with schema_context(org.schema):
        customer = org.customers["rep_own"]
        payment = payments.payment_receive(
            actor=_finance(org), customer=customer, amount=D("300.00"), reference="BANK-1"
        )
        older.entry.refresh_from_db()
        newer.entry.refresh_from_db()
        assert older.entry.open_amount == D("0.00")
        assert newer.entry.open_amount == D("374.61")
        paid = WebhookEvent.objects.filter(event_type="invoice.paid")
        assert [e.payload["number"] for e in paid] == [older.number]

        more = payments.payment_receive(
            actor=_finance(org), customer=customer, amount=D("400.00"), allocate="none"
        )
        assert more.entry.open_amount == D("400.00")  # on account
        account = CustomerAccount.objects.get(customer=customer)
        assert account.balance == D("224.87") + D("449.74") - D("700.00")
        aging = selectors.aging_of(customer.pk)
        assert aging.current == D("374.61") and aging.on_account == D("400.00")
        assert aging.balance == account.balance
        payments.payment_allocate(actor=_finance(org), payment=more)
        more.entry.refresh_from_db()
        assert more.entry.open_amount == D("25.39")
        assert payment.number == f"RC-{YEAR}-00001"
        assert ledger.discrepancies() == []


def test_a_payment_allocated_by_hand_refuses_more_than_is_open(sales_org):
    org = sales_org
    invoice = _issued(org, confirmed_order(org, lines=kettles(org, "1")))
    with schema_context(org.schema):
        customer = org.customers["rep_own"]
        with pytest.raises(ValidationError) as refused:
            payments.payment_receive(
                actor=_finance(org),
                customer=customer,
                amount=D("500.00"),
                allocate={invoice.pk: D("300.00")},
            )
        assert f"{invoice.number} has only 224.87 open." in refused.value.messages
        assert not Payment.objects.exists()
        assert CustomerAccount.objects.get(customer=customer).balance == D("224.87")


def test_a_refund_pays_back_what_is_on_account_and_no_more(sales_org):
    org = sales_org
    with schema_context(org.schema):
        customer = org.customers["rep_own"]
        payment = payments.payment_receive(
            actor=_finance(org), customer=customer, amount=D("100.00")
        )
        with pytest.raises(ValidationError):
            payments.payment_refund(actor=_finance(org), payment=payment, amount=D("100.01"))
        refund = payments.payment_refund(actor=_finance(org), payment=payment, amount=D("60.00"))
        assert refund.kind == Payment.Kind.REFUND
        payment.entry.refresh_from_db()
        assert payment.entry.open_amount == D("40.00")
        assert CustomerAccount.objects.get(customer=customer).balance == D("-40.00")
        with pytest.raises(ValidationError):  # partly refunded: it stays
            payments.payment_cancel(actor=_finance(org), payment=payment, reason="Typo")
        assert ledger.discrepancies() == []


def test_an_issued_invoice_is_cancelled_only_while_nothing_is_allocated_to_it(sales_org):
    org = sales_org
    invoice = _issued(org, confirmed_order(org, lines=kettles(org, "1")))
    with schema_context(org.schema):
        customer = org.customers["rep_own"]
        payments.payment_receive(actor=_finance(org), customer=customer, amount=D("50.00"))
        with pytest.raises(ValidationError) as refused:
            invoices.invoice_cancel(actor=_finance(org), invoice=invoice, reason="Wrong price")
        assert "remove them first" in refused.value.messages[0]
        allocation = invoice.entry.settled_by.get()
        payments.allocation_remove(actor=_finance(org), allocation=allocation)
        cancelled = invoices.invoice_cancel(
            actor=_finance(org), invoice=invoice, reason="Wrong price"
        )
        assert cancelled.status == Invoice.Status.CANCELLED
        # The payment is on account again; the invoice and its cancellation cancel out.
        assert CustomerAccount.objects.get(customer=customer).balance == D("-50.00")
        assert selectors.aging_of(customer.pk).on_account == D("50.00")
        # Its quantities may be invoiced again.
        assert invoices.order_invoiceable(invoice.order) == {
            invoice.order.lines.get().pk: D("1.000")
        }
        assert ledger.discrepancies() == []


def test_an_invoice_follows_a_delivery_with_what_it_shipped(sales_org):
    org = sales_org
    order = confirmed_order(org, lines=kettles(org, "5"))
    with schema_context(org.schema):
        line = order.lines.get()
        warehouse = org.users["warehouse_manager"]
        shipped = orders.order_ship(actor=warehouse, order=order, quantities={line.pk: D("2")})
        delivery = Delivery.objects.get(order=shipped)
        invoice = invoices.invoice_from_delivery(actor=_finance(org), delivery=delivery)
        assert invoice.lines.get().quantity == D("2")
        assert invoice.delivery_id == delivery.pk
        with pytest.raises(ValidationError) as again:
            invoices.invoice_from_delivery(actor=_finance(org), delivery=delivery)
        assert again.value.message_dict["delivery"] == ["This delivery is invoiced already."]
        assert invoices.order_invoiceable(order) == {line.pk: D("3")}


def test_the_deposit_becomes_a_payment_on_confirmation_and_settles_the_invoice(sales_org):
    org = sales_org
    order = confirmed_order(org, lines=kettles(org, "2"), deposit=D("100.00"))
    with schema_context(org.schema):
        deposit = Payment.objects.get(order=order)
        assert (deposit.method, deposit.amount) == ("deposit", D("100.00"))
        assert CustomerAccount.objects.get(customer=order.customer).balance == D("-100.00")
    invoice = _issued(org, order)
    with schema_context(org.schema):
        invoice.entry.refresh_from_db()
        assert invoice.entry.open_amount == D("349.74")
        deposit.entry.refresh_from_db()
        assert deposit.entry.open_amount == D("0.00")


def test_a_return_credit_becomes_an_issued_credit_note_that_settles_the_invoice(sales_org):
    org = sales_org
    made = factories.order_return(org, quantity=D("2"), returned=D("1"))
    with schema_context(org.schema):
        order = made.order
        credit_row = SettlementCredit.objects.get(order_return=made)
        assert credit_row.status == SettlementCredit.Status.SETTLED
        note = Invoice.objects.get(kind="credit_note")
        assert note.number == f"CN-{YEAR}-00001"
        assert note.gross_total == credit_row.amount == D("224.87")
        assert note.settlement_credit_id == credit_row.pk
        # Nothing invoiced yet: the credit waits on account and meets the invoice.
        assert CustomerAccount.objects.get(customer=order.customer).balance == D("-224.87")
    invoice = _issued(org, order)
    with schema_context(org.schema):
        # The order's credit settles its invoice when it is issued.
        invoice.entry.refresh_from_db()
        assert invoice.entry.open_amount == D("224.87")
        note.entry.refresh_from_db()
        assert note.entry.open_amount == D("0.00")
        assert ledger.discrepancies() == []


def test_the_credit_limit_refuses_an_order_with_the_figures(sales_org):
    org = sales_org
    _limit(org, "rep_own", "500.00")
    _issued(org, confirmed_order(org, lines=kettles(org, "1")))  # owes 224.87
    order = approved_order(org, lines=kettles(org, "2"))  # 449.74 more
    with schema_context(org.schema):
        with pytest.raises(ValidationError) as refused:
            orders.order_confirm(actor=org.owner, order=order)
        error = refused.value.error_dict["customer"][0]
        assert error.code == "credit_limit_exceeded"
        assert "would owe 674.61 CNY" in error.message
        assert "limit of 500.00 CNY" in error.message
        order.refresh_from_db()
        assert (order.status, order.number) == (Order.Status.APPROVED, "")
        # A payment brings the exposure under the limit.
        payments.payment_receive(
            actor=_finance(org), customer=org.customers["rep_own"], amount=D("200.00")
        )
        confirmed = orders.order_confirm(actor=org.owner, order=order)
        assert confirmed.status == Order.Status.CONFIRMED


def test_confirmed_orders_not_yet_invoiced_count_toward_the_limit(sales_org):
    org = sales_org
    _limit(org, "rep_own", "500.00")
    confirmed_order(org, lines=kettles(org, "1"))  # 224.87, not invoiced
    second = approved_order(org, lines=kettles(org, "2"))
    with schema_context(org.schema):
        figures = credit.credit_position(org.customers["rep_own"])
        assert (figures.balance, figures.uninvoiced, figures.exposure) == (
            D("0.00"),
            D("224.87"),
            D("224.87"),
        )
        with pytest.raises(ValidationError):
            orders.order_confirm(actor=org.owner, order=second)


def test_an_override_lets_one_order_through_once_and_is_audited(sales_org):
    org = sales_org
    _limit(org, "rep_own", "100.00")
    order = approved_order(org, lines=kettles(org, "2"))
    with schema_context(org.schema):
        with pytest.raises(PermissionDenied):  # a salesperson cannot grant one
            credit.credit_override_grant(
                actor=org.users["salesperson"], order=order, reason="Good customer"
            )
        with pytest.raises(ValidationError):
            credit.credit_override_grant(actor=_finance(org), order=order, reason=" ")
        override = credit.credit_override_grant(
            actor=_finance(org), order=order, reason="Paid by wire tomorrow"
        )
        assert (override.exposure, override.credit_limit) == (D("449.74"), D("100.00"))
        confirmed = orders.order_confirm(actor=org.owner, order=order)
        assert confirmed.status == Order.Status.CONFIRMED
        override.refresh_from_db()
        assert override.used_at is not None
        from tradepost.audit.models import AuditEntry

        actions = set(AuditEntry.objects.values_list("action", flat=True))
        assert {"credit_override.granted", "credit_override.used"} <= actions
    another = approved_order(org, lines=kettles(org, "1"))
    with schema_context(org.schema):
        with pytest.raises(ValidationError):  # the override was for the other order
            orders.order_confirm(actor=org.owner, order=another)
        assert CreditOverride.objects.filter(used_at__isnull=True).count() == 0


def test_an_invoice_overdue_beyond_the_workspace_days_holds_new_orders(sales_org):
    org = sales_org
    invoice = _issued(org, confirmed_order(org, lines=kettles(org, "1")))
    with schema_context(org.schema):
        with pytest.raises(PermissionDenied):
            settlement_services.settings_update(
                actor=org.users["salesperson"], overdue_block_days=1
            )
        settlement_services.settings_update(actor=_finance(org), overdue_block_days=10)
        LedgerEntry.objects.filter(pk=invoice.entry_id).update(
            due_date=timezone.localdate() - datetime.timedelta(days=11)
        )
        order = approved_order(org, lines=kettles(org, "1"))
        with pytest.raises(ValidationError) as refused:
            orders.order_confirm(actor=org.owner, order=order)
        assert "overdue by 11 days" in refused.value.messages[0]
        aging = selectors.aging_of(org.customers["rep_own"].pk)
        assert aging.days_1_30 == D("224.87")


def test_adjustments_need_the_permission_and_a_reason(sales_org):
    org = sales_org
    with schema_context(org.schema):
        customer = org.customers["rep_own"]
        with pytest.raises(PermissionDenied):
            payments.receivable_adjust(
                actor=org.users["salesperson"], customer=customer, amount=D("5"), reason="x"
            )
        with pytest.raises(ValidationError):
            payments.receivable_adjust(
                actor=_finance(org), customer=customer, amount=D("5"), reason=""
            )
        entry = payments.receivable_adjust(
            actor=_finance(org), customer=customer, amount=D("12.30"), reason="Freight 运费"
        )
        assert entry.kind == "adjustment" and entry.reason == "Freight 运费"
        assert CustomerAccount.objects.get(customer=customer).balance == D("12.30")


def test_the_check_command_finds_a_tampered_balance(sales_org):
    org = sales_org
    _issued(org, confirmed_order(org, lines=kettles(org, "1")))
    with schema_context(org.schema):
        call_command("receivables_check", schema=org.schema)
        CustomerAccount.objects.update(balance=D("1.00"))
        with pytest.raises(CommandError):
            call_command("receivables_check", schema=org.schema)


def test_another_workspace_sees_none_of_it(sales_org, beta_sales_org):
    _issued(sales_org, confirmed_order(sales_org, lines=kettles(sales_org, "1")))
    with schema_context(beta_sales_org.schema):
        assert not Invoice.objects.exists()
        assert not LedgerEntry.objects.exists()
